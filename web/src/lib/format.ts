// Dates and times as people in the clinic read them. Every time the UI shows or
// reads is on the clinic's clock (HMS_TIMEZONE, from GET /api/clinic), whatever
// the browser's zone: a receptionist in Berlin looking at a New York clinic sees
// 09:00 for a 09:00 appointment. Calendar dates (YYYY-MM-DD) carry no zone; they
// are computed in UTC so that the browser's daylight-saving changes never shift them.

const pad = (n: number) => String(n).padStart(2, '0');

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

let zone = browserZone();
let formatters: ReturnType<typeof makeFormatters> | null = null;

/** Sets the zone every time is shown and read in; the session calls it once it knows. */
export function setClinicZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
  } catch {
    return; // an unknown name keeps the zone there is
  }
  zone = timeZone;
  formatters = null;
}

/** The clinic's IANA time zone (the browser's until the server has said). */
export function clinicZone(): string {
  return zone;
}

// One clock everywhere: 24-hour HH:MM.
function makeFormatters() {
  return {
    parts: new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }),
    time: new Intl.DateTimeFormat(undefined, { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }),
    timeSeconds: new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }),
    date: new Intl.DateTimeFormat(undefined, { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' }),
  };
}

function fmt() {
  formatters ??= makeFormatters();
  return formatters;
}

// Calendar dates: formatted at UTC midnight, so no zone can move them to another day.
const dateFmt = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
const longDayFmt = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What the clinic's clocks show at instant d. */
function wallClock(d: Date): WallClock {
  const v: Record<string, number> = {};
  for (const p of fmt().parts.formatToParts(d)) {
    if (p.type !== 'literal') v[p.type] = Number(p.value);
  }
  return { year: v.year, month: v.month, day: v.day, hour: v.hour % 24, minute: v.minute, second: v.second };
}

/** YYYY-MM-DD of an instant on the clinic's calendar. */
export function isoDate(d: Date): string {
  const w = wallClock(d);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** HH:MM of an instant on the clinic's clock. */
export function isoTime(d: Date): string {
  const w = wallClock(d);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** The clinic's date now. */
export function today(): string {
  return isoDate(new Date());
}

/** Minutes after the clinic's midnight of an instant (for placing it on a day's grid). */
export function minutesOfDay(value: string | Date): number {
  const w = wallClock(typeof value === 'string' ? new Date(value) : value);
  return w.hour * 60 + w.minute;
}

/** Parses YYYY-MM-DD as a calendar day: a Date at UTC midnight, or null. */
export function parseDate(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    return null;
  }
  return d;
}

const calendarDate = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

export function addDays(date: string, days: number): string {
  const d = parseDate(date) ?? parseDate(today())!;
  d.setUTCDate(d.getUTCDate() + days);
  return calendarDate(d);
}

/** The Monday of the week holding date. */
export function startOfWeek(date: string): string {
  const d = parseDate(date) ?? parseDate(today())!;
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return calendarDate(d);
}

/** The instant at which the clinic's clocks show date and time (HH:MM). */
export function clinicInstant(date: string, time: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const asUTC = Date.UTC(y, mo - 1, d, h, mi);
  // The zone's offset at a guess, then at the corrected instant (they differ only
  // across a daylight-saving change).
  const offsetAt = (t: number) => {
    const w = wallClock(new Date(t));
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
  };
  let t = asUTC - offsetAt(asUTC);
  t = asUTC - offsetAt(t);
  return new Date(t);
}

/** A date and time on the clinic's clock as RFC 3339 with the clinic's offset then. */
export function toRFC3339(date: string, time: string): string {
  const instant = clinicInstant(date, time);
  const w = wallClock(instant);
  const offset = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - instant.getTime()) / 60000);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${isoDate(instant)}T${isoTime(instant)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "3 Mar 1990" for a YYYY-MM-DD date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const d = parseDate(value.slice(0, 10));
  return d ? dateFmt.format(d) : value;
}

/** "1 Dec 2026, 09:00" on the clinic's clock. */
export function formatDateTime(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${fmt().date.format(d)}, ${fmt().time.format(d)}`;
}

/** "1 Dec 2026, 09:00:05" on the clinic's clock, for the audit log. */
export function formatDateTimeSeconds(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${fmt().date.format(d)}, ${fmt().timeSeconds.format(d)}`;
}

/** "09:00" on the clinic's clock. */
export function formatTime(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : fmt().time.format(d);
}

export function formatWeekday(date: string): string {
  const d = parseDate(date);
  return d ? weekdayFmt.format(d) : date;
}

export function formatLongDay(date: string): string {
  const d = parseDate(date);
  return d ? longDayFmt.format(d) : date;
}

/** "5 min", "1 h 20 min": how long ago since was, for those waiting. */
export function formatWaited(since: string, now = new Date()): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 60000));
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Whole years between a YYYY-MM-DD birth date and the clinic's date now (or now). */
export function age(dateOfBirth: string, now = new Date()): number | null {
  const d = parseDate(dateOfBirth);
  const t = parseDate(isoDate(now));
  if (!d || !t) return null;
  let years = t.getUTCFullYear() - d.getUTCFullYear();
  const m = t.getUTCMonth() - d.getUTCMonth();
  if (m < 0 || (m === 0 && t.getUTCDate() < d.getUTCDate())) years--;
  return years;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat().format(n);
}

export const STATUS_LABELS: Record<string, string> = {
  scheduled: 'Scheduled',
  checked_in: 'Checked in',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

/** A patient's gender as the UI shows it ("Female"), or "—" when not recorded. */
export function genderLabel(gender: string | null | undefined): string {
  if (!gender) return '—';
  return gender.charAt(0).toUpperCase() + gender.slice(1);
}

/** The tel: link of a phone number: its digits, with a leading + kept. */
export function telHref(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  return `tel:${phone.trim().startsWith('+') ? '+' : ''}${digits}`;
}

/** The mailto: link of an email address. */
export function mailtoHref(email: string): string {
  return `mailto:${encodeURIComponent(email.trim()).replace(/%40/g, '@')}`;
}

/** How long to wait, from a Retry-After in seconds: "30 s" under a minute, else whole minutes up. */
export function formatRetryAfter(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} s`;
  return `${Math.ceil(seconds / 60)} min`;
}
