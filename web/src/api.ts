// The typed client for the HMS JSON API. Every request the UI makes goes through
// this module: it adds the bearer token, refreshes an expired session once, turns
// the server's error envelope into ApiError and unwraps list envelopes into pages.
// The types of what the server answers come from its OpenAPI document (api.gen.ts).
import type { components, operations } from './api.gen';

type Schemas = components['schemas'];

export const BLOOD_GROUPS = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'] as const;
export type BloodGroup = (typeof BLOOD_GROUPS)[number];

/** FHIR's administrative genders, the values of a patient's gender. */
export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export const APPOINTMENT_STATUSES = [
  'scheduled',
  'checked_in',
  'in_progress',
  'completed',
  'cancelled',
  'no_show',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export const ROLES = ['admin', 'doctor', 'nurse', 'staff'] as const;
export type Role = (typeof ROLES)[number];

/** A patient; blood_group is clinical data, absent for staff. */
export type Patient = Schemas['Patient'];

/** What a merge did: both patients as they are now, and the rows moved, by table. */
export type MergeResult = Schemas['PatientMerged']['data'];

/** A note the server adds to a successful create, e.g. a possible duplicate patient. */
export type Warning = Schemas['Warning'];

export interface PatientInput {
  name: string;
  email: string;
  date_of_birth: string;
  phone?: string | null;
  address?: string | null;
  blood_group?: BloodGroup | null;
  gender?: Gender | null;
}

export type Appointment = Schemas['Appointment'];

export interface AppointmentInput {
  patient_id: number;
  /** doctor_id, or doctor_name for the original API's clients. */
  doctor_id?: number;
  doctor_name?: string;
  /** Required unless walk_in. */
  appointment_datetime?: string;
  duration_minutes?: number;
  reason?: string;
  /** Book the doctor's first free moment from now and check the patient in at once. */
  walk_in?: boolean;
  /** Book a series: this appointment and its repetitions, as a whole or not at all. */
  recurrence?: Recurrence;
}

export type Frequency = 'daily' | 'weekly' | 'monthly';

export type Recurrence = Schemas['Recurrence'];

/** Which occurrences of a series a cancel or a move applies to. */
export type SeriesScope = 'this' | 'following' | 'series';

/** One occurrence of a series that could not be booked or moved, from a 409. */
export interface SeriesConflict {
  occurrence: number;
  start: string;
  end: string;
  with: string;
  appointment_id?: number;
}

export type AppointmentUpdate = Schemas['AppointmentUpdate'];

/** A doctor; working_hours maps a weekday ("mon" … "sun") to intervals in the clinic's zone, [] a day off. */
export type Doctor = Schemas['Doctor'];
export type DoctorUpdate = Schemas['DoctorUpdate'];
export type WorkingHours = Schemas['WorkingHours'];

/** Free start times of a doctor on one day, from GET /api/doctors/{id}/availability. */
export type Availability = Schemas['Availability'];

export interface AppointmentFilter {
  patient_id?: number;
  doctor_id?: number;
  doctor_name?: string;
  status?: AppointmentStatus | '';
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
}

export type MedicalRecord = Schemas['MedicalRecord'];

/** One version of a medical record, as written and by whom. */
export type RecordVersion = Schemas['RecordVersion'];

export interface RecordInput {
  patient_id: number;
  /** The visit the record belongs to (not signed). */
  visit_id?: number;
  diagnosis: string;
  doctor_name: string;
  prescription?: string;
  record_date?: string;
  notes?: string;
}

// ---- the chart ----------------------------------------------------------------------

export type VisitStatus = 'open' | 'closed' | 'cancelled';

export interface VisitNote {
  reason: string | null;
  findings: string | null;
  assessment: string | null;
  plan: string | null;
}

export type VisitAddendum = Schemas['VisitAddendum'];

export type Visit = Schemas['Visit'];

export type VisitVersion = Schemas['VisitVersion'];

export const VITAL_KINDS = [
  'blood_pressure',
  'heart_rate',
  'respiratory_rate',
  'temperature',
  'oxygen_saturation',
  'weight',
  'height',
  'bmi',
] as const;
export type VitalKind = (typeof VITAL_KINDS)[number];

export type VitalSign = Schemas['VitalSign'];

export interface VitalsInput {
  visit_id?: number;
  taken_at?: string;
  systolic?: number;
  diastolic?: number;
  heart_rate?: number;
  respiratory_rate?: number;
  temperature?: number;
  spo2?: number;
  weight?: number;
  height?: number;
}

export type VitalWarning = Schemas['VitalWarning'];

export const ALLERGY_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export const ALLERGY_CRITICALITIES = ['low', 'high', 'unable-to-assess'] as const;
export const ALLERGY_STATUSES = ['active', 'inactive', 'resolved'] as const;

export type Allergy = Schemas['Allergy'];

export interface AllergyInput {
  substance?: string;
  reaction?: string;
  severity?: string;
  criticality?: string;
  category?: string;
  clinical_status?: string;
  no_known_allergies?: boolean;
}

export const PROBLEM_STATUSES = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] as const;

export type Problem = Schemas['Problem'];

export interface ProblemInput {
  description?: string;
  clinical_status?: string;
  onset_date?: string;
  abatement_date?: string;
  visit_id?: number;
}

export type Medication = Schemas['Medication'];

/** The signed-in user and what their role may do (GET /api/auth/me). */
export type User = Schemas['SignedInUser'];
/** One of the names of what a role may do, as the server derives them from its route table. */
export type Permission = User['permissions'][number];

export type ManagedUser = Schemas['User'];

/** One signed-in session of the user, as GET /api/auth/sessions lists it. */
export type SignedInSession = Schemas['SignedInSession'];

export interface UserInput {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export type UserUpdate = Schemas['UserUpdate'];

export type AuditEvent = Schemas['AuditEvent'];
/** The actions the audit trail records, as the filter of GET /api/audit accepts them. */
export type AuditAction = NonNullable<NonNullable<operations['listAudit']['parameters']['query']>['action']>;
/** Every audit action, for the audit log's choice; `satisfies` keeps it equal to the document's list. */
export const AUDIT_ACTIONS = [
  'read',
  'create',
  'update',
  'delete',
  'denied',
  'login',
  'login_failed',
  'logout',
  'refresh',
  'refresh_reuse',
  'password_change',
  'password_reset',
  'purge',
  'import',
  'session_end',
  'merge',
  'restore',
  'sso_login',
  'sso_denied',
  'mfa_enrol',
  'mfa_disable',
  'mfa_reset',
  'emergency_access',
  'emergency_read',
] as const satisfies readonly AuditAction[];
// Fails to compile when the document gains an action this list lacks.
const auditActionsComplete: Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]> extends never ? true : never = true;
void auditActionsComplete;

/** One appointment message on one channel (GET /api/appointments/{id}/notifications). */
export type Notification = Schemas['Notification'];

export interface OutboxFilter {
  status?: string;
  limit?: number;
  before?: number;
}

export interface AuditFilter {
  user_id?: string;
  patient_id?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
}

/** The clinic's clock, from GET /api/clinic. */
export type Clinic = Schemas['Clinic'];

/** What the sign-in screen offers, from GET /api/auth/methods. */
export type SignInMethods = Schemas['SignInMethods'];

export type Session = Schemas['Session'];

/** What a right password answers when the sign-in needs its second factor. */
export type MfaChallenge = Schemas['MFAChallenge'];

/** A doctor's declared emergency: one patient's chart, outside their care team, for an hour. */
export type EmergencyAccess = Schemas['EmergencyAccess'];

/** A sign-in: done (user), or its second step. */
export type LoginResult = { user: User } | { step: 'code' | 'enrolment'; token: string };

/** The signed-in user's two-factor sign-in, as GET /api/auth/mfa answers it. */
export type MfaStatus = Schemas['MFAStatus'];

/** A new authenticator secret, shown once: as text, as an otpauth:// URI and as a QR code. */
export type MfaEnrolment = Schemas['MFAEnrolment'];

/** One page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  count: number;
  /** All matches on the server, not only this page. */
  total: number;
  /** The total is an estimate: more matches than the server counts one by one. */
  totalEstimated: boolean;
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A failed request: the HTTP status (0 when the server could not be reached), the
 * server's message, per-field validation messages and, for throttling, Retry-After. */
export class ApiError extends Error {
  readonly status: number;
  readonly fields: Record<string, string>;
  readonly retryAfter: number | null;
  /** The whole error body, for extras such as a booking conflict's times. */
  readonly body: Record<string, unknown>;

  constructor(
    status: number,
    message: string,
    fields: Record<string, string> = {},
    retryAfter: number | null = null,
    body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.body = body;
  }

  /** The server did not answer at all (down, or the network is gone). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

const UNREACHABLE = 'Cannot reach the HMS server. Check that it is running and try again.';

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Please sign in.';
    case 403:
      return 'Your role does not allow this.';
    case 404:
      return 'Not found.';
    case 409:
      return 'This conflicts with existing data.';
    case 429:
      return 'Too many attempts. Please wait and try again.';
    default:
      return status >= 500 ? 'The server ran into a problem. Please try again.' : `Request failed (HTTP ${status}).`;
  }
}

// ---- session tokens -------------------------------------------------------------
// Tokens live in localStorage, shared by the tabs of this browser: a patient opened in a new
// tab is signed in too. They are never written anywhere else, and signing out in one tab
// signs out all of them. The server's rules are unchanged (a short access token, a refresh
// token that is spent on use, reuse revoking the session): the tabs take turns to refresh
// under one Web Lock, and a tab that waited finds the pair another tab got instead of
// spending the old token a second time, which would end the session for all of them.
// Under the lock the pair is read from IndexedDB, whose transactions every tab sees in
// order: another tab's copy of localStorage may lag behind a write.

const ACCESS_KEY = 'hms.access_token';
const REFRESH_KEY = 'hms.refresh_token';
// A cookie without an expiry marks that the browser has stayed open since the sign-in:
// localStorage outlives the browser, the cookie does not, so closing the browser on a shared
// front-desk computer signs its user out (see forgetClosedBrowserSession).
const OPEN_MARK = 'hms_open=1';

export const tokens = {
  access(): string | null {
    return localStorage.getItem(ACCESS_KEY);
  },
  refresh(): string | null {
    return localStorage.getItem(REFRESH_KEY);
  },
  set(access: string, refresh: string): void {
    localStorage.setItem(ACCESS_KEY, access);
    localStorage.setItem(REFRESH_KEY, refresh);
    document.cookie = `${OPEN_MARK}; Path=/; SameSite=Strict`;
  },
  clear(): void {
    localStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(REFRESH_KEY);
    document.cookie = 'hms_open=; Max-Age=0; Path=/; SameSite=Strict';
  },
};

// ---- events the shell listens to ----------------------------------------------

type Listener<T> = (value: T) => void;

function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    subscribe(fn: Listener<T>): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit(value: T): void {
      for (const fn of [...listeners]) fn(value);
    },
  };
}

/** Fires when a request got 401 and the session could not be refreshed. */
export const sessionExpired = emitter<void>();
/** Fires with the number of requests in flight whenever it changes. */
export const inFlight = emitter<number>();
/** Fires when a request could not reach the server at all. */
export const unreachable = emitter<void>();
/** Fires after any successful write, so counts and lists can refresh. */
export const dataChanged = emitter<string>();

let pending = 0;
function track(delta: number) {
  pending += delta;
  inFlight.emit(pending);
}

// ---- transport ------------------------------------------------------------------

type Query = Record<string, string | number | null | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** false for the login and refresh calls: a 401 there is an answer, not an expired session. */
  auth?: boolean;
  /** The token of a sign-in's second step, sent instead of the access token (implies auth: false). */
  bearer?: string;
}

export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function send(method: string, url: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const access = opts.bearer ?? (opts.auth !== false ? tokens.access() : null);
  if (access) headers.Authorization = `Bearer ${access}`;
  track(1);
  try {
    return await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    unreachable.emit();
    throw new ApiError(0, UNREACHABLE);
  } finally {
    track(-1);
  }
}

async function decode<T>(res: Response): Promise<T> {
  let body: unknown = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, 'The server sent a response the app could not read.');
    }
  }
  const envelope = (body ?? {}) as { success?: boolean; error?: unknown; fields?: unknown };
  if (!res.ok || envelope.success === false) {
    const retry = Number(res.headers.get('Retry-After'));
    throw new ApiError(
      res.status,
      typeof envelope.error === 'string' && envelope.error ? envelope.error : defaultMessage(res.status),
      envelope.fields && typeof envelope.fields === 'object' ? (envelope.fields as Record<string, string>) : {},
      Number.isFinite(retry) && retry > 0 ? retry : null,
      envelope as Record<string, unknown>,
    );
  }
  return body as T;
}

let refreshing: Promise<boolean> | null = null;

interface Pair {
  access: string;
  refresh: string;
}

/** The session's pair as every tab of the browser sees it: IndexedDB where the browser has it. */
const sharedPair = {
  db: null as Promise<IDBDatabase | null> | null,
  open(): Promise<IDBDatabase | null> {
    if (typeof indexedDB === 'undefined') return Promise.resolve(null);
    this.db ??= new Promise((resolve) => {
      const req = indexedDB.open('hms', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('session');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    });
    return this.db;
  },
  async run<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
    const db = await this.open();
    if (!db) return undefined;
    return new Promise((resolve, reject) => {
      const tx = db.transaction('session', mode);
      const req = fn(tx.objectStore('session'));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  },
  /** The pair, or undefined where there is no IndexedDB (then localStorage is all there is). */
  async get(): Promise<Pair | null | undefined> {
    if (!(await this.open())) return undefined;
    return ((await this.run('readonly', (s) => s.get('pair') as IDBRequest<Pair | undefined>)) ?? null) as Pair | null;
  },
  /** Stores the pair (null: signed out), committed when it resolves. */
  async set(pair: Pair | null): Promise<void> {
    await this.run('readwrite', (s) => {
      if (pair) s.put(pair, 'pair');
      else s.delete('pair');
    }).catch(() => {});
  },
};

/**
 * Forgets tokens left from before the browser was closed: they are in localStorage, but the
 * browser-session cookie that tokens.set wrote is gone. Run once, as the app loads.
 */
export function forgetClosedBrowserSession(): void {
  if (tokens.refresh() === null || document.cookie.split('; ').includes(OPEN_MARK)) return;
  tokens.clear();
  void sharedPair.set(null);
}

/** Runs fn holding the browser-wide refresh lock, where the browser has Web Locks. */
function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('hms.refresh', fn) : fn();
}

/**
 * Trades the refresh token for a new pair, once for any number of concurrent 401s in this
 * tab, and one tab at a time: a tab that finds the token changed while it waited for the
 * lock uses the pair another tab got.
 */
function refreshSession(): Promise<boolean> {
  const spent = tokens.refresh();
  if (!spent) return Promise.resolve(false);
  refreshing ??= withRefreshLock(async () => {
    const shared = await sharedPair.get().catch(() => undefined);
    if (shared !== undefined) {
      if (shared === null) return false; // signed out in another tab
      if (shared.refresh !== spent) {
        tokens.set(shared.access, shared.refresh); // another tab refreshed
        return true;
      }
    }
    const refresh = tokens.refresh();
    if (!refresh) return false;
    if (refresh !== spent) return true;
    try {
      const res = await send('POST', '/api/auth/refresh', { body: { refresh_token: refresh }, auth: false });
      const { data } = await decode<{ data: Session }>(res);
      // Committed for the other tabs before the lock is let go.
      await sharedPair.set({ access: data.access_token, refresh: data.refresh_token });
      tokens.set(data.access_token, data.refresh_token);
      return true;
    } catch {
      return false;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  if (opts.bearer) opts = { ...opts, auth: false };
  const url = path + queryString(opts.query);
  let res = await send(method, url, opts);
  if (res.status === 401 && opts.auth !== false && tokens.refresh()) {
    if (await refreshSession()) res = await send(method, url, opts);
  }
  if (res.status === 401 && opts.auth !== false) {
    tokens.clear();
    void sharedPair.set(null);
    sessionExpired.emit();
  }
  const body = await decode<T>(res);
  if (method !== 'GET' && !path.startsWith('/api/auth/')) dataChanged.emit(path);
  return body;
}

interface ListEnvelope<T> {
  data: T[];
  count?: number;
  total?: number;
  total_estimated?: boolean;
  next_cursor?: string | null;
}

function toPage<T>(body: ListEnvelope<T>): Page<T> {
  const items = Array.isArray(body.data) ? body.data : [];
  return {
    items,
    count: body.count ?? items.length,
    total: body.total ?? body.count ?? items.length,
    totalEstimated: body.total_estimated === true,
    nextCursor: body.next_cursor || null,
  };
}

/** Keeps the tokens of a completed sign-in (for this tab and the others) and answers who is signed in. */
async function keepSession(session: Session): Promise<User> {
  tokens.set(session.access_token, session.refresh_token);
  await sharedPair.set({ access: session.access_token, refresh: session.refresh_token });
  // The permissions come with who is signed in, not with the tokens.
  return data(get<{ data: User }>('/api/auth/me'));
}

const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
const data = <T>(p: Promise<{ data: T }>) => p.then((b) => b.data);

// ---- the API ----------------------------------------------------------------------

export type Health = 'online' | 'offline';

export const api = {
  /** GET /health: online when the server answers 200. Never throws. */
  async health(signal?: AbortSignal): Promise<Health> {
    try {
      const res = await fetch('/health', { headers: { Accept: 'application/json' }, signal, cache: 'no-store' });
      // Read the body to the end, so the connection is done with and free for reuse.
      const body = (await res.json().catch(() => null)) as { status?: string } | null;
      return res.ok && body?.status === 'healthy' ? 'online' : 'offline';
    } catch {
      return 'offline';
    }
  },

  patients: {
    list(params: { q?: string; limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) {
      return get<ListEnvelope<Patient>>('/api/patients', params, signal).then(toPage);
    },
    /** With includeInactive (admins only), a deactivated or merged patient too. */
    get: (id: number, signal?: AbortSignal, includeInactive = false) =>
      data(get<{ data: Patient }>(`/api/patients/${id}`, includeInactive ? { include_inactive: 'true' } : undefined, signal)),
    /** The registration form's check before it saves: who this person may already be. */
    matches: (q: { name?: string; date_of_birth?: string; phone?: string; email?: string }, signal?: AbortSignal) =>
      data(get<{ data: Patient[] }>('/api/patients/matches', q, signal)),
    /** Merges patient id into the survivor `into` (admins). */
    merge: (id: number, into: number) =>
      data(request<{ data: MergeResult }>('POST', `/api/patients/${id}/merge`, { body: { into } })),
    /** Makes a deactivated patient active again (admins). */
    restore: (id: number) => data(request<{ data: Patient }>('POST', `/api/patients/${id}/restore`)),
    async create(input: PatientInput): Promise<{ patient: Patient; warnings: Warning[] }> {
      const body = await request<{ data: Patient; warnings?: Warning[] }>('POST', '/api/patients', { body: input });
      return { patient: body.data, warnings: body.warnings ?? [] };
    },
    update: (id: number, input: Partial<PatientInput>) =>
      data(request<{ data: Patient }>('PUT', `/api/patients/${id}`, { body: input })),
    remove: (id: number) => request<{ message?: string }>('DELETE', `/api/patients/${id}`),
  },

  appointments: {
    list(filter: AppointmentFilter = {}, signal?: AbortSignal) {
      return get<ListEnvelope<Appointment>>('/api/appointments', { ...filter }, signal).then(toPage);
    },
    get: (id: number, signal?: AbortSignal) =>
      data(get<{ data: Appointment }>(`/api/appointments/${id}`, undefined, signal)),
    create: (input: AppointmentInput) =>
      data(request<{ data: Appointment }>('POST', '/api/appointments', { body: input })),
    /** Books a series; the answer holds every occurrence. */
    async createSeries(input: AppointmentInput): Promise<{ first: Appointment; appointments: Appointment[] }> {
      const body = await request<{ data: Appointment; series: { id: number; appointments: Appointment[] } }>(
        'POST',
        '/api/appointments',
        { body: input },
      );
      return { first: body.data, appointments: body.series.appointments };
    },
    update: (id: number, input: AppointmentUpdate) =>
      data(request<{ data: Appointment }>('PUT', `/api/appointments/${id}`, { body: input })),
    /** Moves this appointment, or with scope the following or all occurrences of its series. */
    move: (id: number, input: { appointment_datetime: string; duration_minutes?: number; doctor_id?: number }, scope: SeriesScope = 'this') =>
      data(
        request<{ data: Appointment }>('PUT', `/api/appointments/${id}`, {
          body: input,
          query: { scope: scope === 'this' ? undefined : scope },
        }),
      ),
    /** Cancels and hides; scope reaches the following or all occurrences of a series. */
    remove: (id: number, scope: SeriesScope = 'this') =>
      request<{ message?: string; deleted?: number[] }>('DELETE', `/api/appointments/${id}`, {
        query: { scope: scope === 'this' ? undefined : scope },
      }),
    /** Cancels a scheduled or checked-in appointment; it stays listed as cancelled. */
    cancel: (id: number) => request<{ message?: string }>('DELETE', `/api/appointments/${id}`),
  },

  records: {
    async forPatient(patientId: number, signal?: AbortSignal): Promise<{ records: MedicalRecord[]; patient: Patient }> {
      const body = await get<{ data: MedicalRecord[]; patient: Patient }>(
        `/api/patients/${patientId}/records`,
        undefined,
        signal,
      );
      return { records: body.data ?? [], patient: body.patient };
    },
    get: (id: number, signal?: AbortSignal) => data(get<{ data: MedicalRecord }>(`/api/records/${id}`, undefined, signal)),
    create: (input: RecordInput) => data(request<{ data: MedicalRecord }>('POST', '/api/records', { body: input })),
    /** Voids the record: it leaves the lists and is kept, with every version, for the audit trail. */
    remove: (id: number, reason?: string) =>
      request<{ message?: string }>('DELETE', `/api/records/${id}`, { query: { reason } }),
    /** An amendment: a new version; the earlier ones stay in the history. */
    amend: (id: number, change: { diagnosis?: string; prescription?: string | null; notes?: string | null }) =>
      data(request<{ data: MedicalRecord }>('PUT', `/api/records/${id}`, { body: change })),
    history: (id: number, signal?: AbortSignal) =>
      data(get<{ data: RecordVersion[] }>(`/api/records/${id}/history`, undefined, signal)),
  },

  visits: {
    forPatient: (patientId: number, signal?: AbortSignal) =>
      data(get<{ data: Visit[] }>(`/api/patients/${patientId}/visits`, undefined, signal)),
    get: (id: number, signal?: AbortSignal) => data(get<{ data: Visit }>(`/api/visits/${id}`, undefined, signal)),
    create: (input: { patient_id: number; appointment_id?: number; reason?: string }) =>
      data(request<{ data: Visit }>('POST', '/api/visits', { body: input })),
    updateNote: (id: number, note: Partial<VisitNote>) =>
      data(request<{ data: Visit }>('PUT', `/api/visits/${id}`, { body: note })),
    sign: (id: number) => data(request<{ data: Visit }>('POST', `/api/visits/${id}/sign`)),
    addAddendum: (id: number, text: string) =>
      data(request<{ data: Visit }>('POST', `/api/visits/${id}/addenda`, { body: { text } })),
    /** Every version of the note, oldest first, and the addenda after signing. */
    async history(id: number, signal?: AbortSignal): Promise<{ versions: VisitVersion[]; addenda: VisitAddendum[] }> {
      const body = await get<{ data: VisitVersion[]; addenda?: VisitAddendum[] }>(`/api/visits/${id}/history`, undefined, signal);
      return { versions: body.data ?? [], addenda: body.addenda ?? [] };
    },
  },

  vitals: {
    async forPatient(patientId: number, signal?: AbortSignal): Promise<{ vitals: VitalSign[]; latest: Partial<Record<VitalKind, VitalSign>> }> {
      const body = await get<{ data: VitalSign[]; latest: Partial<Record<VitalKind, VitalSign>> }>(
        `/api/patients/${patientId}/vitals`,
        undefined,
        signal,
      );
      return { vitals: body.data ?? [], latest: body.latest ?? {} };
    },
    async record(patientId: number, input: VitalsInput): Promise<{ vitals: VitalSign[]; warnings: VitalWarning[] }> {
      const body = await request<{ data: VitalSign[]; warnings?: VitalWarning[] }>('POST', `/api/patients/${patientId}/vitals`, {
        body: input,
      });
      return { vitals: body.data ?? [], warnings: body.warnings ?? [] };
    },
  },

  allergies: {
    async forPatient(patientId: number, signal?: AbortSignal): Promise<{ allergies: Allergy[]; noKnown: boolean }> {
      const body = await get<{ data: Allergy[]; no_known_allergies: boolean }>(`/api/patients/${patientId}/allergies`, undefined, signal);
      return { allergies: body.data ?? [], noKnown: body.no_known_allergies === true };
    },
    create: (patientId: number, input: AllergyInput) =>
      data(request<{ data: Allergy }>('POST', `/api/patients/${patientId}/allergies`, { body: input })),
    update: (id: number, input: AllergyInput) => data(request<{ data: Allergy }>('PUT', `/api/allergies/${id}`, { body: input })),
  },

  problems: {
    forPatient: (patientId: number, signal?: AbortSignal) =>
      data(get<{ data: Problem[] }>(`/api/patients/${patientId}/problems`, undefined, signal)),
    create: (patientId: number, input: ProblemInput) =>
      data(request<{ data: Problem }>('POST', `/api/patients/${patientId}/problems`, { body: input })),
    update: (id: number, input: ProblemInput) => data(request<{ data: Problem }>('PUT', `/api/problems/${id}`, { body: input })),
  },

  medications: {
    forPatient: (patientId: number, includeStopped = false, signal?: AbortSignal) =>
      data(
        get<{ data: Medication[] }>(
          `/api/patients/${patientId}/medications`,
          { include_stopped: includeStopped ? 'true' : undefined },
          signal,
        ),
      ),
    /** date: the day it was stopped (YYYY-MM-DD); the server takes today when it is left out. */
    stop: (recordId: number, reason: string, date?: string) =>
      data(request<{ data: Medication }>('POST', `/api/medications/${recordId}/stop`, { body: date ? { reason, date } : { reason } })),
  },

  doctors: {
    /** Active doctors; an empty list from servers that have no /api/doctors. */
    async list(signal?: AbortSignal): Promise<Doctor[]> {
      try {
        const body = await get<ListEnvelope<Doctor>>('/api/doctors', { limit: 500 }, signal);
        return toPage(body).items;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return [];
        throw err;
      }
    },
    /** Every doctor, deactivated ones too, for the admins' screen. */
    all: (signal?: AbortSignal) =>
      get<ListEnvelope<Doctor>>('/api/doctors', { limit: 500, include_inactive: 'true' }, signal).then(toPage),
    /** Changes a doctor's specialty, working hours or whether they take bookings. */
    update: (id: number, input: DoctorUpdate) => data(request<{ data: Doctor }>('PUT', `/api/doctors/${id}`, { body: input })),
    availability: (id: number, date: string, durationMinutes?: number, signal?: AbortSignal) =>
      data(
        get<{ data: Availability }>(
          `/api/doctors/${id}/availability`,
          { date, duration_minutes: durationMinutes },
          signal,
        ),
      ),
  },

  auth: {
    /** Signs in with a password: done, or the second step it needs (a code, or enrolment). */
    async login(email: string, password: string): Promise<LoginResult> {
      const { data } = await request<{ data: Session | MfaChallenge }>('POST', '/api/auth/login', {
        body: { email, password },
        auth: false,
      });
      if ('mfa_token' in data) return { step: data.mfa_required, token: data.mfa_token };
      return { user: await keepSession(data) };
    },
    /** Completes a sign-in with a code of the authenticator app or a recovery code. */
    async verifyMfa(token: string, code: string): Promise<User> {
      const { data: session } = await request<{ data: Session }>('POST', '/api/auth/mfa/verify', {
        body: { code },
        bearer: token,
      });
      return keepSession(session);
    },
    mfaStatus: (signal?: AbortSignal) => data(get<{ data: MfaStatus }>('/api/auth/mfa', undefined, signal)),
    /** Starts an enrolment: for the signed-in user, or with the enrolment token of a sign-in. */
    mfaSetup: (token?: string) =>
      data(request<{ data: MfaEnrolment }>('POST', '/api/auth/mfa/setup', { bearer: token })),
    /**
     * Confirms the enrolment with a code: the recovery codes, and, with the enrolment token
     * of a sign-in, the signed-in user (the tokens are kept).
     */
    async mfaConfirm(code: string, token?: string): Promise<{ recoveryCodes: string[]; user?: User }> {
      const { data: out } = await request<{ data: Schemas['MFAEnrolled'] }>(
        'POST',
        '/api/auth/mfa/confirm',
        { body: { code }, bearer: token },
      );
      return { recoveryCodes: out.recovery_codes, user: out.session ? await keepSession(out.session) : undefined };
    },
    mfaDisable: (code: string) => request<{ message?: string }>('POST', '/api/auth/mfa/disable', { body: { code } }),
    /** Trades the one-time code of a single sign-on (#sso=…) for the session's tokens. */
    async ssoSession(code: string): Promise<User> {
      const { data: session } = await request<{ data: Session }>('POST', '/api/auth/oidc/session', {
        body: { code },
        auth: false,
      });
      return keepSession(session);
    },
    /** Password sign-in, single sign-on, or both: what the sign-in screen shows. */
    methods: (signal?: AbortSignal) => data(get<{ data: SignInMethods }>('/api/auth/methods', undefined, signal)),
    /** Revokes the refresh token on the server (best effort) and forgets both tokens. */
    async logout(): Promise<void> {
      const refresh = tokens.refresh();
      tokens.clear();
      await sharedPair.set(null);
      if (!refresh) return;
      try {
        await request('POST', '/api/auth/logout', { body: { refresh_token: refresh }, auth: false });
      } catch {
        // The tokens are gone from this browser either way.
      }
    },
    /** The signed-in user and their permissions. */
    me: (signal?: AbortSignal) => data(get<{ data: User }>('/api/auth/me', undefined, signal)),
    /** Whether this browser holds a session to resume: without one, the app shows the login at once. */
    hasSession: () => tokens.refresh() !== null,
    /** The signed-in user's open sessions, this browser's marked current. */
    sessions: (signal?: AbortSignal) =>
      data(get<{ data: SignedInSession[] }>('/api/auth/sessions', undefined, signal)),
    /** Changes the signed-in user's password; their other sessions end. */
    changePassword: (current: string, next: string) =>
      request<{ message?: string }>('POST', '/api/auth/password', {
        body: { current_password: current, new_password: next },
      }),
    /** Ends one of the user's own sessions: its tokens stop working at once. */
    endSession: (id: string) => request<{ message?: string }>('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`),
  },

  emergency: {
    /** Declares an emergency to open a patient's chart outside the doctor's care team. */
    start: (patientId: number, reason: string) =>
      data(request<{ data: EmergencyAccess }>('POST', `/api/patients/${patientId}/emergency-access`, { body: { reason } })),
    /** Admins: the emergency accesses of the last 7 days, newest first. */
    list: (signal?: AbortSignal) => data(get<{ data: EmergencyAccess[] }>('/api/emergency-access', undefined, signal)),
  },

  /** The clinic's time zone and date. */
  clinic: (signal?: AbortSignal) => data(get<{ data: Clinic }>('/api/clinic', undefined, signal)),

  users: {
    list(params: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) {
      return get<ListEnvelope<ManagedUser>>('/api/users', params, signal).then(toPage);
    },
    create: (input: UserInput) => data(request<{ data: ManagedUser }>('POST', '/api/users', { body: input })),
    update: (id: number, input: UserUpdate) =>
      data(request<{ data: ManagedUser }>('PUT', `/api/users/${id}`, { body: input })),
    deactivate: (id: number) => request<{ message?: string }>('DELETE', `/api/users/${id}`),
    /** Ends every session of a user: they must sign in again everywhere. */
    endSessions: (id: number) => request<{ message?: string }>('DELETE', `/api/users/${id}/sessions`),
    /** Removes a user's two-factor sign-in (a lost phone); their sessions end too. */
    resetMfa: (id: number) => request<{ message?: string }>('DELETE', `/api/users/${id}/mfa`),
    /** Resets another user's password to newPassword, or to one the server makes up and answers once. */
    resetPassword: (id: number, newPassword?: string) =>
      request<Schemas['PasswordResetResult']>('POST', `/api/users/${id}/password`, {
        body: newPassword ? { new_password: newPassword } : {},
      }),
  },

  notifications: {
    forAppointment: (id: number, signal?: AbortSignal) =>
      data(get<{ data: Notification[] }>(`/api/appointments/${id}/notifications`, undefined, signal)),
    outbox: (filter: OutboxFilter = {}, signal?: AbortSignal) =>
      data(get<{ data: Notification[] }>('/api/notifications', { ...filter }, signal)),
    resend: (id: number) => data(request<{ data: Notification }>('POST', `/api/notifications/${id}/resend`)),
  },

  audit: {
    list(filter: AuditFilter = {}, signal?: AbortSignal) {
      return get<ListEnvelope<AuditEvent>>('/api/audit', { ...filter }, signal).then(toPage);
    },
  },
};
