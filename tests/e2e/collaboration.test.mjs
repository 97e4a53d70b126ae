// Two people share a book through a real BillHolder server, using the official SignalR JavaScript client.
// Run by scripts/e2e.sh, which starts the server and sets BILLHOLDER_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { HubConnectionBuilder, HttpTransportType, LogLevel } from '@microsoft/signalr';

const baseUrl = process.env.BILLHOLDER_URL;
const patienceMs = 10_000;

async function api(method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function expectOk(method, path, token, body, status = 200) {
  const response = await api(method, path, token, body);
  assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
  return response.body;
}

async function newUser(prefix) {
  const username = `${prefix}_${randomUUID().slice(0, 8)}`;
  const password = 'correct-horse-battery';
  await expectOk('POST', '/api/auth/register', null, { username, password }, 201);
  const { accessToken } = await expectOk('POST', '/api/auth/login', null, { username, password });
  return { username, token: accessToken };
}

// Pushes land in a queue so that the test can wait for the next one, or see that none came.
function pushQueue() {
  const items = [];
  const waiters = [];
  return {
    push(item) {
      const waiter = waiters.shift();
      if (waiter) waiter(item); else items.push(item);
    },
    next() {
      if (items.length > 0) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no push within ${patienceMs} ms`)), patienceMs);
        waiters.push((item) => { clearTimeout(timer); resolve(item); });
      });
    },
  };
}

async function connect(user) {
  const connection = new HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/books`, {
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: () => user.token,
    })
    .configureLogging(LogLevel.Warning)
    .build();
  const changes = pushQueue();
  const presence = pushQueue();
  connection.on('BookChanged', (changeSet) => changes.push(changeSet));
  connection.on('PresenceChanged', (bookId, users) => presence.push({ bookId, users }));
  await connection.start();
  return { connection, changes, presence };
}

const balanceOf = (changeSet, walletId) => changeSet.wallets.find((w) => w.id === walletId).balance;

let alice, bob, aliceHub, bobHub, bookId, walletId;

before(async () => {
  assert.ok(baseUrl, 'BILLHOLDER_URL must name the running server');
  alice = await newUser('alice');
  bob = await newUser('bob');
  const book = await expectOk('POST', '/api/books', alice.token, {
    name: 'Household',
    wallets: [{ id: -1, status: 3, name: 'Cash', openingBalance: 1000 }],
  }, 201);
  bookId = book.id;
  walletId = book.idMap.wallets['-1'];
  await expectOk('PUT', `/api/books/${bookId}/members/${bob.username}`, alice.token, { role: 'editor' });
  aliceHub = await connect(alice);
  bobHub = await connect(bob);
});

after(async () => {
  await aliceHub?.connection.stop();
  await bobHub?.connection.stop();
});

test('both collaborators open the book and see the same version', async () => {
  const seenByAlice = await aliceHub.connection.invoke('OpenBook', bookId, null);
  const seenByBob = await bobHub.connection.invoke('OpenBook', bookId, null);
  assert.equal(seenByAlice.toVersion, 1);
  assert.equal(seenByBob.toVersion, 1);
  assert.equal(balanceOf(seenByBob, walletId), 1000);

  // Alice first sees herself alone, then both of them.
  const expected = [alice.username, bob.username].sort();
  let seen;
  do seen = await aliceHub.presence.next(); while (seen.users.length < 2);
  assert.equal(seen.bookId, bookId);
  assert.deepEqual(seen.users, expected);
});

test("a hub sync reaches the other collaborator with the new balance, but not the sender", async () => {
  const result = await aliceHub.connection.invoke('Sync', bookId, {
    syncId: 'alice-lunch',
    baseVersion: 1,
    bills: [{ id: -1, status: 3, walletId, amount: 250, date: 1, category: 'food' }],
  });
  assert.equal(result.version, 2);
  const billId = result.idMap.bills['-1'];
  assert.ok(billId > 0);

  const pushed = await bobHub.changes.next();
  assert.equal(pushed.bookId, bookId);
  assert.equal(pushed.fromVersion, 1);
  assert.equal(pushed.toVersion, 2);
  assert.equal(balanceOf(pushed, walletId), 750);
  assert.deepEqual(pushed.bills.map((b) => b.id), [billId]);

  // Pushes of a book arrive in version order: if Alice's first push is version 3, she never got her own 2.
  await expectOk('POST', `/api/books/${bookId}/sync`, bob.token, {
    syncId: 'bob-taxi',
    bills: [{ id: -1, status: 3, walletId, amount: 100, date: 2, category: 'travel' }],
  });
  const next = await aliceHub.changes.next();
  assert.equal(next.fromVersion, 2);
  assert.equal(next.toVersion, 3);
});

test("a REST sync reaches hub clients, its author's included", async () => {
  // Bob's REST sync above (version 3) reached Alice; a REST sync has no sender connection, so Bob got it too.
  const atBob = await bobHub.changes.next();
  assert.equal(atBob.toVersion, 3);
  assert.equal(balanceOf(atBob, walletId), 650);

  await expectOk('POST', `/api/books/${bookId}/sync`, bob.token, {
    syncId: 'bob-refund',
    incomes: [{ id: -1, status: 3, walletId, amount: 40, date: 3, category: 'refund' }],
  });
  const atAlice = await aliceHub.changes.next();
  assert.equal(atAlice.fromVersion, 3);
  assert.equal(atAlice.toVersion, 4);
  assert.equal(balanceOf(atAlice, walletId), 690);
  assert.equal(atAlice.incomes.length, 1);
});

test('hub errors carry the REST error code', async () => {
  await assert.rejects(
    bobHub.connection.invoke('Sync', bookId, { syncId: 'bad', bills: [{ id: -1, status: 3, walletId, amount: 'x', date: 1 }] }),
    (error) => /HubException: validation_failed: .*"bills\[0\]\.amount"/.test(error.message));
});
