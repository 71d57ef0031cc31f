// Dates and times as people in the clinic read them. Appointment times are shown
// and entered in the browser's time zone and sent to the server with its offset.

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of a Date in local time. */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** HH:MM of a Date in local time. */
export function isoTime(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function today(): string {
  return isoDate(new Date());
}

/** Parses YYYY-MM-DD as a local calendar day (not UTC midnight). */
export function parseDate(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (d.getFullYear() !== Number(m[1]) || d.getMonth() !== Number(m[2]) - 1 || d.getDate() !== Number(m[3])) {
    return null;
  }
  return d;
}

export function addDays(date: string, days: number): string {
  const d = parseDate(date) ?? new Date();
  d.setDate(d.getDate() + days);
  return isoDate(d);
}

/** The Monday of the week holding date. */
export function startOfWeek(date: string): string {
  const d = parseDate(date) ?? new Date();
  const shift = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - shift);
  return isoDate(d);
}

/** A local date and time from the form as RFC 3339 with the browser's offset. */
export function toRFC3339(date: string, time: string): string {
  const d = new Date(`${date}T${time}:00`);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${date}T${time}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const longDayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** "3 Mar 1990" for a YYYY-MM-DD date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const d = parseDate(value.slice(0, 10));
  return d ? dateFmt.format(d) : value;
}

export function formatDateTime(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${dateFmt.format(d)}, ${timeFmt.format(d)}`;
}

export function formatTime(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : timeFmt.format(d);
}

export function formatWeekday(date: string): string {
  const d = parseDate(date);
  return d ? weekdayFmt.format(d) : date;
}

export function formatLongDay(date: string): string {
  const d = parseDate(date);
  return d ? longDayFmt.format(d) : date;
}

/** Whole years between a YYYY-MM-DD birth date and now. */
export function age(dateOfBirth: string, now = new Date()): number | null {
  const d = parseDate(dateOfBirth);
  if (!d) return null;
  let years = now.getFullYear() - d.getFullYear();
  const m = now.getMonth() - d.getMonth();
  if (m < 0 || (m === 0 && now.getDate() < d.getDate())) years--;
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
