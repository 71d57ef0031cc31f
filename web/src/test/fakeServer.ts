// A fake HMS server behind a stubbed fetch: tests declare the answers per
// "METHOD /path" and read back the requests the app sent.
import { vi } from 'vitest';
import type { Patient, Permission } from '../api';
// What GET /api/auth/me answers for each role; a Go test (TestMeSaysWhatTheRoleMayDo) holds it to the server.
import permissions from './permissions.json';

export interface SentRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = Reply | ((req: SentRequest) => Reply | Promise<Reply>);

export function fakeServer(routes: Record<string, Handler> = {}) {
  const sent: SentRequest[] = [];
  let down = false;

  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers as Record<string, string>) ?? {}));
    const req: SentRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(req);
    if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    if (down) throw new TypeError('Failed to fetch');
    const handler = routes[`${method} ${url.pathname}`] ?? defaults(method, url.pathname);
    const reply = typeof handler === 'function' ? await handler(req) : handler;
    const status = reply.status ?? 200;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status,
      headers: { 'Content-Type': 'application/json', ...reply.headers },
    });
  });

  vi.stubGlobal('fetch', fetchMock);

  return {
    sent,
    fetch: fetchMock,
    /** Replaces or adds an answer. */
    on(route: string, handler: Handler) {
      routes[route] = handler;
    },
    /** Makes every request fail as if the server were gone. */
    setDown(value: boolean) {
      down = value;
    },
    requests(route: string) {
      const [method, path] = route.split(' ');
      return sent.filter((r) => r.method === method && r.path === path);
    },
  };
}

/** Answers for what the shell always asks: health, an admin signed in (setup.ts stores tokens), empty lists. */
function defaults(method: string, path: string): Reply {
  if (path === '/health') return { body: { status: 'healthy' } };
  if (path === '/api/auth/me') return { body: { success: true, data: user('admin') } };
  if (path === '/api/clinic') return { body: { success: true, data: clinic() } };
  if (path === '/api/doctors') return { status: 404, body: { success: false, error: 'not found' } };
  if (method === 'GET' && path === '/api/patients/matches') return { body: { success: true, data: [], count: 0 } };
  if (method === 'GET' && (path === '/api/patients' || path === '/api/appointments' || path === '/api/audit' || path === '/api/users')) {
    return { body: list([]) };
  }
  return { status: 404, body: { success: false, error: `no fake for ${method} ${path}` } };
}

/** The fake clinic's zone: far from the test process's own (setup.ts), so that a time
 * shown in the browser's zone instead of the clinic's fails the tests. */
export const CLINIC_ZONE = 'America/New_York';

export function clinic() {
  return { time_zone: CLINIC_ZONE, today: '2030-01-07', now: '2030-01-07T09:00:00-05:00' };
}

export function list<T>(items: T[], total = items.length, next: string | null = null) {
  return { success: true, data: items, count: items.length, total, next_cursor: next };
}

/** A patient as the server answers it (the generated Patient type holds it to the document). */
export function patient(id: number, name: string, extra: Partial<Patient> = {}): Patient {
  return {
    id,
    mrn: `HMS-${String(id).padStart(6, '0')}`,
    name,
    email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
    date_of_birth: '1980-05-17',
    phone: null,
    address: null,
    blood_group: null,
    gender: null,
    active: true,
    version: 1,
    created_at: '2026-01-02T10:00:00Z',
    updated_at: '2026-01-02T10:00:00Z',
    ...extra,
  };
}

export function appointment(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    patient_id: 1,
    patient_name: 'Jane Doe',
    doctor_name: 'Dr. Ana Weber',
    appointment_datetime: '2030-01-07T09:30:00Z',
    status: 'scheduled',
    reason: 'Check-up',
    notes: null,
    created_at: '2026-01-02T10:00:00Z',
    updated_at: '2026-01-02T10:00:00Z',
    ...extra,
  };
}

export const user = (role: 'admin' | 'doctor' | 'nurse' | 'staff', extra: Record<string, unknown> = {}) => ({
  id: { admin: 1, doctor: 2, staff: 3, nurse: 4 }[role],
  email: `${role}@clinic.test`,
  name: `${role[0].toUpperCase()}${role.slice(1)} User`,
  role,
  permissions: permissions[role] as Permission[],
  ...extra,
});

export function session(role: 'admin' | 'doctor' | 'staff', access = 'access-1', refresh = 'refresh-1') {
  return {
    success: true,
    data: { access_token: access, token_type: 'Bearer', expires_in: 3600, refresh_token: refresh, user: user(role) },
  };
}
