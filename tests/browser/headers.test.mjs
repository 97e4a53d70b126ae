// What the console's pages promise over HTTP: a strict Content-Security-Policy on its files, no-store only on
// /api, and no client-side-routing fallback (unknown /api, /hubs, /health and page routes stay 404 problems).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl } from './harness.mjs';

const get = (path) => fetch(`${baseUrl}${path}`, { redirect: 'manual' });

test('the console\'s files carry a strict Content-Security-Policy and no inline script or style', async () => {
  for (const path of ['/', '/index.html', '/js/main.js', '/console.css', '/vendor/signalr.min.js']) {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    const policy = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      assert.ok(policy.split(';').map((d) => d.trim()).includes(directive), `${path}: ${directive} in ${policy}`);
    }
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/, path);
    assert.match(policy, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+;/, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.notEqual(response.headers.get('cache-control'), 'no-store', `${path}: no-store is for /api only`);
  }
  const html = await (await get('/')).text();
  assert.deepEqual([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !/\bsrc=/.test(tag)), [], 'every script has a src');
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline styles or handlers');
  assert.match((await get('/vendor/signalr.min.js').then((r) => r.text())).slice(0, 200), /@microsoft\/signalr 10\.0\.11 .*MIT License/);
});

test('api answers are no-store and carry no console policy', async () => {
  const response = await get('/api/books');
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('content-security-policy'), null);
});

test('unknown routes under /api, /hubs and /health, and page routes, are 404 problems, not the console', async () => {
  for (const path of ['/api/nothing', '/api/books/1/nothing/here', '/hubs/nothing', '/hubs/books/extra/path', '/health/nothing', '/books/12', '/js/missing.js']) {
    const response = await get(path);
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('content-type'), 'application/problem+json', path);
    assert.equal((await response.json()).code, 'not_found', path);
  }
});
