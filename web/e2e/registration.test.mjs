// End-to-end: the front desk's registration flows in Chromium against the real hms binary:
// the possible matches shown before a new patient is saved, an admin merging a duplicate
// into the patient who remains, restoring a deactivated patient, and moving an appointment
// to another doctor. Screens are saved at 1280 and 375 px wide to web/test-results/screenshots/.
//
//   HMS_BIN=/path/to/hms node --test --test-concurrency=1 e2e/registration.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  apiClient,
  CHROMIUM,
  CHROMIUM_ARGS,
  checkChromium,
  clinicDate,
  clinicDateTime,
  pickZones,
  screenshotDir,
  seriousViolations,
  settled,
  shootWidths,
  startServer,
  useClinicZone,
} from './harness.mjs';

const STEP = { timeout: 60_000 };

let server;
let api;
let browser;
let page;
const problems = [];
const seeded = {}; // ids and MRNs of the patients seeded through the API

/** Saves the page at 1280 and at 375 px wide; a dialog only as far as the screen. */
function shootBoth(name, { fullPage = true } = {}) {
  return shootWidths(page, name, { fullPage });
}

async function banner(text) {
  await page.getByTestId('banner').filter({ hasText: text }).waitFor();
}

async function noSeriousViolations(screen) {
  await settled(page);
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `serious accessibility violations on ${screen}: ${JSON.stringify(violations)}`);
}

before(async () => {
  checkChromium();
  mkdirSync(screenshotDir, { recursive: true });
  const zones = pickZones();
  useClinicZone(zones.clinic);
  server = await startServer({ HMS_TIMEZONE: zones.clinic });
  api = apiClient(server.base);
  await api.login(server.admin.email, server.admin.password);

  for (const name of ['Dr. Ana Weber', 'Dr. Omar Reyes']) {
    seeded[name] = (await api.must('POST', '/api/doctors', { name })).data.id;
  }
  const ada = (
    await api.must('POST', '/api/patients', { name: 'Ada Lovelace', date_of_birth: '1985-04-12', email: 'ada@example.com', phone: '+1 555 0142' })
  ).data;
  seeded.ada = ada;
  const alan = (await api.must('POST', '/api/patients', { name: 'Alan Turing', date_of_birth: '1972-06-23', email: 'alan@example.com' })).data;
  await api.must('DELETE', `/api/patients/${alan.id}`);
  seeded.alan = alan;
  // Ada has an appointment tomorrow at 09:00 with Dr. Weber; Dr. Reyes is taken then.
  const other = (await api.must('POST', '/api/patients', { name: 'Luis García', date_of_birth: '2001-07-21', email: 'luis@example.com' })).data;
  seeded.adaVisit = (
    await api.must('POST', '/api/appointments', {
      patient_id: ada.id,
      doctor_id: seeded['Dr. Ana Weber'],
      appointment_datetime: clinicDateTime(clinicDate(1), '09:00'),
      reason: 'Annual check-up',
    })
  ).data.id;
  await api.must('POST', '/api/appointments', {
    patient_id: other.id,
    doctor_id: seeded['Dr. Omar Reyes'],
    appointment_datetime: clinicDateTime(clinicDate(1), '09:00'),
    reason: 'Knee pain',
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: zones.browser });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(server.base + '/patients');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(server.admin.email);
  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

describe('registration at the front desk', { concurrency: false }, () => {
  let duplicateId;

  test('the possible matches show before a new patient is saved, and saving anyway works', STEP, async () => {
    await page.goto(server.base + '/patients');
    const form = page.getByRole('form', { name: 'Add patient' });
    await form.getByLabel('Full name').fill('lovelace ada');
    await form.getByLabel('Date of birth').fill('1985-04-12');
    await form.getByLabel('Email').fill('ada.l@example.com');
    await form.getByRole('button', { name: 'Add patient' }).click();

    const matches = form.getByRole('status', { name: 'Possible matches' });
    await matches.filter({ hasText: seeded.ada.mrn }).waitFor();
    assert.equal(await form.getByRole('link', { name: `Open ${seeded.ada.mrn}` }).getAttribute('href'), `/patients/${seeded.ada.id}`);
    const before = await api.must('GET', '/api/patients?q=Lovelace');
    assert.equal(before.data.length, 1, 'the check before saving saved nothing');
    await noSeriousViolations('the registration form with matches');
    await shootBoth('registration-matches');

    await form.getByRole('button', { name: 'Save anyway' }).click();
    await banner('Added patient lovelace ada.');
    const after = await api.must('GET', '/api/patients?q=Lovelace');
    assert.equal(after.data.length, 2);
    duplicateId = after.data.find((p) => p.id !== seeded.ada.id).id;
  });

  test('an admin merges the duplicate into the patient who remains', STEP, async () => {
    // The duplicate's own appointment, which must move to Ada.
    await api.must('POST', '/api/appointments', {
      patient_id: duplicateId,
      doctor_id: seeded['Dr. Ana Weber'],
      appointment_datetime: clinicDateTime(clinicDate(2), '10:00'),
      reason: 'Vaccination',
    });
    await page.goto(server.base + `/patients/${duplicateId}`);
    await page.getByRole('button', { name: 'Merge into…' }).click();
    const dialog = page.getByRole('dialog', { name: /Merge lovelace ada/ });
    await dialog.getByRole('combobox').fill('Lovelace');
    await dialog.getByRole('option').filter({ hasText: seeded.ada.mrn }).click();
    await dialog.getByRole('region', { name: 'Remains, with everything' }).filter({ hasText: seeded.ada.mrn }).waitFor();
    await dialog.getByRole('region', { name: 'This record: deactivated' }).filter({ hasText: 'ada.l@example.com' }).waitFor();
    await shootBoth('patient-merge', { fullPage: false });

    await dialog.getByRole('button', { name: `Merge into ${seeded.ada.mrn}` }).click();
    await banner(`into ${seeded.ada.mrn}`);
    await page.waitForURL(new RegExp(`/patients/${seeded.ada.id}$`));
    const appts = await api.must('GET', `/api/appointments?patient_id=${seeded.ada.id}`);
    assert.equal(appts.data.length, 2, 'the duplicate’s appointment moved to the patient who remains');

    // The merged record says where everything went, and offers no edit or booking.
    await page.goto(server.base + `/patients/${duplicateId}`);
    const notice = page.getByRole('status').filter({ hasText: 'Merged into' });
    await notice.getByRole('link', { name: new RegExp(seeded.ada.mrn) }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Book appointment' }).count(), 0);
    await noSeriousViolations('a merged patient');
    await shootBoth('patient-merged');
    await notice.getByRole('link', { name: new RegExp(seeded.ada.mrn) }).click();
    await page.waitForURL(new RegExp(`/patients/${seeded.ada.id}$`));
  });

  test('an admin restores a deactivated patient', STEP, async () => {
    await page.goto(server.base + `/patients/${seeded.alan.id}`);
    await page.getByRole('status').filter({ hasText: 'Deactivated' }).waitFor();
    await shootBoth('patient-deactivated');
    await page.getByRole('button', { name: 'Restore' }).click();
    await banner('Restored patient Alan Turing.');
    await page.getByRole('link', { name: 'Edit' }).waitFor();
    assert.equal((await api.must('GET', `/api/patients/${seeded.alan.id}`)).data.active, true);
  });

  test('an appointment moves to another doctor, with the booking’s conflict feedback', STEP, async () => {
    await page.goto(server.base + `/patients/${seeded.ada.id}`);
    const card = page.getByRole('list', { name: 'Patient appointments' }).getByRole('listitem').filter({ hasText: 'Annual check-up' });
    await card.getByRole('button', { name: /Move appointment/ }).click();
    const dialog = page.getByRole('dialog', { name: /Move the appointment of Ada Lovelace/ });
    await dialog.getByLabel('Doctor').selectOption({ label: 'Dr. Omar Reyes' });
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    // Dr. Reyes sees Luis García at 09:00: the same sentence as a booking, and nothing moves.
    await dialog.getByText(/The doctor already has an appointment/).waitFor();
    assert.equal((await api.must('GET', `/api/appointments/${seeded.adaVisit}`)).data.doctor_name, 'Dr. Ana Weber');
    await shootBoth('appointment-move-doctor', { fullPage: false });

    await dialog.getByLabel('Time').fill('11:30');
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    await banner('with Dr. Omar Reyes');
    const moved = (await api.must('GET', `/api/appointments/${seeded.adaVisit}`)).data;
    assert.equal(moved.doctor_name, 'Dr. Omar Reyes');
  });

  test('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
