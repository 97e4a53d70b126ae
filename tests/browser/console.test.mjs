// The web console in a real Chromium against a real server process. Run by scripts/browser.sh, which starts
// the server (with Realtime__MaxSnapshotRecords=20, so a small book already needs the paged first load).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { api, baseUrl, launch, newPage, newUser, password, row, screenshot, signIn } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function bookWithCash(owner, name, extra = {}) {
  const book = await api('POST', '/api/books', owner.token, {
    name, wallets: [{ id: -1, status: 3, name: 'Cash', openingBalance: 10_000 }], ...extra,
  });
  return { id: book.id, cashId: book.idMap.wallets['-1'] };
}

test('signing in with a wrong password shows the server\'s error', async () => {
  const user = await newUser('wrongpw');
  const { page, check, close } = await newPage(browser);
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor());
  await screenshot(page, '1-sign-in-wrong-password');
  // The right password still works afterwards: one failure is no lock-out.
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Books' }).waitFor();
  check();
  await close();
});

test('registering in the page signs the new user in and creates a book with a wallet', async () => {
  const { page, check, close } = await newPage(browser);
  const username = `carol_${Date.now().toString(36)}`;
  await page.goto(`${baseUrl}/`);
  await screenshot(page, '0-sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('heading', { name: 'Books' }).waitFor();
  await page.getByLabel('Book name').fill('Trip');
  await page.getByRole('button', { name: 'Create book' }).click();
  await page.getByRole('heading', { name: 'Trip' }).waitFor();
  const wallet = page.getByRole('form', { name: 'Wallet' });
  await wallet.getByLabel('Name').fill('Card');
  await wallet.getByLabel('Opening balance').fill('-5.5');
  await wallet.getByRole('button', { name: 'Add wallet' }).click();
  await row(page.locator('section.wallets'), 'Card', '-5.50').waitFor();
  // A reload keeps the session (refresh token in sessionStorage) and the open book (#book=…).
  await page.reload();
  await row(page.locator('section.wallets'), 'Card', '-5.50').waitFor();
  assert.match(page.url(), /#book=\d+$/);
  check();
  await close();
});

test('a bill one user adds appears for the other live, with the new balance, and edits and deletes follow', async () => {
  const alice = await newUser('alice');
  const bob = await newUser('bob');
  const a = await newPage(browser);
  const b = await newPage(browser);
  try {
    // Alice creates the book in the page and shares it with Bob as an editor.
    await signIn(a.page, alice);
    await a.page.getByLabel('Book name').fill('Household');
    await a.page.getByRole('button', { name: 'Create book' }).click();
    await a.page.getByRole('heading', { name: 'Household' }).waitFor();
    const aliceWallet = a.page.getByRole('form', { name: 'Wallet' });
    await aliceWallet.getByLabel('Name').fill('Cash');
    await aliceWallet.getByLabel('Opening balance').fill('100.00');
    await aliceWallet.getByRole('button', { name: 'Add wallet' }).click();
    await row(a.page.locator('section.wallets'), 'Cash', '100.00').waitFor();
    await a.page.getByRole('tab', { name: 'Members' }).click();
    const addMember = a.page.getByRole('form', { name: 'Add member' });
    await addMember.getByLabel('Username').fill(bob.username);
    await addMember.getByLabel('Role').selectOption('editor');
    await addMember.getByRole('button', { name: 'Add member' }).click();
    await row(a.page, bob.username, 'editor').waitFor();
    await screenshot(a.page, '4-members');
    await a.page.getByRole('tab', { name: 'Records' }).click();

    // Bob sees it in his list with his role, and opens it: both see each other there.
    await signIn(b.page, bob);
    await row(b.page, 'Household', 'editor').waitFor();
    await screenshot(b.page, '2-book-list');
    await b.page.getByRole('button', { name: 'Open Household' }).click();
    await b.page.getByRole('heading', { name: 'Household' }).waitFor();
    await a.page.getByText(`Also here: ${bob.username}`).waitFor();
    await b.page.getByText(`Also here: ${alice.username}`).waitFor();

    // Alice adds a bill; Bob's page shows it and Cash's new balance without a reload.
    const bobNavigations = [];
    b.page.on('framenavigated', (frame) => { if (frame === b.page.mainFrame()) bobNavigations.push(frame.url()); });
    const bill = a.page.getByRole('form', { name: 'Bill' });
    await bill.getByLabel('Amount').fill('12.34');
    await bill.getByLabel('Date').fill('2026-11-30');
    await bill.getByLabel('Category').fill('groceries');
    await bill.getByRole('button', { name: 'Add bill' }).click();
    await row(b.page.locator('section.bills'), '12.34', 'groceries', 'Nov 30, 2026', alice.username).waitFor();
    await row(b.page.locator('section.wallets'), 'Cash', '87.66').waitFor();
    assert.deepEqual(bobNavigations, [], 'Bob\'s page was not reloaded');
    await screenshot(b.page, '3-book-view');

    // Bob corrects the amount; Alice sees the edit and the balance move back.
    await b.page.locator('section.bills').getByRole('button', { name: /^Edit bill / }).click();
    const bobBill = b.page.getByRole('form', { name: 'Bill' });
    assert.equal(await bobBill.getByLabel('Amount').inputValue(), '12.34');
    assert.equal(await bobBill.getByLabel('Date').inputValue(), '2026-11-30');
    await bobBill.getByLabel('Amount').fill('2.5');
    await bobBill.getByRole('button', { name: 'Save bill' }).click();
    await row(a.page.locator('section.bills'), '2.50', bob.username).waitFor();
    await row(a.page.locator('section.wallets'), 'Cash', '97.50').waitFor();

    // An income and a transfer to a second wallet, then Bob deletes the bill: all arrive at Alice's.
    const income = b.page.getByRole('form', { name: 'Income' });
    await income.getByLabel('Amount').fill('1000');
    await income.getByRole('button', { name: 'Add income' }).click();
    await row(a.page.locator('section.wallets'), 'Cash', '1097.50').waitFor();
    await b.page.locator('section.bills').getByRole('button', { name: /^Delete bill / }).click();
    await a.page.locator('section.bills').getByText('No bills yet.').waitFor();
    await row(a.page.locator('section.wallets'), 'Cash', '1100.00').waitFor();

    // The history lists every version, newest first; the consistency check agrees with the balances.
    await a.page.getByRole('tab', { name: 'History' }).click();
    await row(a.page, bob.username, 'bills −1').waitFor();
    await screenshot(a.page, '5-history');
    await a.page.getByRole('tab', { name: 'Consistency' }).click();
    await a.page.getByText(/^Consistent at version \d+\.$/).waitFor();
    await row(a.page, 'Cash', '1100.00', '1100.00', 'yes').waitFor();
    await screenshot(a.page, '6-consistency');
    a.check();
    b.check();
  } finally {
    await a.close();
    await b.close();
  }
});

test('a viewer sees no edit buttons, and a Sync forced from the page is refused with the server\'s message', async () => {
  const owner = await newUser('owner');
  const viewer = await newUser('viewer');
  const book = await bookWithCash(owner, 'Shared', { bills: [{ id: -1, status: 3, walletId: -1, amount: 1999, date: Date.UTC(2026, 10, 2) }] });
  await api('PUT', `/api/books/${book.id}/members/${viewer.username}`, owner.token, { role: 'viewer' });
  const { page, check, close } = await newPage(browser);
  try {
    await signIn(page, viewer);
    await row(page, 'Shared', 'viewer').waitFor();
    await page.getByRole('button', { name: 'Open Shared' }).click();
    await row(page.locator('section.bills'), '19.99', 'Nov 2, 2026').waitFor();
    await row(page.locator('section.wallets'), 'Cash', '80.01').waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Add|Edit|Delete|Save) / }).count(), 0, 'no edit buttons');
    assert.equal(await page.getByRole('form', { name: 'Bill' }).count(), 0, 'no bill form');
    await page.getByRole('tab', { name: 'Members' }).click();
    await row(page, owner.username, 'owner').waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Add member|Change role|Remove) / }).count(), 0, 'no member management');

    // The page's own origin, the vendored client, a token of the viewer's: the server itself refuses.
    const refusal = await page.evaluate(async ({ username, password, bookId, walletId }) => {
      const login = await (await fetch('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }) })).json();
      const connection = new signalR.HubConnectionBuilder()
        .withUrl('/hubs/books', { accessTokenFactory: () => login.accessToken, skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
        .configureLogging(signalR.LogLevel.None)
        .build();
      await connection.start();
      try {
        await connection.invoke('Sync', bookId, { syncId: 'forced-by-test', bills: [{ id: -1, status: 3, walletId, amount: 100, date: 0 }] });
        return 'applied';
      } catch (error) {
        return error.message;
      } finally {
        await connection.stop();
      }
    }, { username: viewer.username, password, bookId: book.id, walletId: book.cashId });
    assert.match(refusal, /HubException: forbidden: This needs the editor role in this book; you are viewer\./);
    const stored = await api('GET', `/api/books/${book.id}`, owner.token);
    assert.equal(stored.bills.length, 1, 'nothing was applied');
    check();
  } finally {
    await close();
  }
});

test('a book above Realtime__MaxSnapshotRecords is loaded in snapshot pages and shown paged, newest first', async () => {
  const owner = await newUser('big');
  const bills = Array.from({ length: 30 }, (_, i) => ({ id: -(i + 1), status: 3, walletId: -1, amount: 100 + i, date: Date.UTC(2026, 0, 1 + i) }));
  await bookWithCash(owner, 'Big', { bills });
  const { page, check, close } = await newPage(browser);
  try {
    await signIn(page, owner);
    await page.getByRole('button', { name: 'Open Big' }).click();
    const section = page.locator('section.bills');
    await section.getByText('Page 1 of 3 (30 bills)').waitFor();
    assert.match(await section.getByRole('row').nth(1).innerText(), /Jan 30, 2026\s+Cash\s+1\.29/);
    await section.getByRole('button', { name: 'Older bills' }).click();
    await section.getByText('Page 2 of 3 (30 bills)').waitFor();
    // 10000 - (100 + … + 129) = 10000 - 3435 minor units.
    await row(page.locator('section.wallets'), 'Cash', '65.65').waitFor();
    check();
  } finally {
    await close();
  }
});

test('integers past 2^53 in JSON answers are kept exact in the browser (BigInt), the rest stay numbers', async () => {
  const { page, check, close } = await newPage(browser);
  await page.goto(`${baseUrl}/`);
  const parsed = await page.evaluate(async () => {
    const { parseExactJson } = await import('/js/json.js');
    const { formatMinor } = await import('/js/money.js');
    const value = parseExactJson('{"balance": 123456789012345678, "amount": 12, "ratio": 1.5, "name": "9007199254740993"}');
    return { balance: typeof value.balance, shown: formatMinor(value.balance), amount: value.amount, ratio: value.ratio, name: value.name };
  });
  assert.deepEqual(parsed, { balance: 'bigint', shown: '1234567890123456.78', amount: 12, ratio: 1.5, name: '9007199254740993' });
  check();
  await close();
});

test('a conflict the server reports is shown to the writer whose value was overwritten', async () => {
  const alice = await newUser('alice');
  const bob = await newUser('bob');
  const book = await bookWithCash(alice, 'Groceries', { bills: [{ id: -1, status: 3, walletId: -1, amount: 1250, date: Date.UTC(2026, 10, 5), category: 'groceries' }] });
  await api('PUT', `/api/books/${book.id}/members/${bob.username}`, alice.token, { role: 'editor' });
  const stored = await api('GET', `/api/books/${book.id}`, alice.token);
  const bill = stored.bills[0];
  const { page, check, close } = await newPage(browser);
  try {
    await signIn(page, alice);
    await page.getByRole('button', { name: 'Open Groceries' }).click();
    const aliceBill = page.getByRole('form', { name: 'Bill' });
    await page.locator('section.bills').getByRole('button', { name: `Edit bill ${bill.id}` }).click();
    await aliceBill.getByLabel('Amount').fill('13.00');
    await aliceBill.getByRole('button', { name: 'Save bill' }).click();
    await row(page.locator('section.bills'), '13.00').waitFor();
    // Bob, offline on the copy from before Alice's edit, changes the amount too: his later value wins, and says so.
    const fields = { walletId: bill.walletId, date: bill.date, category: bill.category };
    await api('POST', `/api/books/${book.id}/sync`, bob.token, { syncId: `bob-${Date.now()}`, bills: [{ id: bill.id, status: 1, version: bill.version, ...fields, amount: 1400 }] });
    await row(page.locator('section.bills'), '14.00', bob.username).waitFor();
    const conflicts = page.getByRole('region', { name: 'Conflicts' });
    await conflicts.getByText(`${bob.username} set amount of bill ${bill.id} to 14.00`).waitFor();
    assert.match(await conflicts.innerText(), /overwriting 13\.00; both started from 12\.50\./);
    await screenshot(page, '7-conflict');
    await conflicts.getByRole('button', { name: 'Dismiss conflicts' }).click();
    assert.equal(await conflicts.count() === 0 || await conflicts.isHidden(), true);
    check();
  } finally {
    await close();
  }
});

test('the exports download with the access token, and the report groups the book by month', async () => {
  const owner = await newUser('exporter');
  await bookWithCash(owner, 'Ledger', {
    bills: [{ id: -1, status: 3, walletId: -1, amount: 1250, date: Date.UTC(2026, 10, 30), category: 'food' },
      { id: -2, status: 3, walletId: -1, amount: 300, date: Date.UTC(2026, 11, 1), category: '=cmd' }],
    incomes: [{ id: -1, status: 3, walletId: -1, amount: 5000, date: Date.UTC(2026, 10, 1) }],
  });
  const { page, check, close } = await newPage(browser);
  try {
    await signIn(page, owner);
    await page.getByRole('button', { name: 'Open Ledger' }).click();
    await page.getByRole('tab', { name: 'Export and reports' }).click();
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON export' }).click()]);
    assert.match(json.suggestedFilename(), /\.json$/);
    const exported = JSON.parse(await readFile(await json.path(), 'utf8'));
    assert.equal(exported.format, 'billholder-book');
    assert.equal(exported.bills.length, 2);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV export' }).click()]);
    assert.match(csv.suggestedFilename(), /\.csv$/);
    assert.match(await readFile(await csv.path(), 'utf8'), /^\uFEFF?collection,id,walletId,/);
    await page.getByRole('status').filter({ hasText: 'Downloaded the CSV export.' }).waitFor();

    await page.getByRole('form', { name: 'Report' }).getByLabel('Group by').selectOption('month');
    await page.getByRole('button', { name: 'Show report' }).click();
    // Days are 00:00 UTC: the bill of 30 November is November's, the one of 1 December December's.
    await row(page, '2026-11', '12.50', '50.00', '37.50').waitFor();
    await row(page, '2026-12', '3.00', '0.00', '-3.00').waitFor();
    await row(page, 'Cash', '15.50', '50.00').waitFor();
    await screenshot(page, '8-export-and-reports');

    // The JSON export, imported in the book list, is a new book of the owner's with the same records and balance.
    await page.getByRole('button', { name: 'Back to books' }).click();
    await page.getByLabel('JSON export file').setInputFiles(await json.path());
    await page.getByRole('button', { name: 'Import book' }).click();
    await page.getByRole('heading', { name: 'Ledger' }).waitFor();
    await row(page.locator('section.wallets'), 'Cash', '134.50').waitFor();
    await page.locator('section.bills').getByText('=cmd').waitFor();
    assert.equal((await api('GET', '/api/books', owner.token)).filter((b) => b.name === 'Ledger').length, 2);
    check();
  } finally {
    await close();
  }
});

test('a sync whose answer is lost is sent again with the same syncId after the hub reconnects, and applied once', async () => {
  const owner = await newUser('flaky');
  const book = await bookWithCash(owner, 'Flaky');
  const { page, check, close } = await newPage(browser);
  // Every hub socket goes through the test: the first Sync answer is swallowed and the socket dropped, as a
  // network would. Later sockets (the client's reconnects) pass untouched.
  const syncIds = [];
  let sockets = 0;
  let dropped = false;
  await page.routeWebSocket(/\/hubs\/books/, (client) => {
    sockets += 1;
    assert.match(client.url(), /access_token=/, 'every (re)connect carries a token from accessTokenFactory');
    const server = client.connectToServer();
    let lostInvocation = null;
    client.onMessage((message) => {
      for (const frame of String(message).split('\x1e').filter(Boolean)) {
        const parsed = JSON.parse(frame);
        if (parsed.type === 1 && parsed.target === 'Sync') {
          syncIds.push(parsed.arguments[1].syncId);
          if (!dropped) lostInvocation = parsed.invocationId;
        }
      }
      server.send(message);
    });
    server.onMessage((message) => {
      const frames = String(message).split('\x1e').filter(Boolean).map((frame) => JSON.parse(frame));
      if (lostInvocation !== null && frames.some((f) => f.type === 3 && f.invocationId === lostInvocation)) {
        dropped = true;
        lostInvocation = null;
        client.close({ code: 4000, reason: 'network lost' });
        server.close();
        return;
      }
      client.send(message);
    });
  });
  try {
    await signIn(page, owner);
    await page.getByRole('button', { name: 'Open Flaky' }).click();
    const bill = page.getByRole('form', { name: 'Bill' });
    await bill.getByLabel('Amount').fill('7.00');
    await bill.getByRole('button', { name: 'Add bill' }).click();
    // The reconnect's catch-up (OpenBook since the version held) may show the bill before the retry is answered:
    // the form clears only when the sync itself has its answer.
    await page.waitForFunction(() => document.querySelector('form[aria-label="Bill"] input[name="amount"]').value === '');
    await row(page.locator('section.bills'), '7.00').waitFor();
    await row(page.locator('section.wallets'), 'Cash', '93.00').waitFor();
    assert.ok(dropped, 'the first answer was lost');
    assert.ok(sockets >= 2, 'the hub reconnected');
    assert.equal(syncIds.length, 2, 'sent twice');
    assert.equal(syncIds[0], syncIds[1], 'with the same syncId');
    const stored = await api('GET', `/api/books/${book.id}`, owner.token);
    assert.equal(stored.bills.length, 1, 'applied once');
    assert.equal(stored.version, 2);
    check();
  } finally {
    await close();
  }
});
