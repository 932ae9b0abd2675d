// The portal (/app) in real headless Chromium against `campus seed --demo` data: a walk per
// role — a teacher takes attendance (by keyboard) and saves grades, the parent sees the
// absence and the grade, the finance office records a payment, a student reads their record,
// an administrator imports a roster after a dry run — once with JavaScript on and once with it
// off. axe-core audits every page in normal and high-contrast modes (zero serious or critical
// violations); every page is screenshotted at desktop and phone (390 px) width; a parent
// opening another child's page gets 404; a form without its CSRF token is refused; nothing is
// fetched from another host; the notification badge updates live while a page is open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { BASE, launchChromium } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = join(process.env.ARTIFACTS_DIR ?? 'artifacts', 'portal');
const ACCOUNTS = {
  teacher: ['teacher', 'Teacher!2026'],
  parent: ['parent', 'Parent!2026'],
  finance: ['finance', 'Finance!2026'],
  admin: ['admin', 'admin123'],
  student: ['student1', 'pass123'],
};

let browser;
const foreign = [];
const violations = [];
const audited = new Set();

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/// A fresh browser context (its own cookies). The audit injects axe-core, so CSP is bypassed
/// in the JavaScript walk only; the pages themselves run one script of this server's
/// (/static/live.js, the live badge), checked under the real CSP by its own test.
async function open(js) {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 800 },
    javaScriptEnabled: js,
    bypassCSP: js,
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith(BASE)) foreign.push(request.url());
  });
  return page;
}

/// Runs axe-core on the page (JavaScript walk only) and remembers serious/critical findings.
async function audit(page, name) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  audited.add(name);
  for (const v of result) {
    if (v.impact === 'serious' || v.impact === 'critical') violations.push({ page: name, ...v });
  }
}

async function shot(page, name, js) {
  const file = `${js ? 'js' : 'nojs'}-${name}`;
  await page.screenshot({ path: join(ARTIFACTS, `${file}.png`), fullPage: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(ARTIFACTS, `${file}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

/// Audits and screenshots the current page (both contrast modes are covered by the walks).
async function look(page, name, js) {
  await shot(page, name, js);
  if (js) await audit(page, name);
}

async function signIn(page, role) {
  const [login, password] = ACCOUNTS[role];
  await page.goto(`${BASE}/app/login`);
  await page.fill('#identifier', login);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(`${BASE}/app`);
}

async function signOut(page) {
  await page.click('#logout');
  await page.waitForURL(/\/app\/login$/);
}

async function notice(page) {
  return (await page.locator('#notice').innerText()).trim();
}

async function setContrast(page, on) {
  await page.goto(`${BASE}/app/account`);
  const box = page.locator('#high_contrast');
  if ((await box.isChecked()) !== on) await box.click();
  await page.click('#preferences-form button[type=submit]');
  await page.waitForURL(/done=preferences/);
}

const state = {};

async function walk(js) {
  const tag = js ? 'js' : 'nojs';
  const date = js ? '2026-10-05' : '2026-10-06';
  const page = await open(js);

  // Teacher: attendance for class 1 (Arnav absent), then a grade in the gradebook.
  await signIn(page, 'teacher');
  await look(page, 'teacher-home', js);
  await page.goto(`${BASE}/app/attendance`);
  await page.fill('#class_level', '1');
  await page.fill('#date', date);
  await page.click('#class-form button[type=submit]');
  await page.waitForSelector('#attendance-form');
  await look(page, 'teacher-attendance', js);
  const arnav = page.locator('fieldset.mark-row', { hasText: 'Arnav' });
  const name = await arnav.locator('input[type=radio]').first().getAttribute('name');
  state.arnav = Number(name.replace('status_', ''));
  const others = await page.locator('fieldset.mark-row', { hasNotText: 'Arnav' }).first().getAttribute('id');
  state.sibling = Number(others.replace('row-', ''));
  // By keyboard alone: focus Arnav's choice, arrow to Absent, tab to his note, type, submit.
  await arnav.locator('input[value=Present]').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Dentist');
  await page.keyboard.press('Enter');
  await page.waitForURL(/saved=/);
  assert.match(await notice(page), /Attendance saved for \d+ students/);
  assert.equal(await page.locator(`input[name=status_${state.arnav}][value=Absent]`).isChecked(), true);
  await look(page, 'teacher-attendance-saved', js);

  await page.goto(`${BASE}/app/gradebook?class_level=1&subject=Science&term=${tag}`);
  await page.fill(`#score_${state.arnav}`, js ? '99' : '71');
  await page.click('#save-grades');
  await page.waitForURL(/saved=1/);
  assert.match(await notice(page), /Saved 1 grades/);
  await look(page, 'teacher-gradebook', js);
  await page.goto(`${BASE}/app/students?class_level=1`);
  await look(page, 'teacher-roster', js);
  await page.goto(`${BASE}/app/notify`);
  await page.fill('#class_level', '1');
  await page.check('#audience-guardians');
  await page.fill('#message', `Class 1 trip (${tag})`);
  await page.click('#notify-form button[type=submit]');
  await page.waitForURL(/sent=/);
  await look(page, 'teacher-notify', js);
  await signOut(page);

  // Parent (high contrast in the JavaScript walk): the child's page shows both.
  await signIn(page, 'parent');
  if (js) await setContrast(page, true);
  await page.goto(`${BASE}/app`);
  await look(page, 'parent-home', js);
  await page.click('#children a');
  await page.waitForSelector('#student-name');
  assert.equal(await page.locator('#student-name').innerText(), 'Arnav');
  const absences = await page.locator('#absences').innerText();
  assert.match(absences, new RegExp(`${date}: Absent — Dentist`));
  assert.match(await page.locator('.term-grades', { hasText: tag }).innerText(), /Science/);
  await look(page, 'parent-child', js);
  const res = await page.goto(`${BASE}/app/students/${state.sibling}`);
  assert.equal(res.status(), 404);
  await look(page, 'parent-other-child-404', js);
  await page.goto(`${BASE}/app/notifications`);
  assert.match(await page.locator('#unread').innerText(), new RegExp(`Class 1 trip \\(${tag}\\)`));
  await look(page, 'parent-notifications', js);
  await page.goto(`${BASE}/app/account`);
  await look(page, 'parent-account', js);
  if (js) await setContrast(page, false);
  await signOut(page);

  // Finance: the largest debt first; record a payment; the balance follows.
  await signIn(page, 'finance');
  await page.goto(`${BASE}/app/finance/dues`);
  await look(page, 'finance-dues', js);
  await page.click('#dues tbody tr:first-child a');
  await page.waitForSelector('#payment-form');
  const before = await page.locator('#balance').innerText();
  await page.fill('#amount', '10.00');
  await page.fill('#reference', `desk-${tag}`);
  await page.click('#payment-form button[type=submit]');
  await page.waitForURL(/done=paid/);
  assert.match(await notice(page), /Payment recorded/);
  const after = await page.locator('#balance').innerText();
  assert.notEqual(after, before);
  assert.match(await page.locator('#ledger').innerText(), new RegExp(`desk-${tag}`));
  await look(page, 'finance-student-ledger', js);
  await page.goto(`${BASE}/app/finance/reports`);
  assert.equal(await page.locator('#aging-chart svg').count(), 1);
  await look(page, 'finance-reports', js);
  await page.goto(`${BASE}/app/courses`);
  await look(page, 'finance-courses', js);
  await signOut(page);

  // A student reads their own record and dues.
  await signIn(page, 'student');
  await page.click('#own-record');
  await page.waitForSelector('#balance');
  await look(page, 'student-record', js);
  await page.goto(`${BASE}/app/courses`);
  await look(page, 'student-courses', js);
  await signOut(page);

  // Administrator: a roster import, dry run then commit (high contrast in the JS walk).
  await signIn(page, 'admin');
  if (js) await setContrast(page, true);
  await page.goto(`${BASE}/app/admin/import`);
  await look(page, 'admin-import', js);
  const roll = js ? 'W-1' : 'W-2';
  const file = { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(`roll_number,name,class_level,section\n${roll}a,Walk ${tag} A,6,C\n${roll}b,Walk ${tag} B,6,C\n`) };
  await page.selectOption('#kind', 'students');
  await page.setInputFiles('#file', file);
  await page.check('#mode-dry-run');
  await page.click('#import-submit');
  await page.waitForSelector('#report');
  assert.equal(await page.locator('#count-new').innerText(), '2');
  await look(page, 'admin-import-dry-run', js);
  await page.setInputFiles('#file', file);
  assert.equal(await page.locator('#mode-commit').isChecked(), true);
  await page.click('#import-submit');
  await page.waitForSelector('#report');
  assert.match(await notice(page), /Imported 2 rows/);
  await page.goto(`${BASE}/app/students?class_level=6&section=C`);
  assert.match(await page.locator('#roster').innerText(), new RegExp(`Walk ${tag} A`));
  await look(page, 'admin-students', js);
  for (const [path, name] of [['/app/admin/users', 'admin-users'], ['/app/admin/audit', 'admin-audit'], ['/app/admin/status', 'admin-status']]) {
    await page.goto(`${BASE}${path}`);
    await look(page, name, js);
  }
  if (js) await setContrast(page, false);

  // A form without its token is refused (the server's check, not the page's).
  await page.goto(`${BASE}/app/account`);
  await page.locator('#preferences-form input[name=csrf_token]').evaluate((el) => el.remove()).catch(async () => {
    // JavaScript off: post the form by hand without the token instead.
  });
  if (js) {
    await page.click('#preferences-form button[type=submit]');
    assert.match(await page.locator('#error-message, #notice').first().innerText(), /security token|not sent from this site/);
  } else {
    const r = await page.request.post(`${BASE}/app/account/preferences`, { form: { text_size: 'large' } });
    assert.equal(r.status(), 403);
  }
  await page.context().close();
}

test('every role walks the portal with JavaScript on, audited by axe-core', async () => {
  await walk(true);
});

test('the same walks work with JavaScript off', async () => {
  await walk(false);
});

test('the notification badge counts a new notification live, under the real CSP', async () => {
  // No CSP bypass here: /static/live.js and its event stream must pass the page's own policy.
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  const blocked = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  await signIn(page, 'parent');
  const before = await page.locator('#unread-badge').count()
    ? parseInt(await page.locator('#unread-badge').innerText(), 10) : 0;
  // A teacher writes to this parent through the API while the page stays open.
  const api = async (path, token, body) => {
    const res = await fetch(`${BASE}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return res.json();
  };
  const parent = await api('/api/v1/auth/login', null, { login: 'parent', password: 'Parent!2026' });
  const teacher = await api('/api/v1/auth/login', null, { login: 'teacher', password: 'Teacher!2026' });
  const me = await api('/api/v1/me', parent.access_token);
  await page.waitForTimeout(500); // the stream is open
  await api('/api/v1/notifications', teacher.access_token, { user_id: me.id, message: 'Live badge check' });
  await page.waitForFunction(
    (n) => parseInt(document.getElementById('unread-badge')?.textContent ?? '0', 10) > n,
    before,
    { timeout: 10000 },
  );
  assert.deepEqual(blocked, []);
  await context.close();
});

test('axe-core found no serious or critical violation on any page', () => {
  assert.ok(audited.size >= 12, `audited ${audited.size} pages`);
  assert.deepEqual(violations, []);
});

test('no portal page asked another host for anything', () => {
  assert.deepEqual(foreign, []);
});
