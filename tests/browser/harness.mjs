// Shared by the browser tests: one Chromium (Debian's, not Playwright's download), users made over REST,
// sign-in through the page, and a guard that fails a test on script errors or CSP violations in the console.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const baseUrl = process.env.BILLHOLDER_URL;
export const artifacts = process.env.BILLHOLDER_ARTIFACTS ?? join(import.meta.dirname, '../../artifacts/browser');
export const password = 'correct-horse-battery';
export const patience = 15_000;

export async function launch() {
  assert.ok(baseUrl, 'BILLHOLDER_URL must name the running server');
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Root in a container: Chromium's sandbox cannot start; /dev/shm is small there.
    chromiumSandbox: false,
    args: ['--disable-dev-shm-usage'],
  });
}

export async function api(method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return parsed;
}

export async function newUser(prefix) {
  const username = `${prefix}_${randomUUID().slice(0, 8)}`;
  await api('POST', '/api/auth/register', null, { username, password });
  const { accessToken } = await api('POST', '/api/auth/login', null, { username, password });
  return { username, token: accessToken };
}

// A page whose console is watched: every script error, and every CSP violation, fails the test at check().
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(patience);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 401 from a wrong password is the browser's network log, not a script error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error: ${message.text()}`);
  });
  return {
    page,
    context,
    check: () => assert.deepEqual(problems, [], 'the console stayed free of script errors and CSP violations'),
    close: () => context.close(),
  };
}

export async function signIn(page, user) {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Books' }).waitFor();
}

export const screenshot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

// The row of a record table whose cells include all the texts given.
export function row(scope, ...texts) {
  let locator = scope.getByRole('row');
  for (const text of texts) locator = locator.filter({ hasText: text });
  return locator;
}
