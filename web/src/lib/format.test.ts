import { afterEach, describe, expect, it } from 'vitest';
import {
  addDays,
  age,
  clinicInstant,
  formatDate,
  formatDateTime,
  formatRetryAfter,
  formatTime,
  formatWaited,
  genderLabel,
  isoDate,
  mailtoHref,
  minutesOfDay,
  parseDate,
  setClinicZone,
  startOfWeek,
  statusLabel,
  telHref,
  today,
  toRFC3339,
} from './format';

// setup.ts puts the test process in Asia/Tokyo and the clinic in America/New_York.
afterEach(() => setClinicZone('America/New_York'));

describe('dates', () => {
  it('parses only real calendar days', () => {
    expect(parseDate('2024-02-29')).not.toBeNull();
    expect(parseDate('2023-02-29')).toBeNull();
    expect(parseDate('29/02/2024')).toBeNull();
  });

  it('moves by days across months and daylight-saving changes, and finds Monday', () => {
    expect(addDays('2030-01-31', 1)).toBe('2030-02-01');
    expect(addDays('2030-03-09', 1)).toBe('2030-03-10'); // New York springs forward on 10 March 2030
    expect(addDays('2030-03-10', 1)).toBe('2030-03-11');
    expect(startOfWeek('2030-01-10')).toBe('2030-01-07'); // a Thursday
    expect(startOfWeek('2030-01-13')).toBe('2030-01-07'); // a Sunday
    expect(startOfWeek('2030-01-07')).toBe('2030-01-07');
  });

  it('counts whole years of age on the clinic’s calendar', () => {
    // 14 June 2030 23:30 in New York is already the 15th in Tokyo.
    expect(age('1990-06-15', new Date('2030-06-15T03:30:00Z'))).toBe(39);
    expect(age('1990-06-15', new Date('2030-06-15T12:00:00Z'))).toBe(40);
  });

  it('shows a calendar date as that date in any zone', () => {
    expect(formatDate('1990-03-03')).toMatch(/3/);
    expect(formatDate('1990-03-03')).toMatch(/1990/);
  });
});

describe('the clinic’s clock, whatever the browser’s zone', () => {
  it('sends a date and time with the clinic’s offset on that day', () => {
    expect(toRFC3339('2030-01-07', '09:30')).toBe('2030-01-07T09:30:00-05:00');
    expect(toRFC3339('2030-07-01', '09:30')).toBe('2030-07-01T09:30:00-04:00');
    expect(clinicInstant('2030-01-07', '09:30').toISOString()).toBe('2030-01-07T14:30:00.000Z');
    // The day after the change: the offset of that day, not of the guess.
    expect(clinicInstant('2030-03-10', '12:00').toISOString()).toBe('2030-03-10T16:00:00.000Z');
  });

  it('shows instants on the clinic’s clock in 24-hour time', () => {
    expect(formatTime('2030-01-07T14:30:00Z')).toBe('09:30');
    expect(formatTime('2030-01-07T22:05:00Z')).toBe('17:05');
    expect(formatDateTime('2030-01-07T22:05:00Z')).toContain('17:05');
    expect(minutesOfDay('2030-01-07T14:30:00Z')).toBe(9 * 60 + 30);
    // 03:00 UTC on the 8th is still the 7th in New York (and the 8th in Tokyo).
    expect(isoDate(new Date('2030-01-08T03:00:00Z'))).toBe('2030-01-07');
  });

  it('follows the zone the server names', () => {
    setClinicZone('Europe/Berlin');
    expect(formatTime('2030-01-07T14:30:00Z')).toBe('15:30');
    expect(toRFC3339('2030-01-07', '09:30')).toBe('2030-01-07T09:30:00+01:00');
    setClinicZone('Not/AZone');
    expect(formatTime('2030-01-07T14:30:00Z')).toBe('15:30');
  });

  it('today is the clinic’s date', () => {
    expect(today()).toBe(isoDate(new Date()));
    const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
    expect(today()).toBe(ny);
  });

  it('says how long someone has waited', () => {
    const now = new Date('2030-01-07T15:00:00Z');
    expect(formatWaited('2030-01-07T14:48:00Z', now)).toBe('12 min');
    expect(formatWaited('2030-01-07T13:40:00Z', now)).toBe('1 h 20 min');
  });
});

describe('labels', () => {
  it('labels statuses for people', () => {
    expect(statusLabel('no_show')).toBe('No-show');
    expect(statusLabel('checked_in')).toBe('Checked in');
  });
});

describe('patient contact and gender', () => {
  it('links a phone number by its digits, keeping a leading +', () => {
    expect(telHref('+1 (555) 010-2')).toBe('tel:+15550102');
    expect(telHref('555 0100')).toBe('tel:5550100');
  });
  it('links an email address', () => {
    expect(mailtoHref('ada@example.org')).toBe('mailto:ada@example.org');
    expect(mailtoHref('a+b@example.org')).toBe('mailto:a%2Bb@example.org');
  });
  it('labels a gender, or a dash when none is recorded', () => {
    expect(genderLabel('female')).toBe('Female');
    expect(genderLabel(null)).toBe('—');
  });

  it('says a wait under a minute in seconds, and longer ones in whole minutes up', () => {
    expect(formatRetryAfter(1)).toBe('1 s');
    expect(formatRetryAfter(59)).toBe('59 s');
    expect(formatRetryAfter(60)).toBe('1 min');
    expect(formatRetryAfter(61)).toBe('2 min');
    expect(formatRetryAfter(900)).toBe('15 min');
  });
});
