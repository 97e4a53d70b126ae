import { h, field, numeric, table } from '../dom.js';
import { api } from '../session.js';

// The signed-in user's books with their role; create one, or join one with an invite code.
export async function renderBooks(container, { onOpen }) {
  const error = h('p', { role: 'alert', class: 'error' });
  const list = h('div', { class: 'card book-list' }, h('p', null, 'Loading your books…'));

  async function load() {
    try {
      const books = await api('GET', '/api/books');
      list.replaceChildren(books.length === 0
        ? h('p', null, 'No books yet: create one below, or join one with an invite code.')
        : table(['Book', 'Your role', numeric('Version'), ''], books.map((book) => h('tr', null,
            h('td', null, book.name),
            h('td', null, h('span', { class: `role role-${book.role}` }, book.role)),
            h('td', { class: 'number' }, String(book.version)),
            h('td', { class: 'actions' }, h('button', { type: 'button', 'aria-label': `Open ${book.name}`,
              onclick: () => onOpen(book.id, book.role) }, 'Open')))), 'Your books'));
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  const name = h('input', { name: 'name', maxlength: 16, required: true });
  const remark = h('input', { name: 'remark', maxlength: 255 });
  const createForm = h('form', { class: 'card', 'aria-labelledby': 'new-book-title', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const book = await api('POST', '/api/books', { name: name.value, remark: remark.value || null });
      onOpen(book.id, 'owner');
    } catch (failure) {
      error.textContent = failure.message;
    }
  } },
  h('h3', { id: 'new-book-title' }, 'New book'),
  h('div', { class: 'row' }, field('Book name', name), field('Book remark', remark)),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create book')));

  const code = h('input', { name: 'code', maxlength: 128, autocomplete: 'off' });
  const joinForm = h('form', { class: 'card', 'aria-labelledby': 'join-title', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const joined = await api('POST', '/api/invites/accept', { code: code.value.trim() });
      onOpen(joined.bookId, joined.role);
    } catch (failure) {
      error.textContent = failure.message;
    }
  } },
  h('h3', { id: 'join-title' }, 'Join a book'),
  field('Invite code', code),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Join book')));

  // A JSON export (from this or another server) becomes a new book of the user's.
  const file = h('input', { name: 'file', type: 'file', accept: '.json,application/json' });
  const importForm = h('form', { class: 'card', 'aria-labelledby': 'import-title', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const chosen = file.files?.[0];
      if (!chosen) throw new Error('Choose a JSON export file first.');
      const imported = await api('POST', '/api/books/import', undefined, { text: await chosen.text() });
      onOpen(imported.id, 'owner');
    } catch (failure) {
      error.textContent = failure.message;
    }
  } },
  h('h3', { id: 'import-title' }, 'Import a book'),
  field('JSON export file', file),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Import book')));

  container.replaceChildren(h('section', { class: 'books', 'aria-labelledby': 'books-title' },
    h('h2', { id: 'books-title' }, 'Books'), error, list, h('div', { class: 'grid2' }, createForm, joinForm, importForm)));
  await load();
}

