// The book's other tabs: members (owners manage them and invites), history, the consistency check, exports and
// reports, and the book's own settings. Each loads over REST when shown.
import { h, field, numeric, select, table, replaceChildren } from '../dom.js';
import { api } from '../session.js';
import { formatMinor } from '../money.js';
import { formatMoment } from '../dates.js';

const ROLES = [['owner', 'owner'], ['editor', 'editor'], ['viewer', 'viewer']];

function panel(title, ...children) {
  const id = `panel-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h3', { id }, title), ...children);
}

export class MembersPanel {
  constructor(book, { me, onLeft }) {
    this.book = book;
    this.me = me;
    this.onLeft = onLeft;
    this.error = h('p', { role: 'alert', class: 'error' });
    this.notice = h('p', { role: 'status', class: 'notice' });
    this.list = h('div');
    this.invites = h('div');
    this.element = h('div', { class: 'panel' }, panel('Members', this.error, this.notice, this.list,
      book.role === 'owner' ? this.addForm() : null), book.role === 'owner' ? panel('Invites', this.inviteForm(), this.invites) : null);
  }

  async run(action, done) {
    this.error.textContent = '';
    this.notice.textContent = '';
    try {
      await action();
      if (done) this.notice.textContent = done;
      await this.load();
    } catch (failure) {
      this.error.textContent = failure.message;
    }
  }

  put(username, role) {
    return api('PUT', `/api/books/${this.book.id}/members/${encodeURIComponent(username)}`, { role });
  }

  addForm() {
    const username = h('input', { name: 'member', maxlength: 32, autocomplete: 'off' });
    const role = select([['editor', 'editor'], ['viewer', 'viewer'], ['owner', 'owner']], 'editor');
    return h('form', { class: 'record-form', 'aria-label': 'Add member', novalidate: true, onsubmit: (event) => {
      event.preventDefault();
      const name = username.value.trim();
      this.run(async () => { await this.put(name, role.value); username.value = ''; }, `${name} is now ${role.value}.`);
    } }, h('h4', null, 'Add a member'), h('div', { class: 'row' }, field('Username', username), field('Role', role)),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add member')));
  }

  inviteForm() {
    const role = select([['editor', 'editor'], ['viewer', 'viewer']], 'editor');
    const code = h('p', { class: 'invite-code', role: 'status' });
    return h('form', { class: 'record-form', 'aria-label': 'Create invite', novalidate: true, onsubmit: (event) => {
      event.preventDefault();
      this.run(async () => {
        const invite = await api('POST', `/api/books/${this.book.id}/invites`, { role: role.value });
        code.textContent = `Invite code (shown once): ${invite.code}`;
      });
    } }, h('div', { class: 'row' }, field('Invite role', role)), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create invite')), code);
  }

  async load() {
    try {
      const members = await api('GET', `/api/books/${this.book.id}/members`);
      const owner = this.book.role === 'owner';
      replaceChildren(this.list, table(['Username', 'Role', ''], members.map((member) => {
        const you = member.username.toLowerCase() === this.me.toLowerCase();
        const role = select(ROLES, member.role);
        role.setAttribute('aria-label', `Role of ${member.username}`);
        return h('tr', null,
          h('td', null, member.username, you ? h('span', { class: 'you' }, ' (you)') : null),
          h('td', null, owner ? role : h('span', { class: `role role-${member.role}` }, member.role)),
          h('td', { class: 'actions' },
            owner ? h('button', { type: 'button', class: 'small', 'aria-label': `Change role of ${member.username}`,
              onclick: () => this.run(() => this.put(member.username, role.value), `${member.username} is now ${role.value}.`) }, 'Change role') : null,
            owner && !you ? h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${member.username}`,
              onclick: () => this.run(() => api('DELETE', `/api/books/${this.book.id}/members/${encodeURIComponent(member.username)}`), `${member.username} was removed.`) }, 'Remove') : null,
            you ? h('button', { type: 'button', class: 'small danger', onclick: () => this.run(async () => {
              await api('DELETE', `/api/books/${this.book.id}/members/${encodeURIComponent(member.username)}`);
              this.onLeft();
            }) }, 'Leave book') : null));
      })));
      if (owner) {
        const invites = await api('GET', `/api/books/${this.book.id}/invites`);
        replaceChildren(this.invites, invites.length === 0 ? h('p', { class: 'empty' }, 'No open invites.') : table(['Role', 'Uses', 'Expires', ''],
          invites.map((invite) => h('tr', null, h('td', null, invite.role), h('td', { class: 'number' }, `${invite.uses} of ${invite.maxUses ?? '∞'}`),
            h('td', null, formatMoment(invite.expiresAt)),
            h('td', { class: 'actions' }, h('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke invite ${invite.id}`,
              onclick: () => this.run(() => api('DELETE', `/api/books/${this.book.id}/invites/${invite.id}`), 'Invite revoked.') }, 'Revoke'))))));
      }
    } catch (failure) {
      this.error.textContent = failure.message;
    }
  }
}

function summarize(summary) {
  const parts = [];
  for (const collection of ['wallets', 'bills', 'transfers', 'incomes']) {
    const counts = summary?.[collection];
    if (!counts) continue;
    const bits = [['new', '+'], ['modified', '~'], ['deleted', '−']].filter(([key]) => counts[key] > 0).map(([key, sign]) => `${sign}${counts[key]}`);
    if (bits.length) parts.push(`${collection} ${bits.join(' ')}`);
  }
  if (summary?.bookChanged) parts.push('book renamed or re-remarked');
  return parts.join(', ') || 'no record changes';
}

export class HistoryPanel {
  constructor(book) {
    this.book = book;
    this.error = h('p', { role: 'alert', class: 'error' });
    this.body = h('tbody');
    this.more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => this.load(this.oldest) }, 'Older entries');
    this.element = h('div', { class: 'panel' }, panel('History', this.error,
      h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'number' }, 'Version'), ['When', 'Who', 'What', 'Sync id'].map((t) => h('th', { scope: 'col' }, t)))), this.body),
      h('div', { class: 'actions' }, this.more)));
  }

  async load(before) {
    this.error.textContent = '';
    try {
      const query = before ? `?limit=20&before=${before}` : '?limit=20';
      const entries = await api('GET', `/api/books/${this.book.id}/history${query}`);
      if (!before) this.body.replaceChildren();
      for (const entry of entries) {
        this.body.append(h('tr', null, h('td', { class: 'number' }, String(entry.version)), h('td', null, formatMoment(entry.time)),
          h('td', null, entry.username), h('td', null, entry.syncId === null ? 'created the book' : summarize(entry.summary)),
          h('td', { class: 'mono' }, entry.syncId ?? '')));
      }
      this.oldest = entries.at(-1)?.version;
      this.more.hidden = entries.length < 20;
    } catch (failure) {
      this.error.textContent = failure.message;
    }
  }
}

export class ConsistencyPanel {
  constructor(book) {
    this.book = book;
    this.error = h('p', { role: 'alert', class: 'error' });
    this.result = h('div');
    this.element = h('div', { class: 'panel' }, panel('Consistency check',
      h('p', null, 'Every stored wallet balance against a recomputation from all the records.'), this.error, this.result,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => this.load() }, 'Check consistency'))));
  }

  async load() {
    this.error.textContent = '';
    try {
      const check = await api('GET', `/api/books/${this.book.id}/consistency`);
      replaceChildren(this.result,
        h('p', { class: check.ok ? 'ok' : 'error', role: 'status' }, check.ok ? `Consistent at version ${check.version}.` : `Inconsistent at version ${check.version}!`),
        table(['Wallet', numeric('Stored balance'), numeric('Recomputed balance'), 'OK'], check.wallets.map((w) => h('tr', null, h('td', null, w.name),
          h('td', { class: 'number' }, formatMinor(w.storedBalance)), h('td', { class: 'number' }, formatMinor(w.recomputedBalance)),
          h('td', null, w.ok ? 'yes' : 'NO')))));
    } catch (failure) {
      this.error.textContent = failure.message;
    }
  }
}

// A download with the bearer token: fetched, then handed to the browser as a Blob under the server's file name.
async function download(path, fallbackName) {
  const response = await api('GET', path, undefined, { raw: true });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: decodeURIComponent(name), hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class ExportPanel {
  constructor(book) {
    this.book = book;
    this.error = h('p', { role: 'alert', class: 'error' });
    this.notice = h('p', { role: 'status', class: 'notice' });
    this.report = h('div');
    const groupBy = select([['month', 'month'], ['category', 'category']], 'month');
    const exportButton = (format, label) => h('button', { type: 'button', onclick: () => this.run(async () => {
      await download(`/api/books/${book.id}/export?format=${format}`, `book-${book.id}.${format}`);
      this.notice.textContent = `Downloaded the ${label} export.`;
    }) }, `Download ${label} export`);
    this.element = h('div', { class: 'panel' },
      panel('Export', h('p', null, 'The whole book as JSON (it can be imported again as a new book), or as one CSV for a spreadsheet.'),
        this.notice, h('div', { class: 'actions' }, exportButton('json', 'JSON'), exportButton('csv', 'CSV'))),
      panel('Reports', h('form', { class: 'record-form', 'aria-label': 'Report', novalidate: true, onsubmit: (event) => {
        event.preventDefault();
        this.run(() => this.showReport(groupBy.value));
      } }, h('div', { class: 'row' }, field('Group by', groupBy)), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show report'))),
      this.report),
      this.error);
  }

  async run(action) {
    this.error.textContent = '';
    this.notice.textContent = '';
    try { await action(); } catch (failure) { this.error.textContent = failure.message; }
  }

  load() {
    this.notice.textContent = '';
  }

  async showReport(groupBy) {
    // Days are stored as 00:00 UTC (dates.js), so months are UTC months: what a person entered.
    const report = await api('GET', `/api/books/${this.book.id}/reports?groupBy=${groupBy}&tz=UTC`);
    const money = (v) => h('td', { class: 'number' }, formatMinor(v ?? 0));
    replaceChildren(this.report,
      table([groupBy === 'month' ? 'Month' : 'Category', ...['Bills', 'Incomes', 'Net'].map(numeric)], report.groups.map((g) =>
        h('tr', null, h('td', null, g.key ?? '(no category)'), money(g.bills), money(g.incomes), money(g.net))), `By ${groupBy}, version ${report.version}`),
      table(['Wallet', ...['Bills', 'Incomes', 'Transfers in', 'Transfers out', 'Net'].map(numeric)], report.wallets.map((w) =>
        h('tr', null, h('td', null, w.name), money(w.bills), money(w.incomes), money(w.transfersIn), money(w.transfersOut), money(w.net))), 'By wallet'));
  }
}

export class SettingsPanel {
  constructor(book, { send, onDeleted }) {
    this.book = book;
    this.error = h('p', { role: 'alert', class: 'error' });
    this.notice = h('p', { role: 'status', class: 'notice' });
    const name = h('input', { name: 'bookName', maxlength: 16, value: book.name });
    const remark = h('input', { name: 'bookRemark', maxlength: 255, value: book.remark ?? '' });
    this.name = name;
    this.remark = remark;
    const rename = h('form', { class: 'record-form', 'aria-label': 'Book settings', novalidate: true, onsubmit: (event) => {
      event.preventDefault();
      this.run(async () => {
        await send({ book: { name: name.value.trim(), remark: remark.value.trim() || null } });
        this.notice.textContent = 'Saved.';
      });
    } }, h('div', { class: 'row' }, field('Book name', name), field('Book remark', remark)),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save book')));
    const remove = h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => this.run(async () => {
      await api('DELETE', `/api/books/${book.id}`);
      onDeleted();
    }) }, 'Delete book'));
    this.element = h('div', { class: 'panel' }, panel('Book', this.error, this.notice,
      book.canEdit ? rename : h('p', null, `${book.name}${book.remark ? ` — ${book.remark}` : ''} (you are a viewer).`),
      book.role === 'owner' ? h('p', null, 'Deleting the book removes it for every member; it cannot be undone.') : null,
      book.role === 'owner' ? remove : null));
  }

  async run(action) {
    this.error.textContent = '';
    this.notice.textContent = '';
    try { await action(); } catch (failure) { this.error.textContent = failure.message; }
  }

  load() {
    this.name.value = this.book.name;
    this.remark.value = this.book.remark ?? '';
  }
}
