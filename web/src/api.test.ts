import { describe, expect, it, vi } from 'vitest';
import { api, ApiError, dataChanged, forgetClosedBrowserSession, queryString, sessionExpired, tokens, unreachable } from './api';
import { fakeServer, list, patient, session, user as testUser } from './test/fakeServer';

describe('queryString', () => {
  it('skips empty values and encodes the rest', () => {
    expect(queryString({ q: 'Doe & Sons', limit: 20, cursor: null, status: '', from: undefined })).toBe(
      '?q=Doe+%26+Sons&limit=20',
    );
    expect(queryString({})).toBe('');
  });
});

describe('lists', () => {
  it('unwraps the list envelope into a page', async () => {
    const server = fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')], 100000, 'abc') },
    });
    const page = await api.patients.list({ q: 'jane', limit: 20, cursor: 'xyz' });
    expect(page).toMatchObject({ count: 1, total: 100000, totalEstimated: false, nextCursor: 'abc' });
    expect(page.items[0].name).toBe('Jane Doe');
    const [req] = server.requests('GET /api/patients');
    expect(Object.fromEntries(req.query)).toEqual({ q: 'jane', limit: '20', cursor: 'xyz' });
  });

  it('reads an old-style envelope without total or cursor', async () => {
    fakeServer({ 'GET /api/appointments': { body: { success: true, data: [], count: 0 } } });
    expect(await api.appointments.list()).toEqual({ items: [], count: 0, total: 0, totalEstimated: false, nextCursor: null });
  });

  it('says when the total is an estimate', async () => {
    fakeServer({ 'GET /api/patients': { body: { ...list([patient(1, 'Jane Doe')], 8309, 'abc'), total_estimated: true } } });
    expect(await api.patients.list({ q: 'garc' })).toMatchObject({ total: 8309, totalEstimated: true });
  });

  it('sends appointment filters', async () => {
    const server = fakeServer();
    await api.appointments.list({ doctor_name: 'Dr. Weber', status: 'cancelled', from: '2030-01-01', to: '2030-01-07' });
    const [req] = server.requests('GET /api/appointments');
    expect(req.query.get('doctor_name')).toBe('Dr. Weber');
    expect(req.query.get('status')).toBe('cancelled');
    expect(req.query.get('to')).toBe('2030-01-07');
  });
});

describe('errors', () => {
  it('turns the error envelope into ApiError with field messages', async () => {
    fakeServer({
      'POST /api/patients': {
        status: 400,
        body: { success: false, error: 'email: must be a valid email address', fields: { email: 'must be a valid email address' } },
      },
    });
    const err = await api.patients.create({ name: 'X', email: 'bad', date_of_birth: '1990-01-01' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.fields).toEqual({ email: 'must be a valid email address' });
    expect(err.message).toBe('email: must be a valid email address');
  });

  it('gives a readable message when the body is not the envelope', async () => {
    fakeServer({ 'GET /api/patients/9': { status: 502, body: undefined } });
    const err = await api.patients.get(9).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/server ran into a problem/);
  });

  it('reports an unreachable server with status 0 and an event', async () => {
    const server = fakeServer();
    server.setDown(true);
    const seen = vi.fn();
    const off = unreachable.subscribe(seen);
    const err = await api.patients.list().catch((e) => e);
    off();
    expect(err).toBeInstanceOf(ApiError);
    expect(err.unreachable).toBe(true);
    expect(seen).toHaveBeenCalled();
  });

  it('keeps Retry-After of a throttled login', async () => {
    fakeServer({
      'POST /api/auth/login': { status: 429, body: { success: false, error: 'too many attempts' }, headers: { 'Retry-After': '120' } },
    });
    const err = await api.auth.login('a@b.c', 'x').catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(120);
  });

  it('treats a missing /api/doctors as no doctors', async () => {
    fakeServer();
    expect(await api.doctors.list()).toEqual([]);
  });

  it('keeps the whole error body, e.g. the times of a double booking', async () => {
    const conflict = { appointment_id: 1, start: '2030-01-07T09:00:00Z', end: '2030-01-07T09:30:00Z' };
    fakeServer({
      'POST /api/appointments': { status: 409, body: { success: false, error: 'the doctor already has an appointment', conflict } },
    });
    const err = await api.appointments
      .create({ patient_id: 1, doctor_name: 'Dr. X', appointment_datetime: '2030-01-07T09:15' })
      .catch((e) => e);
    expect(err.body.conflict).toEqual(conflict);
  });

  it('returns the warnings of a created patient', async () => {
    const warnings = [{ type: 'possible_duplicate', patient_id: 1, message: 'an active patient with the same name exists' }];
    fakeServer({ 'POST /api/patients': { status: 201, body: { success: true, data: patient(2, 'Jane Doe'), warnings } } });
    const created = await api.patients.create({ name: 'Jane Doe', email: 'j@e.com', date_of_birth: '1985-04-12' });
    expect(created.patient.id).toBe(2);
    expect(created.warnings).toEqual(warnings);
  });
});

describe('health', () => {
  it('is online on 200 and offline when unreachable, never throwing', async () => {
    const server = fakeServer();
    expect(await api.health()).toBe('online');
    server.setDown(true);
    expect(await api.health()).toBe('offline');
  });
});

describe('session tokens', () => {
  it('outlive a reload and a new tab, but not a closed browser', () => {
    tokens.set('access', 'refresh');
    forgetClosedBrowserSession(); // a reload, or another tab: the browser stayed open
    expect(api.auth.hasSession()).toBe(true);
    // The browser was closed: its session cookie is gone, the tokens in localStorage are not.
    document.cookie = 'hms_open=; Max-Age=0; Path=/';
    forgetClosedBrowserSession();
    expect(api.auth.hasSession()).toBe(false);
    expect(localStorage.getItem('hms.access_token')).toBeNull();
  });

  it('login stores the tokens and later calls send the bearer token', async () => {
    const server = fakeServer({ 'POST /api/auth/login': { body: session('admin', 'A1', 'R1') } });
    const result = await api.auth.login('admin@clinic.test', 'correct horse battery');
    expect('user' in result && result.user.role).toBe('admin');
    expect(tokens.access()).toBe('A1');
    await api.patients.list();
    expect(server.requests('GET /api/patients')[0].headers.Authorization).toBe('Bearer A1');
    expect(server.requests('POST /api/auth/login')[0].headers.Authorization).toBeUndefined();
  });

  it('a password that needs a second factor keeps no tokens; the code step sends its own token', async () => {
    tokens.clear();
    const server = fakeServer({
      'GET /api/auth/me': { body: { success: true, data: testUser('doctor') } },
      'POST /api/auth/login': { body: { success: true, data: { mfa_required: 'code', mfa_token: 'M1', expires_in: 300 } } },
      'POST /api/auth/mfa/verify': { body: session('doctor', 'A2', 'R2') },
    });
    const result = await api.auth.login('doc@clinic.test', 'correct horse battery');
    expect(result).toEqual({ step: 'code', token: 'M1' });
    expect(tokens.access()).toBeNull();
    const user = await api.auth.verifyMfa('M1', '123456');
    expect(user.role).toBe('doctor');
    expect(server.requests('POST /api/auth/mfa/verify')[0].headers.Authorization).toBe('Bearer M1');
    expect(server.requests('POST /api/auth/mfa/verify')[0].body).toEqual({ code: '123456' });
    expect(tokens.access()).toBe('A2');
  });

  it('a wrong password is an error, not an expired session', async () => {
    fakeServer({ 'POST /api/auth/login': { status: 401, body: { success: false, error: 'invalid email or password' } } });
    const expired = vi.fn();
    const off = sessionExpired.subscribe(expired);
    await expect(api.auth.login('a@b.c', 'nope')).rejects.toMatchObject({ status: 401 });
    off();
    expect(expired).not.toHaveBeenCalled();
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    tokens.set('old', 'R1');
    const server = fakeServer({
      'GET /api/patients': (req) =>
        req.headers.Authorization === 'Bearer new'
          ? { body: list([patient(1, 'Jane Doe')]) }
          : { status: 401, body: { success: false, error: 'token expired' } },
      'POST /api/auth/refresh': { body: session('doctor', 'new', 'R2') },
    });
    const [a, b] = await Promise.all([api.patients.list(), api.patients.list()]);
    expect(a.items).toHaveLength(1);
    expect(b.items).toHaveLength(1);
    expect(server.requests('POST /api/auth/refresh')).toHaveLength(1);
    expect(server.requests('POST /api/auth/refresh')[0].body).toEqual({ refresh_token: 'R1' });
    expect(tokens.refresh()).toBe('R2');
  });

  it('clears the tokens and announces an expired session when refresh fails', async () => {
    tokens.set('old', 'R1');
    fakeServer({
      'GET /api/patients': { status: 401, body: { success: false, error: 'token expired' } },
      'POST /api/auth/refresh': { status: 401, body: { success: false, error: 'refresh token revoked' } },
    });
    const expired = vi.fn();
    const off = sessionExpired.subscribe(expired);
    await expect(api.patients.list()).rejects.toMatchObject({ status: 401 });
    off();
    expect(expired).toHaveBeenCalledTimes(1);
    expect(tokens.access()).toBeNull();
    expect(tokens.refresh()).toBeNull();
  });

  it('logout revokes the refresh token and forgets both', async () => {
    tokens.set('A', 'R');
    const server = fakeServer({ 'POST /api/auth/logout': { body: { success: true } } });
    await api.auth.logout();
    expect(server.requests('POST /api/auth/logout')[0].body).toEqual({ refresh_token: 'R' });
    expect(tokens.access()).toBeNull();
  });
});

describe('writes', () => {
  it('announce a change after success only', async () => {
    fakeServer({
      'DELETE /api/patients/1': { body: { success: true, message: 'patient deleted' } },
      'DELETE /api/patients/2': { status: 404, body: { success: false, error: 'patient 2 not found' } },
    });
    const changed = vi.fn();
    const off = dataChanged.subscribe(changed);
    await api.patients.remove(1);
    await api.patients.remove(2).catch(() => {});
    off();
    expect(changed).toHaveBeenCalledTimes(1);
    expect(changed).toHaveBeenCalledWith('/api/patients/1');
  });

  it('sends JSON bodies with the content type', async () => {
    const server = fakeServer({ 'PUT /api/appointments/5': { body: { success: true, data: {} } } });
    await api.appointments.update(5, { status: 'cancelled' });
    const [req] = server.requests('PUT /api/appointments/5');
    expect(req.headers['Content-Type']).toBe('application/json');
    expect(req.body).toEqual({ status: 'cancelled' });
  });
});
