// End-to-end: the first load without a session, the administration screens (doctors,
// a password reset, the audit log with names) and the session shared by two tabs.
//
//   HMS_BIN=/path/to/hms node --test e2e/admin.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  apiClient,
  assertAccessible,
  CHROMIUM,
  CHROMIUM_ARGS,
  checkChromium,
  screenshotDir,
  shootWidths,
  startServer,
} from './harness.mjs';

const STEP = { timeout: 60_000 };

let server;
let api;
let browser;
let context;
let page;
const failed = []; // every answer of 400 or more, and every console error, of the browser
let doctorId;
let patientId;

function shoot(p, name) {
  return shootWidths(p, `admin-${name}`, { phone: '-mobile' });
}

function checkA11y(p, screen) {
  return assertAccessible(p, `the ${screen} screen`);
}

function watch(p) {
  p.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
  });
  p.on('console', (msg) => {
    if (msg.type() === 'error') failed.push(`console: ${msg.text()}`);
  });
  p.on('pageerror', (err) => failed.push(`page error: ${err.message}`));
}

async function openTab(name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

before(async () => {
  checkChromium();
  mkdirSync(screenshotDir, { recursive: true });
  server = await startServer({ HMS_TIMEZONE: 'America/New_York' });
  api = apiClient(server.base);
  await api.login(server.admin.email, server.admin.password);
  const doctor = await api.must('POST', '/api/doctors', { name: 'Dr. Lena Park', specialty: 'Dermatology' });
  doctorId = doctor.data.id;
  const patient = await api.must('POST', '/api/patients', {
    name: 'Nora Quinn',
    email: 'nora.quinn@example.com',
    date_of_birth: '1979-04-02',
    phone: '+1 555 0142',
  });
  patientId = patient.data.id;
  await api.must('POST', '/api/users', { name: 'Sam Desk', email: 'sam@clinic.test', role: 'staff', password: 'front desk passphrase 1' });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: 'Asia/Tokyo' });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  watch(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

describe('administration in a browser', { concurrency: false }, () => {
  test('a fresh visit shows the login with no failing call, then the admin lands on Today', STEP, async () => {
    await page.goto(server.base + '/patients');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(failed, [], 'a fresh visit made failing calls or logged errors');
    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/today');
    await shoot(page, 'today-header');
  });

  test('an admin edits a doctor: specialty, working hours, active', STEP, async () => {
    await openTab('Doctors');
    const row = page.getByTestId('doctor-row').filter({ hasText: 'Dr. Lena Park' });
    await row.getByRole('button', { name: /Edit/ }).click();
    const form = page.getByRole('form', { name: 'Edit Dr. Lena Park' });
    await form.getByLabel('Specialty').fill('Paediatrics');
    await form.getByLabel('Saturday').fill('09:00-13:00');
    await form.getByLabel('Wednesday').fill('');
    await checkA11y(page, 'doctors');
    await shoot(page, 'doctors-edit');
    await form.getByRole('button', { name: 'Save' }).click();
    await row.filter({ hasText: 'Paediatrics' }).filter({ hasText: 'Sat 09:00–13:00' }).waitFor();
    const saved = (await api.must('GET', `/api/doctors/${doctorId}`)).data;
    assert.equal(saved.specialty, 'Paediatrics');
    assert.deepEqual(saved.working_hours.sat, [{ start: '09:00', end: '13:00' }]);
    assert.deepEqual(saved.working_hours.wed, []);
    assert.equal(saved.active, true);

    await row.getByRole('button', { name: /Edit/ }).click();
    await form.getByLabel(/Takes bookings/).uncheck();
    await form.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Deactivated').waitFor();
    assert.equal((await api.must('GET', `/api/doctors/${doctorId}`)).data.active, false);
  });

  test('an admin resets another user’s password; the new one is shown once and works', STEP, async () => {
    await openTab('Users');
    const row = page.getByTestId('user-row').filter({ hasText: 'sam@clinic.test' });
    await row.getByRole('button', { name: 'Reset password' }).click();
    await row.getByRole('form', { name: 'Reset the password of Sam Desk' }).getByRole('button', { name: 'Reset password' }).click();
    const made = (await row.getByTestId('made-password').textContent()).trim();
    assert.ok(made.length >= 12, `a made-up password of ${made.length} characters`);
    await checkA11y(page, 'users');
    await shoot(page, 'users-reset');
    const other = apiClient(server.base);
    assert.equal((await other.call('POST', '/api/auth/login', { email: 'sam@clinic.test', password: 'front desk passphrase 1' })).status, 401);
    await other.login('sam@clinic.test', made);
    await row.getByRole('button', { name: 'Done' }).click();
  });

  test('the audit log names users and patients, to the second, filtered by a picked patient and an action', STEP, async () => {
    await page.goto(server.base + `/patients/${patientId}`); // a read of Nora Quinn by the admin
    await page.getByRole('heading', { name: /Nora Quinn/ }).waitFor();
    await openTab('Audit log');
    await page.getByRole('combobox', { name: /Patient/ }).fill('Nora');
    await page.getByRole('option', { name: /Nora Quinn/ }).click();
    await page.getByLabel('Action').selectOption('read');
    const row = page.getByTestId('audit-row').filter({ hasText: 'patient #' + patientId }).first();
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /Nora Quinn\s*HMS-\d+/);
    assert.match(text, /Administrator \(admin\)/);
    assert.match(text, /\d{2}:\d{2}:\d{2}/, 'times to the second');
    await checkA11y(page, 'audit log');
    await shoot(page, 'audit');
    // Listing the names was itself a read of Nora Quinn's data.
    const reads = await api.must('GET', `/api/audit?patient_id=${patientId}&action=read`);
    assert.ok(reads.data.some((e) => e.resource_type === 'audit_event'), 'reading the audit log is not on record');
  });

  test('on a phone the patients screen starts with the search; the account screen changes one’s password', STEP, async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(server.base + '/patients');
    const search = page.getByLabel('Search patients');
    const form = page.getByRole('heading', { name: 'Add new patient' });
    await search.waitFor();
    const [searchTop, formTop] = await Promise.all([search.boundingBox(), form.boundingBox()]);
    assert.ok(searchTop.y < formTop.y, `the search (${searchTop.y}px) should come before the form (${formTop.y}px)`);
    const header = await page.locator('header').boundingBox();
    assert.ok(header.height <= 64, `the phone header is ${header.height}px high`);
    await page.setViewportSize({ width: 1280, height: 860 });
    await shoot(page, 'patients');

    await page.getByRole('link', { name: 'Account' }).click();
    const pw = page.getByRole('form', { name: 'Change password' });
    await pw.locator('#pw-current').fill(server.admin.password);
    await pw.locator('#pw-next').fill('a brand new passphrase 9');
    await pw.locator('#pw-again').fill('a brand new passphrase 9');
    await checkA11y(page, 'account');
    await shoot(page, 'account');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('banner').filter({ hasText: 'Password changed' }).waitFor();
    // The new password works; the change ended the admin's other sessions, the API client's too.
    await api.login(server.admin.email, 'a brand new passphrase 9');
    await page.getByTestId('current-user').waitFor(); // this tab's session stays
  });

  test('a patient opened in a new tab is signed in, and the tabs refresh without signing each other out', STEP, async () => {
    const second = await context.newPage();
    watch(second);
    await second.goto(server.base + `/patients/${patientId}`);
    await second.getByRole('heading', { name: /Nora Quinn/ }).waitFor();
    assert.equal(await second.getByRole('heading', { name: 'Sign in' }).count(), 0);
    assert.equal(await second.getByRole('link', { name: '+1 555 0142' }).getAttribute('href'), 'tel:+15550142');
    assert.equal(await second.getByRole('link', { name: 'nora.quinn@example.com' }).getAttribute('href'), 'mailto:nora.quinn@example.com');

    // Both tabs find the access token stale at once: one refreshes, the other uses its pair.
    const before = (await api.must('GET', '/api/audit?action=refresh')).count;
    await page.evaluate(() => localStorage.setItem('hms.access_token', 'stale'));
    await Promise.all([page.reload(), second.reload()]);
    await Promise.all([
      page.getByTestId('current-user').waitFor(),
      second.getByRole('heading', { name: /Nora Quinn/ }).waitFor(),
    ]);
    const after = await api.must('GET', '/api/audit?action=refresh');
    assert.equal(after.count - before, 1, 'two refreshes: the tabs did not take turns');
    assert.equal((await api.must('GET', '/api/audit?action=refresh_reuse')).count, 0, 'a spent refresh token was presented');
    const me = await second.evaluate(async () => {
      const res = await fetch('/api/auth/me', { headers: { Authorization: `Bearer ${localStorage.getItem('hms.access_token')}` } });
      return res.status;
    });
    assert.equal(me, 200);

    // Signing out in one tab signs out the other.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await second.getByRole('heading', { name: 'Sign in' }).waitFor();
    await second.close();
  });

  test('the page made no failing call and logged no error after the first load', STEP, async () => {
    // The stale token's 401 is the one expected answer of 400 or more.
    assert.deepEqual(
      failed.filter((f) => !/^401 GET \/api\/auth\/me$/.test(f) && !/console: Failed to load resource.*401/.test(f)),
      [],
    );
  });
});
