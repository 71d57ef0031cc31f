// Starts a real hms server on a free loopback port with a throwaway SQLite
// database, and drives Debian's Chromium through playwright-core. Nothing here
// downloads a browser: the executable is the system one.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
// Screenshots go to web/test-results/screenshots (ignored by git), so a test run leaves the
// working tree as it found it; `make screenshots` points HMS_SCREENSHOT_DIR at docs/screenshots
// to refresh the README's.
export const screenshotDir = resolve(process.env.HMS_SCREENSHOT_DIR || join(repoRoot, 'web', 'test-results', 'screenshots'));

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The hms binary: $HMS_BIN, or bin/hms at the repository root. */
export function hmsBinary() {
  const bin = process.env.HMS_BIN || join(repoRoot, 'bin', 'hms');
  if (!existsSync(bin)) {
    throw new Error(
      `no hms binary at ${bin}: build one with the UI embedded (cd web && npm run build; go build -o bin/hms ./cmd/hms) and set HMS_BIN`,
    );
  }
  return resolve(bin);
}

export function checkChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it with "apt-get update && apt-get install -y chromium"`);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A running hms: its base URL, the admin credentials it was started with, and
 * stop(). The log goes to a file in the temporary data directory, printed when
 * start-up fails.
 */
export async function startServer(env = {}) {
  const bin = hmsBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-e2e-'));
  // A caller that must know the address before start (HMS_PUBLIC_URL) passes HMS_ADDR.
  const port = env.HMS_ADDR ? Number(env.HMS_ADDR.split(':').pop()) : await freePort();
  const admin = { email: 'admin@clinic.test', password: `e2e-${randomBytes(12).toString('hex')}` };
  const logPath = join(dataDir, 'hms.log');
  const log = createWriteStream(logPath);
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      HMS_ADDR: `127.0.0.1:${port}`,
      HMS_DATA_DIR: dataDir,
      HMS_ENV: 'test',
      HMS_ADMIN_EMAIL: admin.email,
      HMS_ADMIN_PASSWORD: admin.password,
      HMS_DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exit = new Promise((r) => child.on('exit', (code, signal) => r((exited = { code, signal }))));

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`hms exited during start-up (${JSON.stringify(exited)}):\n${readFileSync(logPath, 'utf8')}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hms did not answer /health within 20 s:\n${readFileSync(logPath, 'utf8')}`);
    }
    await sleep(100);
  }

  return {
    base,
    admin,
    dataDir,
    logPath,
    get running() {
      return exited === null;
    },
    /** SIGTERM, then SIGKILL after 10 s. */
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
    cleanup() {
      if (!exited) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small client for seeding data straight through the API. */
export function apiClient(base) {
  let token = null;
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    return { status: res.status, body: json };
  }
  return {
    call,
    async must(method, path, body) {
      const res = await call(method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async login(email, password) {
      const res = await call('POST', '/api/auth/login', { email, password });
      if (res.status !== 200) throw new Error(`login as ${email} → ${res.status}: ${JSON.stringify(res.body)}`);
      token = res.body.data.access_token;
    },
  };
}

/** axe-core's source, evaluated in the page (CDP evaluation is not subject to the page's CSP). */
export function axeSource() {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
}

/** Runs axe on the page; returns the serious and critical violations, readable. */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(axeSource());
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
      })),
    ),
  );
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const pad = (n) => String(n).padStart(2, '0');

// The run's clinic sits in a zone where it is daytime now (so that today's board has a
// today to book into), and the browser in a zone at least seven hours away from it: every
// time the UI shows must be the clinic's, not the browser's.
const ZONES = [
  'Pacific/Honolulu',
  'America/Los_Angeles',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** Minutes east of UTC of zone at instant t. */
function offsetMinutes(zone, t = new Date()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(t)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Math.round((Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute) - t.getTime()) / 60000);
}

/** The clinic's zone for this run ($HMS_E2E_TIMEZONE, or one where it is 07:00–15:59 now) and a browser zone far away. */
export function pickZones(now = new Date()) {
  const hourIn = (z) => (((now.getUTCHours() * 60 + now.getUTCMinutes() + offsetMinutes(z, now)) % 1440) + 1440) % 1440 / 60;
  const clinic = process.env.HMS_E2E_TIMEZONE || ZONES.find((z) => hourIn(z) >= 7 && hourIn(z) < 16) || 'UTC';
  const browser = ZONES.find((z) => Math.abs(offsetMinutes(z, now) - offsetMinutes(clinic, now)) >= 7 * 60) || 'Pacific/Kiritimati';
  return { clinic, browser };
}

let clinicZone = 'UTC';

/** Sets the zone that clinicDate and clinicTime read the clinic's calendar in. */
export function useClinicZone(zone) {
  clinicZone = zone;
}

/** YYYY-MM-DD, days from the clinic's today. */
export function clinicDate(days = 0) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: clinicZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date())
      .map((p) => [p.type, Number(p.value)]),
  );
  const d = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** HH:MM on the clinic's clock, minutes from now. */
export function clinicTime(minutesFromNow = 0) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: clinicZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(
    new Date(Date.now() + minutesFromNow * 60000),
  );
}

/** A date and HH:MM on the clinic's clock, as the API reads it (no offset: HMS_TIMEZONE). */
export function clinicDateTime(date, time) {
  return `${date}T${time}:00`;
}

/** Waits until the page is quiet: no request in flight, no list dimmed while it reloads. */
export async function settled(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
}

/** Fails when axe finds serious or critical violations on the page once it has settled. */
export async function assertAccessible(page, screen) {
  await settled(page);
  const violations = await seriousViolations(page);
  if (violations.length) throw new Error(`serious accessibility violations on ${screen}: ${JSON.stringify(violations)}`);
}

/**
 * Saves the settled page as <name>.png at 1280 px wide and <name><phone>.png at 375, then
 * goes back to 1280; a message banner is dismissed first. fullPage false keeps a dialog to
 * the screen.
 */
export async function shootWidths(page, name, { phone = '-phone', fullPage = true } = {}) {
  await settled(page);
  const dismiss = page.getByRole('button', { name: 'Dismiss message' });
  if (await dismiss.count()) await dismiss.click();
  await page.mouse.move(0, 0);
  for (const [width, height, suffix] of [
    [1280, 860, ''],
    [375, 812, phone],
  ]) {
    await page.setViewportSize({ width, height });
    await settled(page);
    await page.screenshot({ path: join(screenshotDir, `${name}${suffix}.png`), fullPage });
  }
  await page.setViewportSize({ width: 1280, height: 860 });
}
