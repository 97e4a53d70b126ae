// The console's pure modules (money, dates, the book state), in node: no browser needed. The exact JSON parser
// needs the reviver's source text, which node 20 lacks: console.test.mjs tests it in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMinor, parseDecimal, toWireNumber } from '../../src/BillHolder.Server/Console/wwwroot/js/money.js';
import { dayToEpoch, epochToDay } from '../../src/BillHolder.Server/Console/wwwroot/js/dates.js';
import { BookState } from '../../src/BillHolder.Server/Console/wwwroot/js/bookstate.js';

test('minor units are shown with two decimals, exactly, past 2^53 too', () => {
  assert.equal(formatMinor(12345), '123.45');
  assert.equal(formatMinor(5), '0.05');
  assert.equal(formatMinor(-550), '-5.50');
  assert.equal(formatMinor(0), '0.00');
  assert.equal(formatMinor(9007199254740993n), '90071992547409.93');
  assert.equal(formatMinor(-9223372036854775808n), '-92233720368547758.08');
});

test('decimal strings become minor units without floating point, and bad ones are refused', () => {
  assert.equal(parseDecimal('123.45'), 12345n);
  assert.equal(parseDecimal('0.1'), 10n);
  assert.equal(parseDecimal('2,5'), 250n);
  assert.equal(parseDecimal(' 7 '), 700n);
  assert.equal(parseDecimal('10000000000.00'), 1_000_000_000_000n);
  assert.equal(parseDecimal('-5.5', { allowNegative: true }), -550n);
  for (const bad of ['', '1.234', 'abc', '1e3', '--1', '.5', '1.2.3']) assert.throws(() => parseDecimal(bad), /amount/, bad);
  assert.throws(() => parseDecimal('-1'), /cannot be negative/);
  assert.equal(toWireNumber(1_000_000_000_000n), 1_000_000_000_000);
  assert.throws(() => toWireNumber(2n ** 60n), /too large/);
});

test('a chosen day is 00:00 UTC of that day and reads back as the same day', () => {
  assert.equal(dayToEpoch('2026-11-30'), Date.UTC(2026, 10, 30));
  assert.equal(epochToDay(Date.UTC(2026, 10, 30)), '2026-11-30');
  assert.equal(epochToDay(dayToEpoch('2024-02-29')), '2024-02-29');
  assert.throws(() => dayToEpoch('2026-02-30'), /Pick a date/);
  assert.throws(() => dayToEpoch(''), /Pick a date/);
});

test('a book state never takes an older copy of a record, and judges pushes by version', () => {
  const book = new BookState(1, 'editor');
  book.apply({ bookId: 1, fromVersion: 0, toVersion: 3, full: true, book: { name: 'B', remark: null },
    wallets: [{ id: 1, name: 'Cash', balance: 100, version: 3 }], bills: [], transfers: [], incomes: [], deleted: {} });
  // An answer covering versions 1..4 arrives after a push made version 5: the record from 5 stays.
  book.apply({ fromVersion: 4, toVersion: 5, full: false, book: { name: 'B' }, wallets: [{ id: 1, name: 'Cash', balance: 50, version: 5 }],
    bills: [{ id: 7, amount: 50, date: 1, version: 5 }], transfers: [], incomes: [], deleted: {} });
  book.apply({ fromVersion: 1, toVersion: 4, full: false, book: { name: 'B' }, wallets: [{ id: 1, name: 'Cash', balance: 70, version: 4 }],
    bills: [], transfers: [], incomes: [], deleted: { bills: [] } });
  assert.equal(book.wallet(1).balance, 50);
  assert.equal(book.version, 5);
  assert.equal(book.judgePush({ fromVersion: 4, toVersion: 5 }), 'ignore');
  assert.equal(book.judgePush({ fromVersion: 5, toVersion: 6 }), 'apply');
  assert.equal(book.judgePush({ fromVersion: 6, toVersion: 7 }), 'reload');
  book.apply({ fromVersion: 5, toVersion: 6, full: false, book: { name: 'B' }, wallets: [], bills: [], transfers: [], incomes: [], deleted: { bills: [7] } });
  assert.equal(book.records.bills.size, 0);
});
