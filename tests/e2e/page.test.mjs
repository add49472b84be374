// The web client is served by the real binary and works in a real browser: the page loads,
// passes its own health check against the server, and is served with its security headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, startServer } from './lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the start page loads and reports the server as up', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto(server.url + '/');
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /default-src 'self'/);
  await assert.doesNotReject(page.getByText('Server is up.').waitFor({ timeout: 5000 }));
  assert.equal(await page.title(), 'NAP Consult');
  assert.deepEqual(errors, []);
});

test('the page shows an error when the server goes away', async () => {
  const page = await browser.newPage();
  await page.route('**/healthz', (route) => route.abort());
  await page.goto(server.url + '/');
  await assert.doesNotReject(page.getByText('Server is unreachable.').waitFor({ timeout: 5000 }));
});
