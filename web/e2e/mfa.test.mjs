// End-to-end: two-factor sign-in in Chromium against the real hms binary. A receptionist
// turns it on from the Account screen (the secret shown there feeds the codes this test
// computes, as an authenticator app would), then signs in with a code and with a recovery
// code; a doctor, whose role HMS_MFA_REQUIRED names, is made to enrol at sign-in; an admin
// resets the doctor's second factor.
//
//   HMS_BIN=/path/to/hms node --test e2e/mfa.test.mjs
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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
const PASSWORD = 'Harbour-Lantern-Meadow-73';

let server;
let api;
let browser;
let page;
const problems = [];

/** RFC 4648 base32, as the secret is shown. */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of secret at time ms. */
function totp(secret, ms = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function shoot(name) {
  return shootWidths(page, name);
}

function checkA11y(screen) {
  return assertAccessible(page, screen);
}

async function password(email) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signedIn() {
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** Enrols on the screen showing the set-up: reads the secret, enters its code, keeps the recovery codes. */
async function enrolOnScreen() {
  const secret = (await page.getByTestId('mfa-secret').textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  const qr = await page.getByRole('img', { name: /QR code/ }).getAttribute('src');
  assert.match(qr, /^data:image\/png;base64,/);
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await list.waitFor();
  const codes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  return { secret, codes };
}

before(async () => {
  checkChromium();
  mkdirSync(screenshotDir, { recursive: true });
  server = await startServer({ HMS_MFA_REQUIRED: 'doctor' });
  api = apiClient(server.base);
  await api.login(server.admin.email, server.admin.password);
  await api.must('POST', '/api/users', { email: 'rita@clinic.test', name: 'Rita Front', role: 'staff', password: PASSWORD });
  await api.must('POST', '/api/users', { email: 'dan@clinic.test', name: 'Dan Doctor', role: 'doctor', password: PASSWORD });
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

describe('two-factor sign-in', { concurrency: false }, () => {
  let staff;

  test('a receptionist turns it on from the Account screen', STEP, async () => {
    await page.goto(server.base + '/');
    await password('rita@clinic.test');
    await signedIn();
    await page.goto(server.base + '/account');
    await page.getByRole('heading', { name: /Two-factor sign-in/ }).waitFor();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByTestId('mfa-secret').waitFor();
    await checkA11y('the enrolment');
    await shoot('mfa-enrol');
    staff = await enrolOnScreen();
    await shoot('mfa-recovery-codes');
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.getByText('10 of 10 recovery codes left').waitFor();
    await signOut();
  });

  test('her next sign-in asks for a code after the password', STEP, async () => {
    await password('rita@clinic.test');
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await checkA11y('the code step');
    await shoot('mfa-code');
    await page.getByLabel('Code', { exact: true }).fill('000000' === totp(staff.secret) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not right').waitFor();
    // The enrolment spent the current step's code: the next step's is still accepted.
    await page.getByLabel('Code', { exact: true }).fill(totp(staff.secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedIn();
    await signOut();
  });

  test('a recovery code signs in once', STEP, async () => {
    for (const attempt of ['first', 'again']) {
      await password('rita@clinic.test');
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code').fill(staff.codes[0]);
      await page.getByRole('button', { name: 'Verify' }).click();
      if (attempt === 'first') {
        await signedIn();
        await signOut();
      } else {
        await page.getByText('That recovery code is not right, or was already used.').waitFor();
      }
    }
    await page.goto(server.base + '/');
  });

  test('a doctor must enrol at sign-in, and an admin can reset it', STEP, async () => {
    await password('dan@clinic.test');
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    await page.getByTestId('mfa-secret').waitFor();
    await shoot('mfa-required-enrol');
    const dan = await enrolOnScreen();
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await signedIn();
    // Nothing of the enrolment token reaches the rest of the API: this is a real session.
    await page.goto(server.base + '/account');
    await page.getByText('Your role requires it, so it cannot be turned off.').waitFor();
    await signOut();

    const users = (await api.must('GET', '/api/users')).data;
    const danId = users.find((u) => u.email === 'dan@clinic.test').id;
    await api.must('DELETE', `/api/users/${danId}/mfa`);
    const audit = (await api.must('GET', '/api/audit?action=mfa_reset')).data;
    assert.ok(audit.some((e) => e.resource_id === danId), 'the reset is in the audit trail');
    await password('dan@clinic.test');
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    assert.notEqual((await page.getByTestId('mfa-secret').textContent()).trim(), dan.secret);
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
