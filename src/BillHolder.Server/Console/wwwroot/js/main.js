// The console's entry point: sign-in, the book list and one open book at a time, over one hub connection.
// No client-side routing: the open book is remembered in the URL's fragment (#book=12), which never reaches the server.
import { h, replaceChildren } from './dom.js';
import { accessToken, api, currentUsername, hasSession, onSignedOut, signOut } from './session.js';
import { BookHubClient } from './hub.js';
import { renderSignIn } from './views/signin.js';
import { renderBooks } from './views/books.js';
import { BookView } from './views/book.js';

const app = document.getElementById('app');
const account = document.getElementById('account');
let hub = null;
let view = null;
const connectionStatus = h('span', { class: 'status', role: 'status' });

// A CSP violation is a bug in the console: say so loudly (the browser tests fail on console errors like this).
document.addEventListener('securitypolicyviolation', (event) =>
  console.error(`Content-Security-Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`));

function setStatus(status) {
  connectionStatus.textContent = { connected: 'Live', reconnecting: 'Reconnecting…', disconnected: 'Offline, retrying…' }[status] ?? status;
  connectionStatus.className = `status status-${status}`;
}

async function closeView() {
  const current = view;
  view = null;
  if (current instanceof BookView) await current.dispose();
}

async function showSignIn(message) {
  await closeView();
  if (hub) { const old = hub; hub = null; await old.stop().catch(() => {}); }
  history.replaceState(null, '', location.pathname);
  account.replaceChildren();
  renderSignIn(app, { onSignedIn: enter, message });
}

async function enter() {
  hub = new BookHubClient({
    onBookChanged: (changeSet) => { if (view instanceof BookView && view.id === changeSet.bookId) view.onBookChanged(changeSet); },
    onPresence: (bookId, usernames) => { if (view instanceof BookView && view.id === bookId) view.onPresence(usernames); },
    onBookClosed: (bookId, reason) => {
      if (view instanceof BookView && view.id === bookId) {
        view.leave(reason === 'book_deleted' ? 'The book was deleted.' : 'You were removed from the book.');
      }
    },
    onReconnected: () => { if (view instanceof BookView) view.catchUp(); },
    onSignedOut: () => showSignIn('Your session ended. Sign in again.'),
    onStatus: setStatus,
  });
  await hub.start();
  setStatus('connected');
  account.replaceChildren(h('span', { class: 'who' }, `Signed in as ${currentUsername()}`), connectionStatus,
    h('button', { type: 'button', class: 'secondary small', onclick: async () => { await signOut(); await showSignIn('Signed out.'); } }, 'Sign out'));
  const wanted = /^#book=(\d+)$/.exec(location.hash);
  if (wanted) await openBook(Number(wanted[1]), null); else await showBooks();
}

async function showBooks(message) {
  await closeView();
  history.replaceState(null, '', location.pathname);
  await renderBooks(app, { onOpen: (bookId, role) => openBook(bookId, role) });
  if (message) app.prepend(h('p', { role: 'status', class: 'notice' }, message));
}

async function openBook(bookId, role) {
  await closeView();
  try {
    // A reload knows the book but not the role: the book list says it.
    role ??= (await api('GET', '/api/books')).find((b) => b.id === bookId)?.role;
    if (!role) throw new Error('That book is not yours (or no longer exists).');
    const opened = new BookView(app, { hub, bookId, role, me: currentUsername(), onBack: (message) => showBooks(message) });
    view = opened;
    await opened.open();
    history.replaceState(null, '', `#book=${bookId}`);
  } catch (error) {
    view = null;
    await showBooks(error.message);
  }
}

onSignedOut(() => showSignIn('Your session ended. Sign in again.'));

(async () => {
  if (hasSession()) {
    try {
      await accessToken();
      await enter();
      return;
    } catch {
      // An expired or revoked session: sign in again.
    }
  }
  await showSignIn();
})();
