// Several instances, one live book: 3 server processes on one database behind nginx and Redis, with JavaScript
// and .NET clients spread over the instances. Run by scripts/cluster-test.sh, which starts everything (through
// scripts/cluster.sh) and sets the variables below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { JsClient, DotnetClient, delay, patienceMs } from './clients.mjs';

const proxy = process.env.BILLHOLDER_URL;
const clusterDir = process.env.BILLHOLDER_CLUSTER_DIR;
const redisDir = process.env.BILLHOLDER_REDIS_DIR;
const root = process.env.BILLHOLDER_ROOT;
const rateBurst = Number(process.env.BILLHOLDER_RATE_BURST);
const ratePerSecond = Number(process.env.BILLHOLDER_RATE_PER_SECOND);
const pollSeconds = Number(process.env.BILLHOLDER_POLL_SECONDS);
const run = promisify(execFile);

const clients = [];
let instances; // instance id -> its own URL (bypassing the proxy), in order
let ids;

async function api(base, method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') && text;
  return { status: response.status, instance: response.headers.get('x-billholder-instance'), body: json ? JSON.parse(text) : text };
}

async function expectOk(method, path, token, body, status = 200, base = proxy) {
  const response = await api(base, method, path, token, body);
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

// A book with wallet "Cash" whose other members are editors.
async function sharedBook(owner, ...editors) {
  const book = await expectOk('POST', '/api/books', owner.token, { name: 'Cluster', wallets: [{ id: -1, status: 3, name: 'Cash' }] }, 201);
  for (const editor of editors) await expectOk('PUT', `/api/books/${book.id}/members/${editor.username}`, owner.token, { role: 'editor' });
  return { bookId: book.id, walletId: book.idMap.wallets['-1'] };
}

async function js(user, bookId, accept) {
  const client = await new JsClient(proxy, user, bookId).start(accept);
  clients.push(client);
  return client;
}

async function dotnet(user, bookId, want) {
  const client = await new DotnetClient(proxy, user, bookId).start(want);
  clients.push(client);
  return client;
}

const redisPort = () => readFileSync(`${redisDir}/port`, 'utf8').trim();
const redisCli = (...args) => run('redis-cli', ['-h', '127.0.0.1', '-p', redisPort(), ...args]);
const script = (name, ...args) => run(`${root}/scripts/${name}`, args, { env: process.env });

async function readyOf(url) {
  try { return await api(url, 'GET', '/health/ready'); } catch { return { status: 0 }; }
}

before(async () => {
  assert.ok(proxy && clusterDir && redisDir && root && process.env.BILLHOLDER_AGENT, 'run by scripts/cluster-test.sh');
  instances = new Map();
  for (let i = 1; i <= 3; i++) {
    const url = `http://127.0.0.1:${readFileSync(`${clusterDir}/server-${i}.port`, 'utf8').trim()}`;
    instances.set((await api(url, 'GET', '/health/live')).instance, url);
  }
  ids = [...instances.keys()];
  assert.equal(new Set(ids).size, 3, `three instances behind the proxy: ${ids}`);
});

after(async () => {
  await Promise.allSettled(clients.map((c) => c.stop()));
});

test('answers through the proxy come from every instance in turn', async () => {
  const seen = new Set();
  for (let i = 0; i < 6; i++) seen.add((await api(proxy, 'GET', '/health/live')).instance);
  assert.deepEqual([...seen].sort(), [...ids].sort());
  assert.equal((await api(proxy, 'GET', '/metrics')).status, 403, 'the proxy does not expose /metrics');
});

let fanout; // the book and clients of the next three tests

test('a sync through instance A reaches listeners on B (JavaScript) and C (.NET), over the hub and over REST', async () => {
  const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map(newUser));
  const { bookId, walletId } = await sharedBook(alice, bob, carol, dave);
  const [writer, listener, agent] = await Promise.all([
    js(alice, bookId, (instance) => instance === ids[0]),
    js(bob, bookId, (instance) => instance === ids[1]),
    dotnet(carol, bookId, ids[2]),
  ]);
  assert.deepEqual([writer.instance, listener.instance, agent.instance].sort(), [...ids].sort(), 'one client per instance');

  const answer = await writer.sync(`hub-${randomUUID()}`, walletId);
  const atB = await listener.events.next((e) => e.event === 'changed' && e.to === answer.version);
  const atC = await agent.events.next((e) => e.event === 'changed' && e.to === answer.version);
  assert.equal(atB.from, answer.version - 1);
  assert.equal(atC.from, answer.version - 1);

  // A REST sync through whichever instance the proxy picks reaches all three, its author's connection included.
  const rest = await expectOk('POST', `/api/books/${bookId}/sync`, alice.token, {
    syncId: `rest-${randomUUID()}`, bills: [{ id: -1, status: 3, walletId, amount: 2, date: 1 }],
  });
  for (const client of [writer, listener, agent]) await client.events.next((e) => e.event === 'changed' && e.to === rest.version);
  fanout = { alice, bob, carol, dave, bookId, walletId, writer, listener, agent };
});

test('presence lists the users of every instance', async () => {
  const { alice, bob, carol, writer, agent } = fanout;
  const everyone = [alice.username, bob.username, carol.username].sort();
  const all = (e) => e.event === 'presence' && JSON.stringify([...e.users].sort()) === JSON.stringify(everyone);
  await writer.events.next(all, patienceMs, 'presence of all three users at the JavaScript client');
  await agent.events.next(all, patienceMs, 'presence of all three users at the .NET client');
});

test('removing a member through B closes the book on A at once, for the JavaScript and the .NET client', async () => {
  const { alice, dave, carol, bookId, agent } = fanout;
  const removed = await js(dave, bookId);
  const other = ids.find((id) => id !== removed.instance && id !== agent.instance) ?? ids.find((id) => id !== removed.instance);
  await expectOk('DELETE', `/api/books/${bookId}/members/${dave.username}`, alice.token, undefined, 204, instances.get(other));
  await removed.events.next((e) => e.event === 'closed' && e.bookId === bookId && e.reason === 'membership_removed');

  const through = ids.find((id) => id !== agent.instance);
  await expectOk('DELETE', `/api/books/${bookId}/members/${carol.username}`, alice.token, undefined, 204, instances.get(through));
  await agent.events.next((e) => e.event === 'closed' && e.bookId === bookId && e.reason === 'membership_removed');
});

test('a notice Redis drops is made good by the version poll', async () => {
  const { alice, bookId, walletId, listener } = fanout;
  // Every instance's PUBLISH is refused while the rest of Redis works: the notice of this sync never goes out.
  await redisCli('ACL', 'SETUSER', 'default', '-publish', '-spublish');
  try {
    const writerUrl = instances.get(ids.find((id) => id !== listener.instance));
    const sync = await expectOk('POST', `/api/books/${bookId}/sync`, alice.token, {
      syncId: `unannounced-${randomUUID()}`, bills: [{ id: -1, status: 3, walletId, amount: 3, date: 1 }],
    }, 200, writerUrl);
    await listener.events.next((e) => e.event === 'changed' && e.to === sync.version, (pollSeconds + 10) * 1000, 'push from the version poll');
  } finally {
    await redisCli('ACL', 'SETUSER', 'default', '+@all');
  }
});

// Writers sync one bill each at a time (the syncId is its remark) while `disturb` runs; then every client
// must hold the same book, which holds every acknowledged sync exactly once.
async function underLoad(book, writers, listeners, disturb) {
  let running = true;
  const acknowledged = [];
  const loops = writers.map(async (client, n) => {
    for (let i = 0; running; i++) {
      acknowledged.push((await client.sync(`w${n}-${i}-${randomUUID().slice(0, 8)}`, book.walletId)).syncId);
      await delay(60);
    }
  });
  const outcome = await disturb();
  running = false;
  await Promise.all(loops);

  const stored = await expectOk('GET', `/api/books/${book.bookId}`, book.owner.token);
  const remarks = stored.bills.map((b) => b.remark).filter((r) => r?.startsWith('w'));
  assert.equal(new Set(remarks).size, remarks.length, 'no sync applied twice');
  const inBook = new Set(remarks);
  assert.deepEqual(acknowledged.filter((s) => !inBook.has(s)), [], 'every acknowledged sync is in the book');
  assert.ok(acknowledged.length >= writers.length * 3, `the load went on (${acknowledged.length} syncs)`);

  // Everyone converges on the stored version (pushes, or catch-up after a reconnect).
  const everyone = [...writers, ...listeners];
  const deadline = Date.now() + 20_000;
  let states;
  do {
    states = await Promise.all(everyone.map((c) => c.state()));
    if (states.every((s) => s.version === stored.version)) break;
    await delay(250);
  } while (Date.now() < deadline);
  assert.deepEqual(states.map((s) => s.version), everyone.map(() => stored.version), 'every client holds the stored version');
  assert.equal(new Set(states.map((s) => s.digest)).size, 1, 'every client holds the same book');
  return { outcome, states, acknowledged };
}

test('an instance killed with kill -9 mid-load: its clients reconnect to the others and catch up, nothing lost or doubled', async () => {
  const users = await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'].map(newUser));
  const [owner, ...editors] = users;
  const book = { owner, ...(await sharedBook(owner, ...editors)) };
  const victim = ids[1];
  // Two writers and one listener on the victim, the rest elsewhere; both kinds of client on both sides.
  const writers = await Promise.all([
    js(owner, book.bookId, (i) => i === victim),
    dotnet(users[1], book.bookId, victim),
    js(users[2], book.bookId, (i) => i !== victim),
    dotnet(users[3], book.bookId, ids[2]),
    js(users[4], book.bookId, (i) => i === ids[0]),
  ]);
  const listeners = await Promise.all([js(users[5], book.bookId, (i) => i === victim), dotnet(users[6], book.bookId, ids[0])]);
  const onVictim = [...writers, ...listeners].filter((c) => c.instance === victim);
  assert.ok(onVictim.length >= 2, `clients on the victim: ${onVictim.map((c) => c.kind)}`);

  await underLoad(book, writers, listeners, async () => {
    await delay(2500);
    for (const client of onVictim) client.events.clear();
    const pid = Number(readFileSync(`${clusterDir}/server-2.pid`, 'utf8'));
    process.kill(pid, 'SIGKILL');
    // Each of its clients comes back through the proxy on another instance.
    for (const client of onVictim) {
      await client.events.next((e) => e.event === 'connected' && e.instance !== victim, 30_000, `${client.kind} client's reconnect`);
      await client.events.next((e) => e.event === 'opened', 30_000, `${client.kind} client's catch-up`);
    }
    await delay(2000);
  });
  for (const client of onVictim) assert.notEqual(client.instance, victim);
  // What follows runs on the two instances left.
  instances.delete(victim);
});

test('Redis restarted mid-load: no acknowledged sync lost, and pushes resume', async () => {
  const users = await Promise.all(['r1', 'r2', 'r3', 'r4'].map(newUser));
  const [owner, ...editors] = users;
  const book = { owner, ...(await sharedBook(owner, ...editors)) };
  const [writers, listeners] = await Promise.all([
    Promise.all([js(owner, book.bookId, (i) => i === ids[0]), dotnet(users[1], book.bookId, ids[0])]),
    Promise.all([js(users[2], book.bookId, (i) => i === ids[2]), dotnet(users[3], book.bookId, ids[2])]),
  ]);

  await underLoad(book, writers, listeners, async () => {
    await delay(1000);
    await script('redis.sh', 'stop');
    await delay(1000);
    // Syncs go on without Redis; the instances say so on /health/ready without leaving the load balancer.
    const degraded = await readyOf(instances.get(ids[0]));
    assert.equal(degraded.status, 200);
    assert.equal(degraded.body.status, 'degraded');
    await script('redis.sh', 'start');
    await delay(1000);
  });

  // Every instance is back on Redis by itself, and a sync through one is pushed to listeners on another.
  const deadline = Date.now() + 30_000;
  while ((await Promise.all([...instances.values()].map(readyOf))).some((r) => r.body?.status !== 'ready')) {
    assert.ok(Date.now() < deadline, 'every instance back on Redis within 30 s');
    await delay(250);
  }
  const answer = await writers[0].sync(`after-${randomUUID()}`, book.walletId);
  for (const client of listeners) await client.events.next((e) => e.event === 'changed' && e.to === answer.version);
});

test('the sync rate limit holds over two instances: in N seconds at most burst + rate x N + 1 accepted', async () => {
  const user = await newUser('rate');
  const { bookId, walletId } = await expectOk('POST', '/api/books', user.token, { name: 'Rate', wallets: [{ id: -1, status: 3, name: 'Cash' }] }, 201)
    .then((b) => ({ bookId: b.id, walletId: b.idMap.wallets['-1'] }));
  const targets = [instances.get(ids[0]), instances.get(ids[2])];
  const accepted = new Map(targets.map((t) => [t, 0]));
  let limited = 0;
  const started = Date.now();
  const seconds = 3;
  // Eight senders alternating between the two instances, as fast as the instances answer.
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(async (n) => {
    for (let i = 0; Date.now() - started < seconds * 1000; i++) {
      const target = targets[(n + i) % 2];
      const response = await api(target, 'POST', `/api/books/${bookId}/sync`, user.token, {
        syncId: `rate-${n}-${i}`, bills: [{ id: -1, status: 3, walletId, amount: 1, date: 1 }],
      });
      if (response.status === 200) accepted.set(target, accepted.get(target) + 1);
      else {
        assert.equal(response.status, 429, JSON.stringify(response.body));
        assert.equal(response.body.code, 'rate_limited');
        limited++;
      }
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  const total = [...accepted.values()].reduce((a, b) => a + b, 0);
  const bound = rateBurst + ratePerSecond * elapsed + 1;
  assert.ok(total <= bound, `${total} accepted in ${elapsed.toFixed(1)} s over two instances (at most ${bound.toFixed(1)})`);
  assert.ok(limited > 0, 'the senders went over the limit');
  assert.ok([...accepted.values()].every((n) => n > 0), `both instances accepted syncs: ${[...accepted.values()]}`);
});
