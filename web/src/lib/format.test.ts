import { describe, expect, it } from 'vitest';
import { addDays, age, isoDate, parseDate, startOfWeek, statusLabel, toRFC3339 } from './format';

describe('dates', () => {
  it('parses only real calendar days', () => {
    expect(parseDate('2024-02-29')).not.toBeNull();
    expect(parseDate('2023-02-29')).toBeNull();
    expect(parseDate('29/02/2024')).toBeNull();
  });

  it('moves by days across months and finds Monday', () => {
    expect(addDays('2030-01-31', 1)).toBe('2030-02-01');
    expect(startOfWeek('2030-01-10')).toBe('2030-01-07'); // a Thursday
    expect(startOfWeek('2030-01-13')).toBe('2030-01-07'); // a Sunday
    expect(startOfWeek('2030-01-07')).toBe('2030-01-07');
  });

  it('counts whole years of age', () => {
    expect(age('1990-06-15', new Date(2030, 5, 14))).toBe(39);
    expect(age('1990-06-15', new Date(2030, 5, 15))).toBe(40);
  });

  it('sends local date and time with the local offset', () => {
    const value = toRFC3339('2030-01-07', '09:30');
    expect(value).toMatch(/^2030-01-07T09:30:00[+-]\d{2}:\d{2}$/);
    const back = new Date(value);
    expect(isoDate(back)).toBe('2030-01-07');
    expect(back.getHours()).toBe(9);
    expect(back.getMinutes()).toBe(30);
  });

  it('labels statuses for people', () => {
    expect(statusLabel('no_show')).toBe('No-show');
    expect(statusLabel('checked_in')).toBe('Checked in');
  });
});
