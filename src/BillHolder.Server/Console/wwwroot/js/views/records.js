// Wallets, bills, transfers and incomes: one section per kind, written once. Tables are redrawn on every change
// (pushes included); the forms are built once, so a push never wipes what someone is typing.
import { h, field, numeric, setOptions, table, replaceChildren } from '../dom.js';
import { formatMinor, parseDecimal, toWireNumber } from '../money.js';
import { dayToEpoch, epochToDay, formatDay, todayLocal } from '../dates.js';

const PAGE_SIZE = 10;

const text = (key, label, max, required = false) => ({ key, label, type: 'text', max, required });
const money = (key, label, allowNegative = false) => ({ key, label, type: 'money', allowNegative });
const wallet = (key, label) => ({ key, label, type: 'wallet' });
const day = { key: 'date', label: 'Date', type: 'day' };

export const KINDS = {
  wallets: {
    singular: 'wallet', title: 'Wallets', paged: false,
    fields: [text('name', 'Name', 16, true), money('openingBalance', 'Opening balance', true), text('color', 'Color', 16), text('remark', 'Remark', 255)],
    columns: [['Name', (r) => r.name], ['Balance', (r, b) => amountCell(r.balance)], ['Opening balance', (r) => amountCell(r.openingBalance)],
      ['Color', (r) => r.color ?? ''], ['Remark', (r) => r.remark ?? ''], ['Last edited by', (r) => r.lastEditedBy]],
    describe: (r) => r.name,
  },
  bills: {
    singular: 'bill', title: 'Bills', paged: true,
    fields: [wallet('walletId', 'Wallet'), money('amount', 'Amount'), day, text('category', 'Category', 32), text('remark', 'Remark', 255)],
    columns: [['Date', (r) => formatDay(r.date)], ['Wallet', (r, b) => b.walletName(r.walletId)], ['Amount', (r) => amountCell(r.amount)],
      ['Category', (r) => r.category ?? ''], ['Remark', (r) => r.remark ?? ''], ['By', (r) => r.lastEditedBy]],
    describe: (r) => `${formatMinor(r.amount)} on ${formatDay(r.date)}`,
  },
  transfers: {
    singular: 'transfer', title: 'Transfers', paged: true,
    fields: [wallet('fromWalletId', 'From wallet'), wallet('toWalletId', 'To wallet'), money('amount', 'Amount'), day, text('remark', 'Remark', 255)],
    columns: [['Date', (r) => formatDay(r.date)], ['From', (r, b) => b.walletName(r.fromWalletId)], ['To', (r, b) => b.walletName(r.toWalletId)],
      ['Amount', (r) => amountCell(r.amount)], ['Remark', (r) => r.remark ?? ''], ['By', (r) => r.lastEditedBy]],
    describe: (r) => `${formatMinor(r.amount)} on ${formatDay(r.date)}`,
  },
  incomes: {
    singular: 'income', title: 'Incomes', paged: true,
    fields: [wallet('walletId', 'Wallet'), money('amount', 'Amount'), day, text('category', 'Category', 32), text('remark', 'Remark', 255)],
    columns: [['Date', (r) => formatDay(r.date)], ['Wallet', (r, b) => b.walletName(r.walletId)], ['Amount', (r) => amountCell(r.amount)],
      ['Category', (r) => r.category ?? ''], ['Remark', (r) => r.remark ?? ''], ['By', (r) => r.lastEditedBy]],
    describe: (r) => `${formatMinor(r.amount)} on ${formatDay(r.date)}`,
  },
};

const cellClass = (title) => /Amount|alance/.test(title) ? 'number' : title === 'Date' ? 'nowrap' : null;

const amountCell = (minor) => h('span', { class: `amount${BigInt(minor) < 0n ? ' negative' : ''}` }, formatMinor(minor));

const capital = (word) => word[0].toUpperCase() + word.slice(1);
const article = (word) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

// One kind's section: its table (newest first, paged) and, for editors, its add/edit form.
export class RecordSection {
  constructor(collection, book, { send, report }) {
    this.collection = collection;
    this.kind = KINDS[collection];
    this.book = book;
    this.send = send;
    this.report = report;
    this.page = 0;
    this.editing = null;
    this.controls = {};
    this.tableHolder = h('div', { class: 'table-holder' });
    this.pager = h('div', { class: 'pager' });
    this.form = book.canEdit ? this.buildForm() : null;
    const titleId = `${collection}-title`;
    this.element = h('section', { class: `records ${collection}`, 'aria-labelledby': titleId },
      h('h3', { id: titleId }, this.kind.title), this.tableHolder, this.pager, this.form);
  }

  buildForm() {
    const kind = this.kind;
    const controls = this.controls;
    const fields = kind.fields.map((definition) => {
      let control;
      if (definition.type === 'wallet') control = h('select', { name: definition.key });
      else if (definition.type === 'day') control = h('input', { name: 'date', type: 'date', value: todayLocal(), required: true });
      else if (definition.type === 'money') control = h('input', { name: definition.key, inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00' });
      else control = h('input', { name: definition.key, maxlength: definition.max, required: definition.required, autocomplete: 'off' });
      controls[definition.key] = control;
      return field(definition.label, control);
    });
    this.submit = h('button', { type: 'submit' }, `Add ${kind.singular}`);
    this.cancel = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => this.stopEditing() }, 'Cancel edit');
    this.formTitle = h('h4', null, `Add ${article(kind.singular)}`);
    this.error = h('p', { role: 'alert', class: 'error' });
    return h('form', { class: 'record-form', 'aria-label': capital(kind.singular), novalidate: true,
      onsubmit: (event) => { event.preventDefault(); this.save(); } },
      this.formTitle, h('div', { class: 'row' }, fields), this.error, h('div', { class: 'actions' }, this.submit, this.cancel));
  }

  // The form's values as wire fields; throws with the field's label on a bad value.
  read() {
    const values = {};
    for (const definition of this.kind.fields) {
      const raw = this.controls[definition.key].value;
      try {
        if (definition.type === 'wallet') {
          if (!raw) throw new Error('Add a wallet first.');
          values[definition.key] = Number(raw);
        } else if (definition.type === 'money') {
          values[definition.key] = toWireNumber(parseDecimal(raw || (definition.allowNegative ? '0' : ''), definition));
        } else if (definition.type === 'day') {
          values.date = dayToEpoch(raw);
        } else {
          const trimmed = raw.trim();
          if (definition.required && !trimmed) throw new Error('Enter a value.');
          values[definition.key] = trimmed === '' ? null : trimmed;
        }
      } catch (failure) {
        throw new Error(`${definition.label}: ${failure.message}`);
      }
    }
    return values;
  }

  async save() {
    this.error.textContent = '';
    let values;
    try {
      values = this.read();
    } catch (failure) {
      this.error.textContent = failure.message;
      return;
    }
    const editing = this.editing;
    const record = editing
      ? { id: editing.id, status: 1, version: editing.version, ...values }
      : { id: -1, status: 3, ...values };
    this.submit.disabled = true;
    try {
      await this.send({ [this.collection]: [record] });
      if (editing) this.stopEditing(); else this.clear();
    } catch (failure) {
      this.error.textContent = failure.message;
    } finally {
      this.submit.disabled = false;
    }
  }

  async remove(record) {
    try {
      await this.send({ [this.collection]: [{ id: record.id, status: 2, version: record.version }] });
      if (this.editing?.id === record.id) this.stopEditing();
    } catch (failure) {
      this.report(failure.message);
    }
  }

  edit(record) {
    this.editing = record;
    for (const definition of this.kind.fields) {
      const value = record[definition.key];
      const control = this.controls[definition.key];
      if (definition.type === 'money') control.value = formatMinor(value ?? 0);
      else if (definition.type === 'day') control.value = epochToDay(value);
      else control.value = value ?? '';
    }
    this.formTitle.textContent = `Edit ${this.kind.singular} ${record.id}`;
    this.submit.textContent = `Save ${this.kind.singular}`;
    this.cancel.hidden = false;
    this.controls[this.kind.fields[0].key].focus();
  }

  stopEditing() {
    this.editing = null;
    this.formTitle.textContent = `Add ${article(this.kind.singular)}`;
    this.submit.textContent = `Add ${this.kind.singular}`;
    this.cancel.hidden = true;
    this.error.textContent = '';
    this.clear();
  }

  clear() {
    for (const definition of this.kind.fields) {
      if (definition.type === 'wallet') continue;
      this.controls[definition.key].value = definition.type === 'day' ? todayLocal() : '';
    }
  }

  render() {
    const { book, kind, collection } = this;
    if (this.form) {
      const options = book.wallets().map((w) => [w.id, w.name]);
      for (const definition of kind.fields) if (definition.type === 'wallet') setOptions(this.controls[definition.key], options);
      // A new transfer starts from the first wallet to the second, not from a wallet to itself.
      const to = this.controls.toWalletId;
      if (to && !this.editing && to.value === this.controls.fromWalletId.value && options.length > 1) {
        to.value = String(options.find(([id]) => String(id) !== this.controls.fromWalletId.value)[0]);
      }
      // Someone else deleted the record being edited: say so instead of saving into a void.
      if (this.editing && !book.records[collection].has(this.editing.id)) {
        this.stopEditing();
        this.error.textContent = `That ${kind.singular} was deleted meanwhile.`;
      }
    }
    const all = collection === 'wallets' ? book.wallets() : book.newestFirst(collection);
    const pages = kind.paged ? Math.max(1, Math.ceil(all.length / PAGE_SIZE)) : 1;
    this.page = Math.min(this.page, pages - 1);
    const shown = kind.paged ? all.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE) : all;
    const headers = [...kind.columns.map(([title]) => cellClass(title) === 'number' ? numeric(title) : title), ...(book.canEdit ? [h('span', { class: 'visually-hidden' }, 'Actions')] : [])];
    const rows = shown.map((record) => h('tr', { 'data-id': record.id },
      kind.columns.map(([title, value]) => h('td', { class: cellClass(title) }, value(record, book))),
      book.canEdit ? h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${kind.singular} ${record.id}`, onclick: () => this.edit(record) }, 'Edit'),
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${kind.singular} ${record.id}`, onclick: () => this.remove(record) }, 'Delete')) : null));
    replaceChildren(this.tableHolder, all.length === 0
      ? h('p', { class: 'empty' }, `No ${kind.title.toLowerCase()} yet.`)
      : table(headers, rows));
    replaceChildren(this.pager, kind.paged && pages > 1 ? [
      h('button', { type: 'button', class: 'small secondary', disabled: this.page === 0, 'aria-label': `Newer ${kind.title.toLowerCase()}`,
        onclick: () => { this.page -= 1; this.render(); } }, '‹ Newer'),
      h('span', null, `Page ${this.page + 1} of ${pages} (${all.length} ${kind.title.toLowerCase()})`),
      h('button', { type: 'button', class: 'small secondary', disabled: this.page >= pages - 1, 'aria-label': `Older ${kind.title.toLowerCase()}`,
        onclick: () => { this.page += 1; this.render(); } }, 'Older ›'),
    ] : []);
  }
}
