// End-to-end: emergency ("break-glass") access in Chromium against the real hms binary,
// started with HMS_CHART_ACCESS=care-team. A doctor opens a patient outside their care
// team: the chart stays closed until they declare an emergency with a reason; then it
// opens (the banner's allergies with it), its reads are audited as emergency_read, and an
// admin sees the emergency at once.
//
//   HMS_BIN=/path/to/hms node --test e2e/emergency.test.mjs
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
  seriousViolations,
  shootWidths,
  startServer,
} from './harness.mjs';

const STEP = { timeout: 60_000 };
const PASSWORD = 'Harbour-Lantern-Meadow-73';
const REASON = 'Collapsed in the waiting room, no history on file';

let server;
let api;
let browser;
let page;
let patientId;
let doctorId;
const problems = [];

function shoot(name) {
  return shootWidths(page, name);
}

async function signIn(email, password) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

before(async () => {
  checkChromium();
  mkdirSync(screenshotDir, { recursive: true });
  server = await startServer({ HMS_CHART_ACCESS: 'care-team' });
  api = apiClient(server.base);
  await api.login(server.admin.email, server.admin.password);
  doctorId = (await api.must('POST', '/api/users', { email: 'erin@clinic.test', name: 'Erin Doctor', role: 'doctor', password: PASSWORD })).data.id;
  patientId = (await api.must('POST', '/api/patients', { name: 'Walter Waiting', date_of_birth: '1961-04-12', email: 'walter@example.com' })).data.id;
  await api.must('POST', '/api/records', { patient_id: patientId, diagnosis: 'Type 2 diabetes', doctor_name: 'Dr. Someone Else', prescription: 'Metformin' });
  await api.must('POST', `/api/patients/${patientId}/allergies`, { substance: 'Penicillin', severity: 'severe' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) problems.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

describe('emergency access', { concurrency: false }, () => {
  test('a doctor opens a chart outside their care team only by declaring an emergency', STEP, async () => {
    await page.goto(server.base + '/');
    await signIn('erin@clinic.test', PASSWORD);
    await page.goto(`${server.base}/patients/${patientId}`);
    const gate = page.getByTestId('emergency-gate');
    await gate.waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Medical records' }).count(), 0, 'the chart is closed');
    const allergies = page.getByTestId('patient-banner').getByTestId('allergy-status');
    assert.equal(await allergies.textContent(), 'Allergies hidden: not in your care team', 'the banner says why it shows no allergies');
    assert.deepEqual(await seriousViolations(page), []);
    await shoot('emergency-gate');
    await page.getByRole('button', { name: 'Declare an emergency and open the chart' }).click();
    await page.getByText('Say why the emergency needs this chart.').waitFor();
    await page.getByLabel('Reason for emergency access').fill(REASON);
    await page.getByRole('button', { name: 'Declare an emergency and open the chart' }).click();
    await page.getByRole('heading', { name: 'Medical records' }).waitFor();
    assert.equal(await gate.count(), 0);
    await allergies.getByText('Penicillin (severe)').waitFor();
    assert.match(await page.getByTestId('emergency-open').textContent(), /^Emergency access until \d\d:\d\d: every read of this chart is recorded/);
    await shoot('emergency-open');
    await signOut();

    const audit = (await api.must('GET', `/api/audit?patient_id=${patientId}&action=emergency_read`)).data;
    assert.ok(audit.length > 0 && audit.every((e) => e.user_id === doctorId), 'the chart reads are audited as emergency_read');
  });

  test('an admin sees the emergency at once', STEP, async () => {
    await signIn(server.admin.email, server.admin.password);
    const notice = page.getByTestId('emergency-notice');
    await notice.waitFor();
    assert.match(await notice.textContent(), new RegExp(`Erin Doctor opened the chart of patient #${patientId}.*${REASON}`));
    await shoot('emergency-notice');
    await signOut();
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
