// Seed 004's site in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser is downloaded). Walks a user through register, token, sign-in,
// store, retrieve, update, delete and sign-out; shows a form without its CSRF token is
// refused; proves no page asks another host for anything; screenshots every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, launchChromium } from './lib.mjs';

const ARTIFACTS = process.env.ARTIFACTS_DIR ?? 'artifacts';
const USER = `walker${Date.now() % 100000}`;
const PASSWORD = 'Secret#123';
const XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

let browser;
let page;
const foreign = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  page = await context.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith(BASE)) foreign.push(request.url());
  });
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function notice() {
  return (await page.locator('#notice').innerText()).trim();
}

test('register, get a token, sign in, store, retrieve, update, delete, sign out', async () => {
  await page.goto(`${BASE}/api/register`);
  assert.equal(await page.title(), 'Register · Campus');
  await shot('01-register');
  await page.fill('#username', USER);
  await page.fill('#email', `${USER}@school.example`);
  await page.fill('#password', PASSWORD);
  await page.fill('#full_name', 'Walker <b>Tester</b>');
  await page.fill('#age', '34');
  await page.fill('#gender', 'female');
  await page.click('#register-form button[type=submit]');
  assert.match(await notice(), /User successfully registered!/);
  assert.match(await notice(), /Walker <b>Tester<\/b>/, 'markup in a name is shown as text');
  await shot('02-registered');

  await page.click('text=Get a token');
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.click('#token-form button[type=submit]');
  assert.match(await notice(), /Access token generated successfully\./);
  const token = (await page.inputValue('#access_token_out')).trim();
  assert.ok(token.split('.').length === 3, 'a JWT');
  await shot('03-token');

  await page.click('text=Continue to sign in');
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.fill('#access_token', token);
  await shot('04-login');
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(`${BASE}/dashboard`);
  assert.equal((await page.locator('#welcome').innerText()).trim(), `Welcome, ${USER}`);
  await shot('05-dashboard-empty');

  await page.click('nav >> text=Store');
  await page.fill('#key', 'greeting');
  await page.fill('#value', XSS.slice(0, 100));
  await page.click('#data-form button[type=submit]');
  assert.match(await notice(), /Data stored successfully\./);
  await shot('06-stored');

  await page.click('nav >> text=Retrieve');
  await page.fill('#key', 'greeting');
  await page.click('#data-form button[type=submit]');
  assert.match(await notice(), /Data retrieved successfully!/);
  const shown = await page.locator('code[data-field=value]').innerText();
  assert.equal(shown, XSS.slice(0, 100), 'the value is shown exactly, as text');
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
  await shot('07-retrieved');

  await page.click('nav >> text=Update');
  await page.fill('#key', 'greeting');
  await page.fill('#value', 'hello, world');
  await page.click('#data-form button[type=submit]');
  assert.match(await notice(), /Data updated successfully\./);
  await shot('08-updated');

  await page.goto(`${BASE}/dashboard`);
  assert.equal(await page.locator('table.keys a').first().innerText(), 'greeting');
  await shot('09-dashboard-keys');

  await page.click('nav >> text=Delete');
  await page.fill('#key', 'greeting');
  await page.click('#data-form button[type=submit]');
  assert.match(await notice(), /Data deleted successfully\./);
  await shot('10-deleted');
  await page.click('nav >> text=Delete');
  await page.fill('#key', 'greeting');
  await page.click('#data-form button[type=submit]');
  assert.match(await notice(), /KEY_NOT_FOUND/);

  // The user's display preferences (set through the API) shape every page.
  const patched = await fetch(`${BASE}/api/v1/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text_size: 'large', high_contrast_mode: true }),
  });
  assert.equal(patched.status, 200);
  await page.goto(`${BASE}/dashboard`);
  assert.equal(await page.getAttribute('body', 'class'), 'text-large high-contrast');
  await shot('11-dashboard-high-contrast');
  await fetch(`${BASE}/api/v1/me`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text_size: 'medium', high_contrast_mode: false }),
  });

  // A form stripped of its CSRF token is refused.
  await page.goto(`${BASE}/api/data`);
  await page.evaluate(() => document.querySelector('#data-form input[name=csrf_token]').remove());
  await page.fill('#key', 'forged');
  await page.fill('#value', 'x');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${BASE}/api/data` && r.request().method() === 'POST'),
    page.click('#data-form button[type=submit]'),
  ]);
  assert.equal(refused.status(), 403);
  assert.match(await notice(), /CSRF_FAILED/);
  await shot('12-csrf-refused');

  await page.goto(`${BASE}/dashboard`);
  await page.click('#logout');
  await page.waitForURL(`${BASE}/api/login`);
  await page.goto(`${BASE}/dashboard`);
  assert.equal(page.url(), `${BASE}/api/login`, 'signed out: the dashboard sends you to sign in');
  const cookies = await page.context().cookies();
  assert.ok(!cookies.some((c) => c.name === 'campus_session'), 'the session cookie is gone');
  await shot('13-signed-out');
});

test('no page asks another host for anything', () => {
  assert.deepEqual(foreign, []);
});
