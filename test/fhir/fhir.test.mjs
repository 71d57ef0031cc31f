// End-to-end FHIR conformance of HMS: builds the hms binary, starts it on a throwaway
// SQLite database, imports shared FHIR R4 bundles, and then
//   - validates every resource type and every search it emits against the FHIR R4
//     structure definitions (the `fhir` package's validator), and
//   - discovers, reads, searches and pages through the server with a real FHIR client
//     (`fhir-kit-client`).
// Run with `npm ci && node --test` in this folder (scripts/test.sh does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fhirpkg from 'fhir';
import { Client } from 'fhir-kit-client';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const validator = new fhirpkg.Fhir();

let server, base, tmp, token;
// The admin that hms creates on first start; every /api and /fhir call signs in as them.
const admin = { email: 'admin@fhir.test', password: 'Fhir-Conformance-Admin-1' };
const bearer = () => ({ Authorization: `Bearer ${token}` });
const stderr = [];

// sharedData returns the test data set NAME committed under testdata/ (a copy of the shared
// public FHIR bundles, with their licence), or under $HMS_SHARED_DATA when that is set.
function sharedData(name) {
  return path.join(process.env.HMS_SHARED_DATA || path.join(repo, 'testdata'), name);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitReady(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hms did not become ready at ${url}:\n${stderr.join('')}`);
}

// api calls HMS's JSON API (to create appointments and blood groups, which FHIR only reads).
async function api(method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { ...bearer(), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

// fhirGet fetches a FHIR URL and returns status, content type and body.
async function fhirGet(p) {
  const res = await fetch(p.startsWith('http') ? p : base + '/fhir' + p, { headers: bearer() });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

// assertValid validates a resource against the R4 structure definitions: no unexpected
// properties, every required element, every type and every bound code.
function assertValid(resource, what) {
  const result = validator.validate(resource, { errorOnUnexpected: true });
  const problems = result.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal');
  assert.deepEqual(problems, [], `${what} is not valid FHIR R4:\n${JSON.stringify(problems, null, 2)}`);
}

const client = () => new Client({ baseUrl: base + '/fhir', customHeaders: bearer() });

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'hms-fhir-'));
  const bin = process.env.HMS_BIN || path.join(tmp, 'hms');
  if (!process.env.HMS_BIN) {
    execFileSync('go', ['build', '-o', bin, './cmd/hms'], { cwd: repo, stdio: 'inherit' });
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve'], {
    env: { ...process.env, HMS_ENV: 'test', HMS_ADDR: `127.0.0.1:${port}`, HMS_DATA_DIR: path.join(tmp, 'data'), HMS_DATABASE_URL: '',
      HMS_ADMIN_EMAIL: admin.email, HMS_ADMIN_PASSWORD: admin.password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr.on('data', (d) => stderr.push(d.toString()));
  await waitReady(base + '/ready', 20000);
  const login = await fetch(base + '/api/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(admin),
  });
  assert.equal(login.status, 200, 'sign in as the first admin');
  token = (await login.json()).data.access_token;

  // Import two shared bundles through the FHIR client's transaction call (POST /fhir).
  for (const file of ['uscore_bundle_patient_85.json', 'uscore_bundle_patient_client_test.json']) {
    const bundle = JSON.parse(readFileSync(path.join(sharedData('fhir-r4'), file), 'utf8'));
    const response = await client().transaction({ body: bundle });
    assert.equal(response.type, 'transaction-response');
    assertValid(response, `the transaction-response of ${file}`);
  }
  // Appointments in every lifecycle state and a blood group come from the REST API.
  const patient = await api('POST', '/api/patients', { name: 'Grace Hopper', email: 'grace@example.org', date_of_birth: '1980-05-17', phone: '555-0100', address: '1 Main St', blood_group: 'O-' });
  // Each appointment walks the lifecycle to one of its states.
  const paths = [[], ['checked_in'], ['checked_in', 'in_progress'], ['checked_in', 'in_progress', 'completed'], ['cancelled'], ['no_show']];
  for (let i = 0; i < paths.length; i++) {
    const a = await api('POST', '/api/appointments', { patient_id: patient.id, doctor_name: 'Dr. Grey', appointment_datetime: `2031-03-0${i + 1}T10:00`, reason: 'check-up', notes: 'bring results' });
    for (const status of paths[i]) await api('PUT', `/api/appointments/${a.id}`, { status });
  }
  await api('POST', '/api/records', { patient_id: patient.id, diagnosis: 'Seasonal influenza', doctor_name: 'Dr. Grey', prescription: 'Rest, fluids', notes: 'review in a week' });
  // The chart: the checked-in appointments opened visits; vital signs, allergies and problems.
  const [visit] = await api('GET', `/api/patients/${patient.id}/visits`);
  await api('POST', `/api/patients/${patient.id}/vitals`, { visit_id: visit.id, systolic: 128, diastolic: 82, heart_rate: 72, respiratory_rate: 14, temperature: 37.1, spo2: 98, weight: 70, height: 170 });
  await api('POST', '/api/records', { patient_id: patient.id, visit_id: visit.id, diagnosis: 'Acute bronchitis', doctor_name: 'Dr. Grey' });
  await api('POST', `/api/patients/${patient.id}/allergies`, { substance: 'Penicillin', code: '91936005', reaction: 'Hives', severity: 'severe', criticality: 'high', category: 'medication' });
  await api('POST', `/api/patients/${patient.id}/problems`, { description: 'Asthma', code: '195967001', onset_date: '2001-04-01' });
  await api('POST', `/api/patients/${patient.id}/problems`, { description: 'Fractured wrist', clinical_status: 'resolved', onset_date: '2019-02-01', abatement_date: '2019-05-01' });
  const other = await api('POST', '/api/patients', { name: 'Ada Lovelace', email: 'ada@example.org', date_of_birth: '1985-12-10' });
  await api('POST', `/api/patients/${other.id}/allergies`, { no_known_allergies: true });
});

after(() => {
  if (server) server.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the CapabilityStatement is valid R4 and names the resource types served', async () => {
  const cs = await client().capabilityStatement();
  assertValid(cs, 'CapabilityStatement');
  assert.equal(cs.fhirVersion, '4.0.1');
  const types = cs.rest[0].resource.map((r) => r.type);
  assert.deepEqual(types.sort(), ['AllergyIntolerance', 'Appointment', 'Condition', 'Encounter', 'MedicationRequest', 'Observation', 'Patient', 'Practitioner']);
});

// Every search of every type, as listed by the CapabilityStatement, and a read of every
// resource each search returns, validates.
test('every search and every resource emitted validate against R4', async () => {
  const cs = (await fhirGet('/metadata')).body;
  const sample = { date: 'ge2031-03-01', string: 'a', reference: '1' };
  const tokens = { identifier: 'us-core-client-tests-patient', status: 'booked,arrived,fulfilled,cancelled,noshow', code: '882-1', phone: '555', email: 'grace@example.org', _id: '1,2,3',
    'Encounter.status': 'in-progress,finished,cancelled', 'Observation.category': 'vital-signs', 'Observation.code': '85354-9,8867-4,29463-7,39156-5',
    'Condition.category': 'problem-list-item', 'Condition.clinical-status': 'active,resolved', 'AllergyIntolerance.clinical-status': 'active,inactive' };
  let checked = 0;
  for (const r of cs.rest[0].resource) {
    const searches = [`/${r.type}?_count=500`, ...r.searchParam.map((p) => `/${r.type}?${p.name}=${encodeURIComponent(p.type === 'token' ? (tokens[`${r.type}.${p.name}`] ?? tokens[p.name]) : sample[p.type])}`)];
    for (const s of searches) {
      const { status, type, body } = await fhirGet(s);
      assert.equal(status, 200, `${s}: ${JSON.stringify(body)}`);
      assert.match(type, /^application\/fhir\+json/);
      assertValid(body, `searchset ${s}`);
      for (const e of body.entry ?? []) {
        assertValid(e.resource, `${s} entry ${e.fullUrl}`);
        const read = await fhirGet(e.fullUrl);
        assert.equal(read.status, 200);
        assertValid(read.body, `read ${e.fullUrl}`);
        checked++;
      }
    }
    assert.ok((await fhirGet(`/${r.type}?_count=1`)).body.total > 0, `no ${r.type} to validate`);
  }
  assert.ok(checked > 50, `only ${checked} resources checked`);
});

test('errors are valid OperationOutcomes', async () => {
  for (const [p, status] of [['/Patient/999999', 404], ['/Patient?shoe_size=9', 400], ['/Procedure', 404], ['/Encounter?status=teleported', 400]]) {
    const res = await fhirGet(p);
    assert.equal(res.status, status, p);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assertValid(res.body, `OperationOutcome of ${p}`);
  }
});

test('a FHIR client finds a patient by name and birth date, and pages through their conditions', async () => {
  const c = client();
  const found = await c.search({ resourceType: 'Patient', searchParams: { name: 'Lucien408', birthdate: '1940-03-29' } });
  assert.equal(found.total, 1);
  const patient = found.entry[0].resource;
  assert.equal(patient.name[0].family, 'Bosco882');
  assert.equal(patient.identifier[0].type.coding[0].code, 'MR');
  const read = await c.read({ resourceType: 'Patient', id: patient.id });
  assert.deepEqual(read.name, patient.name);

  const seen = new Set();
  let page = await c.search({ resourceType: 'Condition', searchParams: { patient: `Patient/${patient.id}`, _count: 4 } });
  const total = page.total;
  let pages = 0;
  while (page) {
    pages++;
    for (const e of page.entry ?? []) seen.add(e.resource.id);
    page = c.nextPage({ bundle: page }) && (await c.nextPage({ bundle: page }));
  }
  assert.equal(total, 13);
  assert.equal(seen.size, 13, 'every condition once');
  assert.equal(pages, 4);
});

test('the chart reads through FHIR: encounters, vital signs with LOINC and UCUM, allergies, both kinds of condition', async () => {
  const c = client();
  const [grace] = (await c.search({ resourceType: 'Patient', searchParams: { email: 'grace@example.org' } })).entry.map((e) => e.resource);
  const enc = await c.search({ resourceType: 'Encounter', searchParams: { patient: grace.id } });
  assert.equal(enc.total, 3, 'three appointments were checked in');
  assert.deepEqual(enc.entry.map((e) => e.resource.status).sort(), ['finished', 'in-progress', 'in-progress']);
  const bp = await c.search({ resourceType: 'Observation', searchParams: { patient: grace.id, code: 'http://loinc.org|85354-9' } });
  assert.equal(bp.total, 1);
  const panel = bp.entry[0].resource;
  assert.equal(panel.category[0].coding[0].code, 'vital-signs');
  assert.equal(panel.valueQuantity, undefined);
  assert.deepEqual(panel.component.map((x) => [x.code.coding[0].code, x.valueQuantity.value, x.valueQuantity.system, x.valueQuantity.code]),
    [['8480-6', 128, 'http://unitsofmeasure.org', 'mm[Hg]'], ['8462-4', 82, 'http://unitsofmeasure.org', 'mm[Hg]']]);
  assert.ok(panel.encounter.reference.startsWith('Encounter/'));
  const vitals = await c.search({ resourceType: 'Observation', searchParams: { patient: grace.id, category: 'vital-signs' } });
  assert.equal(vitals.total, 8, 'seven measurements (blood pressure is one panel) and the BMI');
  const bmi = vitals.entry.find((e) => e.resource.code.coding[0].code === '39156-5').resource;
  assert.deepEqual([bmi.valueQuantity.value, bmi.valueQuantity.code], [24.2, 'kg/m2']);
  const lab = await c.search({ resourceType: 'Observation', searchParams: { patient: grace.id, category: 'laboratory' } });
  assert.equal(lab.total, 1, 'the blood group');
  const allergies = await c.search({ resourceType: 'AllergyIntolerance', searchParams: { patient: grace.id, 'clinical-status': 'active' } });
  assert.equal(allergies.total, 1);
  assert.equal(allergies.entry[0].resource.criticality, 'high');
  const problems = await c.search({ resourceType: 'Condition', searchParams: { patient: grace.id, category: 'problem-list-item' } });
  assert.equal(problems.total, 2);
  const resolved = await c.search({ resourceType: 'Condition', searchParams: { patient: grace.id, 'clinical-status': 'resolved' } });
  assert.equal(resolved.total, 1);
  assert.equal(resolved.entry[0].resource.abatementDateTime, '2019-05-01');
  const diagnoses = await c.search({ resourceType: 'Condition', searchParams: { patient: grace.id, category: 'encounter-diagnosis' } });
  assert.equal(diagnoses.total, 2);
  // Every condition once, paged across diagnoses and problems.
  const seen = new Set();
  let page = await c.search({ resourceType: 'Condition', searchParams: { patient: grace.id, _count: 1 } });
  assert.equal(page.total, 4);
  while (page) {
    for (const e of page.entry ?? []) seen.add(e.resource.id);
    page = c.nextPage({ bundle: page }) && (await c.nextPage({ bundle: page }));
  }
  assert.equal(seen.size, 4);
  // The imported Synthea patient has their encounters and vital signs.
  const lucien = (await c.search({ resourceType: 'Patient', searchParams: { name: 'Lucien408' } })).entry[0].resource;
  assert.equal((await c.search({ resourceType: 'Encounter', searchParams: { patient: lucien.id } })).total, 60);
});

test('a FHIR client pages through appointments filtered by date and status', async () => {
  const c = client();
  let page = await c.search({ resourceType: 'Appointment', searchParams: { date: ['ge2031-03-01', 'le2031-03-06'], _count: 2 } });
  assert.equal(page.total, 6);
  const statuses = [];
  while (page) {
    for (const e of page.entry ?? []) statuses.push(e.resource.status);
    page = c.nextPage({ bundle: page }) && (await c.nextPage({ bundle: page }));
  }
  assert.deepEqual(statuses, ['booked', 'arrived', 'arrived', 'fulfilled', 'cancelled', 'noshow']);
  const arrived = await c.search({ resourceType: 'Appointment', searchParams: { status: 'arrived' } });
  assert.equal(arrived.total, 2);
  // The doctor is a Practitioner, and the appointments can be found through them.
  const doctors = await c.search({ resourceType: 'Practitioner', searchParams: { name: 'grey' } });
  assert.equal(doctors.total, 1);
  const theirs = await c.search({ resourceType: 'Appointment', searchParams: { practitioner: `Practitioner/${doctors.entry[0].resource.id}` } });
  assert.equal(theirs.total, 6);
});
