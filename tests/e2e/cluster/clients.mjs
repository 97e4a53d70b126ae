// The apps of the cluster test: JavaScript clients (the official @microsoft/signalr) and .NET clients (the
// BillHolder.ClusterAgent process, driven over stdin/stdout), both written the way the README tells app
// developers to: WebSockets without negotiation, OpenBook(bookId, version) after every (re)connect, pushes
// applied when they continue the held version, a catch-up when one skips ahead, syncs retried with their syncId.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { HubConnectionBuilder, HttpTransportType, LogLevel } from '@microsoft/signalr';

// The WebSocket the SignalR client itself uses in Node, subclassed to read which instance answered the upgrade.
const require = createRequire(createRequire(import.meta.url).resolve('@microsoft/signalr'));
const NodeWebSocket = require('ws');

export const patienceMs = 15_000;
const collections = ['wallets', 'bills', 'transfers', 'incomes'];

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Pushes land in a queue so that a test can wait for the next one that matches.
export class Events {
  #items = [];
  #waiters = [];

  push(item) {
    this.#items.push(item);
    for (const waiter of [...this.#waiters]) waiter();
  }

  clear() { this.#items.length = 0; }

  // Resolves with the first item (seen or to come) that matches, and takes it out.
  next(match = () => true, ms = patienceMs, what = 'event') {
    return new Promise((resolve, reject) => {
      const check = () => {
        const index = this.#items.findIndex(match);
        if (index < 0) return false;
        const [item] = this.#items.splice(index, 1);
        resolve(item);
        return true;
      };
      if (check()) return;
      const waiter = () => { if (check()) { clearTimeout(timer); this.#waiters.splice(this.#waiters.indexOf(waiter), 1); } };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      this.#waiters.push(waiter);
    });
  }
}

// The book as an app holds it: its version and each record's id and version, per collection.
export class BookCopy {
  version = 0;
  records = Object.fromEntries(collections.map((c) => [c, new Map()]));

  // False when the change set starts above the held version (something was missed: catch up).
  apply(changes) {
    if (!changes.full && changes.fromVersion > this.version) return false;
    if (!changes.full && changes.toVersion <= this.version) return true;
    for (const collection of collections) {
      const held = this.records[collection];
      if (changes.full) held.clear();
      for (const record of changes[collection]) held.set(record.id, record.version);
      for (const id of changes.deleted?.[collection] ?? []) held.delete(id);
    }
    this.version = changes.toVersion;
    return true;
  }

  // The same text the .NET agent computes.
  digest() {
    const part = (c) => `${c}:${[...this.records[c]].sort((a, b) => a[0] - b[0]).map(([id, v]) => `${id}@${v}`).join(',')}`;
    return `${this.version}|${collections.map(part).join('|')}`;
  }
}

const retriable = (error) => !/HubException/.test(error.message) || /rate_limited|database_unavailable/.test(error.message);

export class JsClient {
  kind = 'js';
  instance = '';
  events = new Events();
  book = new BookCopy();
  #catchingUp = Promise.resolve();

  constructor(proxyUrl, user, bookId) {
    this.proxyUrl = proxyUrl;
    this.user = user;
    this.bookId = bookId;
  }

  // Connects (through the proxy) until round-robin lands on an instance `accept` takes, then opens the book.
  async start(accept = () => true) {
    for (let attempt = 0; ; attempt++) {
      this.connection = this.#build();
      await this.connection.start();
      if (accept(this.instance) || attempt === 30) break;
      await this.connection.stop();
    }
    this.events.push({ event: 'connected', instance: this.instance });
    await this.open();
    return this;
  }

  #build() {
    const client = this;
    class TaggedWebSocket extends NodeWebSocket {
      constructor(...args) {
        super(...args);
        this.on('upgrade', (response) => { client.instance = response.headers['x-billholder-instance']; });
      }
    }
    const connection = new HubConnectionBuilder()
      .withUrl(`${this.proxyUrl}/hubs/books`, {
        transport: HttpTransportType.WebSockets,
        skipNegotiation: true,
        accessTokenFactory: () => this.user.token,
        WebSocket: TaggedWebSocket,
      })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => (context.elapsedMilliseconds > 120_000 ? null : context.previousRetryCount === 0 ? 0 : 500) })
      .configureLogging(LogLevel.None)
      .build();
    connection.on('BookChanged', (changes) => {
      if (this.book.apply(changes)) this.events.push({ event: 'changed', from: changes.fromVersion, to: changes.toVersion, version: this.book.version });
      else this.catchUp();
    });
    connection.on('PresenceChanged', (bookId, users) => this.events.push({ event: 'presence', bookId, users }));
    connection.on('BookClosed', (bookId, reason) => this.events.push({ event: 'closed', bookId, reason }));
    connection.onreconnecting(() => this.events.push({ event: 'reconnecting', instance: this.instance }));
    connection.onreconnected(async () => {
      this.events.push({ event: 'connected', instance: this.instance });
      await this.open().catch(() => this.catchUp());
    });
    return connection;
  }

  async open() {
    const answer = await this.connection.invoke('OpenBook', this.bookId, this.book.version === 0 ? null : this.book.version);
    this.book.apply(answer);
    this.events.push({ event: 'opened', version: this.book.version });
  }

  catchUp() {
    this.#catchingUp = this.#catchingUp.then(() => this.open()).catch(() => {});
  }

  async sync(syncId, walletId) {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.connection.invoke('Sync', this.bookId, {
          syncId,
          baseVersion: this.book.version,
          bills: [{ id: -1, status: 3, walletId, amount: 1, date: 1, remark: syncId }],
        });
        if (!this.book.apply(answer.changes)) this.catchUp();
        return { syncId, version: answer.version, attempts: attempt, instance: this.instance };
      } catch (error) {
        if (Date.now() > deadline || !retriable(error)) throw error;
        await delay(200);
      }
    }
  }

  async state() { return { version: this.book.version, digest: this.book.digest(), instance: this.instance }; }

  async stop() { await this.connection?.stop(); }
}

// The .NET client: a process of its own, one JSON command per line in, one JSON event per line out.
export class DotnetClient {
  kind = 'dotnet';
  instance = '';
  events = new Events();
  #answers = new Events();
  #next = 1;

  constructor(proxyUrl, user, bookId) {
    this.proxyUrl = proxyUrl;
    this.user = user;
    this.bookId = bookId;
  }

  // `want` names the instance to land on (the agent reconnects through the proxy until it gets there).
  async start(want) {
    const args = [process.env.BILLHOLDER_AGENT, '--url', this.proxyUrl, '--token', this.user.token, '--book', String(this.bookId)];
    if (want) args.push('--want', want);
    this.process = spawn('dotnet', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      let event;
      try { event = JSON.parse(line); } catch { return; }
      if (event.event === 'connected') this.instance = event.instance;
      if ('id' in event) this.#answers.push(event); else this.events.push(event);
    });
    await this.events.next((e) => e.event === 'opened', 60_000, 'opened book from the .NET client');
    return this;
  }

  #ask(command, ms) {
    const id = this.#next++;
    this.process.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    return this.#answers.next((e) => e.id === id, ms, `answer to ${command.cmd}`);
  }

  async sync(syncId, walletId) {
    const answer = await this.#ask({ cmd: 'sync', syncId, walletId }, 70_000);
    if (answer.event === 'error') throw new Error(answer.message);
    return answer;
  }

  async state() { return this.#ask({ cmd: 'state' }, patienceMs); }

  async stop() {
    if (this.process.exitCode !== null) return;
    this.process.stdin.end(`${JSON.stringify({ cmd: 'stop' })}\n`);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
