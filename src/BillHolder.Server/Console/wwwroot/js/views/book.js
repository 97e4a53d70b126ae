// An open book: header (version, who else is here), conflicts the server reported, and tabs for the records,
// members, history, consistency, exports and settings. Edits go through the hub's Sync with a fresh syncId each.
import { h, replaceChildren } from '../dom.js';
import { BookState } from '../bookstate.js';
import { newSyncId } from '../ids.js';
import { formatMinor } from '../money.js';
import { RecordSection, KINDS } from './records.js';
import { MembersPanel, HistoryPanel, ConsistencyPanel, ExportPanel, SettingsPanel } from './panels.js';

const MONEY_FIELDS = new Set(['amount', 'openingBalance', 'balance']);
const SINGULAR = { wallets: 'wallet', bills: 'bill', transfers: 'transfer', incomes: 'income', book: 'book' };

export class BookView {
  constructor(container, { hub, bookId, role, me, onBack }) {
    this.container = container;
    this.hub = hub;
    this.me = me;
    this.onBack = onBack;
    this.book = new BookState(bookId, role);
    this.error = h('p', { role: 'alert', class: 'error' });
    this.notice = h('p', { role: 'status', class: 'notice' });
    this.presence = h('p', { class: 'presence', 'aria-live': 'polite' });
    this.title = h('h2', { id: 'book-title' });
    this.meta = h('p', { class: 'meta' });
    this.conflicts = h('section', { class: 'conflicts', 'aria-labelledby': 'conflicts-title', hidden: true });
    this.closed = false;
  }

  get id() { return this.book.id; }

  async open() {
    replaceChildren(this.container, h('p', null, 'Opening the book…'));
    await this.load();
    this.build();
    this.render();
  }

  // OpenBook sends the book whole up to Realtime__MaxSnapshotRecords; a bigger one answers snapshot_too_large
  // and is read in pages, then brought up to date from the first page's version.
  async load() {
    try {
      this.book.apply(await this.hub.invoke('OpenBook', this.book.id, null));
    } catch (error) {
      if (error.code !== 'snapshot_too_large') throw error;
      let cursor = null;
      let first = true;
      do {
        const page = await this.hub.invoke('ReadSnapshotPage', this.book.id, cursor, 1000);
        this.book.applyPage(page, first);
        first = false;
        cursor = page.next;
      } while (cursor);
      this.book.apply(await this.hub.invoke('OpenBook', this.book.id, this.book.version));
    }
  }

  build() {
    const book = this.book;
    this.sections = Object.fromEntries(Object.keys(KINDS).map((collection) =>
      [collection, new RecordSection(collection, book, { send: (changes) => this.send(changes), report: (message) => this.report(message) })]));
    const records = h('div', { class: 'panel records-panel' },
      h('div', { class: 'grid-records' }, Object.values(this.sections).map((section) => section.element)));
    this.panels = {
      Records: { element: records, load: () => {} },
      Members: new MembersPanel(book, { me: this.me, onLeft: () => this.leave('You left the book.') }),
      History: new HistoryPanel(book),
      Consistency: new ConsistencyPanel(book),
      'Export and reports': new ExportPanel(book),
      Settings: new SettingsPanel(book, { send: (changes) => this.send(changes), onDeleted: () => this.leave('The book was deleted.') }),
    };
    this.tabs = Object.keys(this.panels).map((name) => h('button', { type: 'button', role: 'tab', id: `tab-${name.replace(/\W+/g, '-')}`,
      'aria-selected': 'false', onclick: () => this.show(name) }, name));
    const holder = h('div', { class: 'tab-panels' }, Object.entries(this.panels).map(([name, panel]) => {
      panel.element.setAttribute('role', 'tabpanel');
      panel.element.setAttribute('aria-labelledby', `tab-${name.replace(/\W+/g, '-')}`);
      panel.element.hidden = true;
      return panel.element;
    }));
    replaceChildren(this.container, h('section', { class: 'book', 'aria-labelledby': 'book-title' },
      h('div', { class: 'book-head' },
        h('div', null, this.title, this.meta, this.presence),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.onBack() }, 'Back to books')),
      this.error, this.notice, this.conflicts,
      h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Book sections' }, this.tabs),
      holder));
    this.show('Records');
  }

  show(name) {
    this.current = name;
    for (const tab of this.tabs) tab.setAttribute('aria-selected', String(tab.textContent === name));
    for (const [panelName, panel] of Object.entries(this.panels)) panel.element.hidden = panelName !== name;
    this.panels[name].load();
  }

  render() {
    if (!this.sections) return; // still opening: build() renders everything once the book is loaded
    const book = this.book;
    this.title.textContent = book.name;
    this.meta.textContent = `Version ${book.version} · you are ${book.role}${book.remark ? ` · ${book.remark}` : ''}`;
    for (const section of Object.values(this.sections)) section.render();
    this.renderConflicts();
  }

  renderConflicts() {
    const conflicts = [...this.book.conflicts.values()];
    this.conflicts.hidden = conflicts.length === 0;
    if (conflicts.length === 0) return;
    const value = (field, raw) => raw === null || raw === undefined ? 'nothing'
      : MONEY_FIELDS.has(field) && (typeof raw === 'number' || typeof raw === 'bigint') ? formatMinor(raw) : JSON.stringify(raw);
    replaceChildren(this.conflicts,
      h('h3', { id: 'conflicts-title' }, 'Conflicts'),
      h('p', null, 'The same fields were changed by two people; the later edit was kept:'),
      h('ul', null, conflicts.map((c) => h('li', null, c.field === null
        ? `${c.username ?? 'Someone'} deleted ${SINGULAR[c.collection] ?? c.collection} ${c.id} (version ${c.version}), which had been changed since they last saw it.`
        : `${c.username ?? 'Someone'} set ${c.field} of ${SINGULAR[c.collection] ?? c.collection} ${c.id} to ${value(c.field, c.yours)} (version ${c.version}), ` +
          `overwriting ${value(c.field, c.theirs)}; both started from ${value(c.field, c.base)}.`))),
      h('button', { type: 'button', class: 'small secondary', onclick: () => { this.book.conflicts.clear(); this.renderConflicts(); } }, 'Dismiss conflicts'));
  }

  report(message) {
    this.notice.textContent = '';
    this.error.textContent = message;
  }

  // One edit = one sync with a fresh syncId (the hub client retries it with the same syncId on a lost answer).
  async send(changes) {
    this.error.textContent = '';
    this.notice.textContent = '';
    const result = await this.hub.sync(this.book.id, { syncId: newSyncId(), baseVersion: this.book.version, ...changes });
    this.book.apply(result.changes);
    const skipped = (result.skipped ?? []).map((s) => `${SINGULAR[s.collection] ?? s.collection} ${s.id} (${s.reason.replace('_', ' ')})`);
    if (skipped.length) this.notice.textContent = `Not applied: ${skipped.join(', ')} — a collaborator changed it first.`;
    else if (!result.applied) this.notice.textContent = 'Nothing changed.';
    this.render();
    if (this.current === 'Settings') this.panels.Settings.load();
    return result;
  }

  async onBookChanged(changeSet) {
    const verdict = this.book.judgePush(changeSet);
    if (verdict === 'ignore') return;
    if (verdict === 'reload') await this.catchUp();
    else this.book.apply(changeSet);
    this.render();
    if (this.current === 'History') this.panels.History.load();
  }

  // After a reconnect, or a missed push: everything since the version held (the version is the truth).
  async catchUp() {
    try {
      this.book.apply(await this.hub.invoke('OpenBook', this.book.id, this.book.version));
      this.render();
    } catch (error) {
      if (error.code === 'book_not_found') this.leave('The book is gone, or you are no longer a member.');
      else this.report(error.message);
    }
  }

  onPresence(usernames) {
    const others = usernames.filter((name) => name.toLowerCase() !== this.me.toLowerCase());
    this.presence.textContent = others.length === 0 ? 'Only you have this book open.' : `Also here: ${others.join(', ')}`;
  }

  leave(message) {
    if (this.closed) return;
    this.closed = true;
    this.onBack(message);
  }

  async dispose() {
    if (!this.closed) {
      this.closed = true;
      await this.hub.invoke('CloseBook', this.book.id).catch(() => {});
    }
  }
}
