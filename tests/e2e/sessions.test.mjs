// The README's token story with the official JavaScript client: the server closes a connection whose access
// token expired, and withAutomaticReconnect with a refreshing accessTokenFactory brings it back.
// Run by scripts/e2e.sh (a Development server, so the development key signs the short-lived test token).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { HubConnectionBuilder, HttpTransportType, LogLevel } from '@microsoft/signalr';

const baseUrl = process.env.BILLHOLDER_URL;
const developmentKey = 'billholder-development-signing-key-change-me-0123456789';

async function post(path, body, status = 200) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(response.status, status, `${path}: ${await response.clone().text()}`);
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// A token of a real session that expires in a few seconds (the server's own last at least a minute).
function shortLived(accessToken, seconds) {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ ...claims, iat: now - 5, nbf: now - 5, exp: now + seconds })}`;
  return `${unsigned}.${createHmac('sha256', developmentKey).update(unsigned).digest('base64url')}`;
}

test('an expired token closes the connection, and the README pattern reconnects with a refreshed one', async () => {
  const username = `exp_${randomUUID().slice(0, 8)}`;
  const password = 'correct-horse-battery';
  await post('/api/auth/register', { username, password }, 201);
  let tokens = await post('/api/auth/login', { username, password });
  // Without negotiation the client asks for a token exactly once on start: that one is short-lived, every later
  // one (the reconnect's) is refreshed. Counted, not timed: a busy machine must not hand out the wrong one.
  const short = shortLived(tokens.accessToken, 2);
  let asked = 0;
  let refreshed = 0;
  const accessTokenFactory = async () => {
    if (asked++ === 0) return short;
    tokens = await post('/api/auth/refresh', { refreshToken: tokens.refreshToken });
    refreshed++;
    return tokens.accessToken;
  };
  const connection = new HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/books`, { transport: HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory })
    .withAutomaticReconnect([0, 500, 1000])
    .configureLogging(LogLevel.None)
    .build();
  const reconnected = new Promise((resolve) => connection.onreconnected(resolve));
  const closed = new Promise((resolve) => connection.onclose(resolve));
  await connection.start();
  try {
    let timer;
    const outcome = await Promise.race([
      reconnected.then(() => 'reconnected'),
      closed.then(() => 'closed'),
      new Promise((resolve) => { timer = setTimeout(() => resolve('still open'), 20_000); }),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'reconnected');
    assert.ok(refreshed >= 1);
    await connection.invoke('CloseBook', 1); // the reconnected connection answers calls
  } finally {
    await connection.stop(); // also on a failure: an open connection would keep node (and ./test.sh) running
  }
});
