// One open book as the console holds it, kept current by ChangeSets (OpenBook answers, sync answers,
// BookChanged pushes, snapshot pages). Records carry the book version of their last change, so a ChangeSet
// never replaces a record with an older copy, whatever order answers and pushes arrive in.

export const COLLECTIONS = ['wallets', 'bills', 'transfers', 'incomes'];

export class BookState {
  constructor(id, role) {
    this.id = id;
    this.role = role;
    this.version = 0;
    this.name = '';
    this.remark = null;
    this.records = Object.fromEntries(COLLECTIONS.map((collection) => [collection, new Map()]));
    this.conflicts = new Map();
  }

  get canEdit() { return this.role === 'owner' || this.role === 'editor'; }

  // What to do with a push: 'apply', 'ignore' (nothing newer), or 'reload' (a version was missed).
  judgePush(changeSet) {
    if (changeSet.toVersion <= this.version) return 'ignore';
    return changeSet.fromVersion > this.version ? 'reload' : 'apply';
  }

  apply(changeSet) {
    if (changeSet.full) for (const collection of COLLECTIONS) this.records[collection].clear();
    for (const collection of COLLECTIONS) {
      const held = this.records[collection];
      for (const record of changeSet[collection] ?? []) {
        const current = held.get(record.id);
        if (!current || changeSet.full || record.version >= current.version) held.set(record.id, record);
      }
      // Ids are never reused, so a deletion is final.
      for (const id of changeSet.deleted?.[collection] ?? []) held.delete(id);
    }
    if (changeSet.full || changeSet.toVersion >= this.version) {
      this.name = changeSet.book?.name ?? this.name;
      this.remark = changeSet.book?.remark ?? null;
      this.version = changeSet.toVersion;
    }
    for (const conflict of changeSet.conflicts ?? []) this.addConflict(conflict);
  }

  // A snapshot page (ReadSnapshotPage): records only; the version is the first page's (see the README).
  applyPage(page, first) {
    if (first) {
      for (const collection of COLLECTIONS) this.records[collection].clear();
      this.version = page.version;
      this.name = page.book?.name ?? '';
      this.remark = page.book?.remark ?? null;
    }
    for (const collection of COLLECTIONS) {
      for (const record of page[collection] ?? []) this.records[collection].set(record.id, record);
    }
  }

  addConflict(conflict) {
    const key = [conflict.version ?? '', conflict.collection, conflict.id, conflict.field ?? ''].join('|');
    if (!this.conflicts.has(key)) this.conflicts.set(key, conflict);
  }

  wallet(id) { return this.records.wallets.get(id); }

  walletName(id) { return this.wallet(id)?.name ?? `wallet ${id}`; }

  wallets() { return [...this.records.wallets.values()].sort((a, b) => a.id - b.id); }

  // Newest first: by the record's day, then the latest entered.
  newestFirst(collection) {
    return [...this.records[collection].values()].sort((a, b) => (b.date - a.date) || (b.id - a.id));
  }
}
