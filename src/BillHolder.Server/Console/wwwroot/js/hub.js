// The one hub connection of the console. WebSockets only and no negotiate request, so it works behind a
// round-robin proxy (the negotiate and the socket could otherwise land on different instances). Every (re)connect
// asks accessTokenFactory for a token, which refreshes it first when needed.
import { accessToken } from './session.js';
import { parseExactJson } from './json.js';

const signalR = globalThis.signalR;
const RECORD_SEPARATOR = '\x1e';

// The JSON protocol, parsing integers past 2^53 exactly (json.js); writing is the stock protocol's.
class ExactJsonHubProtocol extends signalR.JsonHubProtocol {
  parseMessages(input, logger) {
    if (typeof input !== 'string') return super.parseMessages(input, logger);
    return input.split(RECORD_SEPARATOR).filter((message) => message.length > 0).map(parseExactJson);
  }
}

// A refusal from the server: the HubException's code and text (SignalR prefixes "… HubException: ").
export class HubError extends Error {
  constructor(code, detail, details) {
    super(describe(detail, details));
    this.code = code;
    this.details = details;
  }
}

function describe(detail, details) {
  const parts = [detail];
  for (const [path, messages] of Object.entries(details?.errors ?? {})) parts.push(`${path}: ${[messages].flat().join(' ')}`);
  return parts.join(' ');
}

// "…HubException: forbidden: This needs the editor role… {"version": 3}" -> HubError; null for a lost answer.
export function parseHubError(error) {
  const message = String(error?.message ?? '');
  const at = message.indexOf('HubException: ');
  if (at < 0) return null;
  const text = message.slice(at + 'HubException: '.length);
  const colon = text.indexOf(': ');
  const code = colon > 0 ? text.slice(0, colon) : 'error';
  let detail = colon > 0 ? text.slice(colon + 2) : text;
  let details = null;
  const brace = detail.indexOf(' {');
  if (brace >= 0) {
    try {
      details = parseExactJson(detail.slice(brace + 1));
      detail = detail.slice(0, brace);
    } catch { /* the braces were part of the text */ }
  }
  return new HubError(code, detail, details);
}

// Refusals that applied nothing and pass by themselves: retried like a lost answer, with the same syncId.
const PASSING = new Set(['rate_limited', 'database_unavailable']);

export class BookHubClient {
  constructor({ onBookChanged, onPresence, onBookClosed, onReconnected, onSignedOut, onStatus }) {
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/books', { accessTokenFactory: accessToken, skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
      .withAutomaticReconnect([0, 1_000, 2_000, 5_000, 10_000, 10_000, 30_000])
      .withHubProtocol(new ExactJsonHubProtocol())
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.stopped = false;
    this.connection.on('BookChanged', onBookChanged);
    this.connection.on('PresenceChanged', onPresence);
    this.connection.on('BookClosed', onBookClosed);
    this.connection.onreconnecting(() => onStatus('reconnecting'));
    this.connection.onreconnected(() => { onStatus('connected'); onReconnected(); });
    // Reconnecting gave up (or the token could not be refreshed): start again with a fresh token, else sign in.
    this.connection.onclose(() => {
      if (this.stopped) return;
      onStatus('disconnected');
      this.restart();
    });
    this.restart = async () => {
      if (this.stopped || this.connection.state !== signalR.HubConnectionState.Disconnected) return;
      try {
        await accessToken();
        await this.start();
        onStatus('connected');
        onReconnected();
      } catch (error) {
        if (error?.code === 'signed_out') onSignedOut(); else setTimeout(this.restart, 5_000);
      }
    };
  }

  start() {
    this.starting ??= this.connection.start().finally(() => { this.starting = null; });
    return this.starting;
  }

  async stop() {
    this.stopped = true;
    await this.connection.stop();
  }

  // Waits (a while) for the connection to be up: calls made while it reconnects go out once it is back.
  async connected(timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    while (this.connection.state !== signalR.HubConnectionState.Connected) {
      if (this.stopped || Date.now() > until) throw new Error('Not connected to the server; try again.');
      if (this.connection.state === signalR.HubConnectionState.Disconnected) await this.start().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async invoke(method, ...args) {
    await this.connected();
    try {
      return await this.connection.invoke(method, ...args);
    } catch (error) {
      throw parseHubError(error) ?? error;
    }
  }

  // A sync whose answer may get lost (the connection drops after sending it): sent again with the SAME
  // request, syncId included, so the server applies it at most once and answers the retry with the first answer.
  async sync(bookId, request, attempts = 5) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.invoke('Sync', bookId, request);
      } catch (error) {
        const refused = error instanceof HubError && !PASSING.has(error.code);
        if (refused || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
      }
    }
  }
}
