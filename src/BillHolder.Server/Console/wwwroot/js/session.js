// The signed-in session: the refresh token lives in sessionStorage (this tab only, gone when it closes), the
// access token in memory only. The access token is refreshed a minute before it expires (a timer, and again
// on demand), one refresh at a time: a second refresh with the same token would be refused.
import { parseExactJson } from './json.js';

const STORAGE_KEY = 'billholder.session';
const EARLY_MS = 60_000;

// A minute early, or a third of the lifetime left for short-lived tokens (Auth__AccessTokenMinutes=1).
const earlyMs = (expiresAt) => Math.min(EARLY_MS, (Date.parse(expiresAt) - Date.now()) / 3);

let session = readStored();
let pendingRefresh = null;
let refreshTimer = null;
const signedOutListeners = [];

export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.code = problem?.code ?? null;
    this.problem = problem ?? null;
  }
}

export class SignedOutError extends Error {
  constructor() { super('You are signed out. Sign in again.'); this.code = 'signed_out'; }
}

// The problem's detail, then every validation error by path: what the server said, as it said it.
export function describeProblem(status, problem) {
  if (!problem || typeof problem !== 'object') return `The server answered ${status}.`;
  const parts = [problem.detail ?? problem.title ?? `The server answered ${status}.`];
  for (const [path, messages] of Object.entries(problem.errors ?? {})) {
    parts.push(`${path}: ${[messages].flat().join(' ')}`);
  }
  return parts.join(' ');
}

function readStored() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    return stored?.refreshToken ? { username: stored.username, refreshToken: stored.refreshToken, accessToken: null, expiresAt: null } : null;
  } catch {
    return null;
  }
}

function adopt(username, tokens) {
  session = { username, refreshToken: tokens.refreshToken, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ username, refreshToken: tokens.refreshToken }));
  clearTimeout(refreshTimer);
  const wait = Math.max(1_000, Date.parse(tokens.expiresAt) - Date.now() - earlyMs(tokens.expiresAt));
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

function forget() {
  session = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(STORAGE_KEY);
}

export const currentUsername = () => session?.username ?? null;
export const hasSession = () => session !== null;
export const onSignedOut = (listener) => signedOutListeners.push(listener);

async function postJson(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const data = text ? parseExactJson(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function register(username, password) {
  await postJson('/api/auth/register', { username, password });
}

export async function signIn(username, password) {
  const tokens = await postJson('/api/auth/login', { username, password });
  adopt(username, tokens);
}

export async function signOut() {
  const refreshToken = session?.refreshToken;
  forget();
  if (refreshToken) await postJson('/api/auth/logout', { refreshToken }).catch(() => {});
}

function refresh() {
  pendingRefresh ??= (async () => {
    if (!session) throw new SignedOutError();
    const { username, refreshToken } = session;
    try {
      adopt(username, await postJson('/api/auth/refresh', { refreshToken }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        forget();
        for (const listener of signedOutListeners) listener();
        throw new SignedOutError();
      }
      throw error;
    }
  })().finally(() => { pendingRefresh = null; });
  return pendingRefresh;
}

// A valid access token, refreshed first when it is about to expire. The hub's accessTokenFactory too.
export async function accessToken() {
  if (!session) throw new SignedOutError();
  if (!session.accessToken || Date.parse(session.expiresAt) - Date.now() < 20_000) await refresh();
  return session.accessToken;
}

// One REST call with the bearer token; a 401 refreshes once and tries again. Returns the parsed JSON body,
// or the Response itself with { raw: true } (downloads). { text } sends a JSON document as it is (an import).
export async function api(method, path, body, { raw = false, text } = {}) {
  const payload = text ?? (body === undefined ? undefined : JSON.stringify(body));
  for (let attempt = 0; ; attempt++) {
    const headers = { Authorization: `Bearer ${await accessToken()}` };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: payload });
    if (response.status === 401 && attempt === 0) {
      session.accessToken = null;
      continue;
    }
    if (raw && response.ok) return response;
    const text = await response.text();
    let data;
    try { data = text ? parseExactJson(text) : undefined; } catch { data = undefined; }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}
