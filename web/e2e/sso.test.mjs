// End-to-end: single sign-on in Chromium. A test OpenID Connect provider (the Go program
// internal/testutil/testidp/cmd/testidp, never part of hms) runs on 127.0.0.1 beside an hms
// configured for it; the user clicks "Sign in with Clinic ID", signs in at the provider's
// own page and lands in HMS signed in with the role their group maps to. A user in no
// mapped group is sent back to the sign-in screen with the reason.
//
//   HMS_BIN=/path/to/hms [HMS_TESTIDP_BIN=/path/to/testidp] node --test e2e/sso.test.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  checkChromium,
  freePort,
  repoRoot,
  screenshotDir,
  seriousViolations,
  startServer,
} from './harness.mjs';

const STEP = { timeout: 60_000 };

let idp; // {issuer, stop}
let server;
let browser;
let buildDir;

/** The test provider's binary: $HMS_TESTIDP_BIN, bin/testidp, or one built now. */
function testidpBinary() {
  const given = process.env.HMS_TESTIDP_BIN || join(repoRoot, 'bin', 'testidp');
  if (existsSync(given)) return given;
  buildDir = mkdtempSync(join(tmpdir(), 'hms-testidp-'));
  const bin = join(buildDir, 'testidp');
  execFileSync('go', ['build', '-o', bin, './internal/testutil/testidp/cmd/testidp'], {
    cwd: repoRoot,
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: 'inherit',
  });
  return bin;
}

/** Starts the provider with accounts; resolves once it prints its issuer. */
async function startProvider(accounts) {
  const args = ['-addr', '127.0.0.1:0', '-client-id', 'hms-e2e', '-client-secret', 'e2e-provider-secret'];
  for (const a of accounts) args.push('-account', a);
  const child = spawn(testidpBinary(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const issuer = await new Promise((ok, fail) => {
    child.on('exit', (code) => fail(new Error(`testidp exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('issuer ')) ok(line.slice('issuer '.length).trim());
    });
  });
  return {
    issuer,
    stop: () => new Promise((ok) => (child.exitCode !== null ? ok() : (child.on('exit', ok), child.kill('SIGTERM')))),
  };
}

async function shoot(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Signs in at the provider's page as email, from HMS's sign-in screen. */
async function signInAtProvider(page, email, password) {
  await page.goto(server.base + '/');
  await page.getByRole('link', { name: 'Sign in with Clinic ID' }).click();
  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await page.getByRole('heading', { name: 'Test identity provider' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('single sign-on in Chromium', () => {
  before(async () => {
    checkChromium();
    mkdirSync(screenshotDir, { recursive: true });
    idp = await startProvider([
      'sub-dana,dana@clinic.test,Dana Doctor,provider-pass-1,clinic-doctors;all-staff',
      'sub-carl,carl@clinic.test,Carl Cafe,provider-pass-2,cafeteria',
    ]);
    const port = await freePort();
    server = await startServer({
      HMS_ADDR: `127.0.0.1:${port}`,
      HMS_PUBLIC_URL: `http://127.0.0.1:${port}`,
      HMS_OIDC_ISSUER: idp.issuer,
      HMS_OIDC_CLIENT_ID: 'hms-e2e',
      HMS_OIDC_CLIENT_SECRET: 'e2e-provider-secret',
      HMS_OIDC_PROVIDER_NAME: 'Clinic ID',
      HMS_OIDC_ROLE_MAP: 'clinic-doctors=doctor,clinic-admins=admin',
      HMS_OIDC_CREATE_USERS: 'true',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
    await idp?.stop();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  test('the sign-in screen offers the provider, on a desktop and a phone', STEP, async () => {
    for (const [width, name] of [
      [1280, 'sso-login'],
      [375, 'sso-login-phone'],
    ]) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.goto(server.base + '/');
      const link = page.getByRole('link', { name: 'Sign in with Clinic ID' });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), '/api/auth/oidc/start');
      assert.deepEqual(await seriousViolations(page), []);
      await shoot(page, name);
      await context.close();
    }
  });

  test('a doctor signs in at the provider and lands in HMS as a doctor', STEP, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInAtProvider(page, 'dana@clinic.test', 'provider-pass-1');
    await page.waitForURL((u) => u.origin === server.base && u.hash === '');
    await page.getByTestId('current-user').waitFor();
    assert.equal((await page.getByTestId('current-user').textContent()).trim(), 'Dana Doctor');
    await page.getByRole('link', { name: 'My day' }).waitFor(); // a doctor's first tab
    // The session is HMS's own: its access token says who and what the user is.
    const me = await page.evaluate(async () => {
      const res = await fetch('/api/auth/me', {
        headers: { Authorization: `Bearer ${localStorage.getItem('hms.access_token')}` },
      });
      return res.json();
    });
    assert.equal(me.data.email, 'dana@clinic.test');
    assert.equal(me.data.role, 'doctor');
    await shoot(page, 'sso-signed-in');
    await context.close();
  });

  test('a user in no mapped group is sent back with the reason', STEP, async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signInAtProvider(page, 'carl@clinic.test', 'provider-pass-2');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Single sign-on did not sign you in\..*in no group that HMS gives a role to/);
    assert.equal(new URL(page.url()).hash, '');
    assert.equal(await page.getByTestId('current-user').count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await shoot(page, 'sso-refused-phone');
    await context.close();
  });
});
