import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { formatLongDay, isoDate, setClinicZone, today, toRFC3339 } from '../lib/format';
import { appointment, fakeServer, list } from '../test/fakeServer';
import { renderAt } from '../test/render';
import { groupByDay, visibleDays } from './Schedule';

describe('schedule helpers', () => {
  it('shows one day or Monday to Sunday', () => {
    expect(visibleDays('day', '2030-01-09')).toEqual(['2030-01-09']);
    expect(visibleDays('week', '2030-01-09')).toEqual([
      '2030-01-07',
      '2030-01-08',
      '2030-01-09',
      '2030-01-10',
      '2030-01-11',
      '2030-01-12',
      '2030-01-13',
    ]);
  });

  it('groups by local day, sorted by time, for one doctor', () => {
    const items = [
      appointment(1, { appointment_datetime: toRFC3339('2030-01-08', '11:00') }),
      appointment(2, { appointment_datetime: toRFC3339('2030-01-08', '09:00') }),
      appointment(3, { appointment_datetime: toRFC3339('2030-01-09', '09:00'), doctor_name: 'Dr. Omar Reyes' }),
    ];
    const weber = groupByDay(items as never, 'dr. ana weber');
    expect(weber.get('2030-01-08')!.map((a) => a.id)).toEqual([2, 1]);
    expect(weber.has('2030-01-09')).toBe(false);
    expect(groupByDay(items as never, '').get('2030-01-09')!.map((a) => a.id)).toEqual([3]);
  });
});

describe('Schedule screen', () => {
  it('shows a doctor’s day and switches to the week', async () => {
    const user = userEvent.setup();
    const day = today();
    const server = fakeServer({
      'GET /api/appointments': {
        body: list([
          appointment(1, { appointment_datetime: toRFC3339(day, '09:00'), patient_name: 'Jane Doe' }),
          appointment(2, { appointment_datetime: toRFC3339(day, '14:30'), patient_name: 'John Smith' }),
        ]),
      },
    });
    renderAt('/appointments/schedule');
    const entries = await screen.findAllByTestId('schedule-entry');
    expect(entries.map((e) => within(e).getByRole('link').textContent)).toEqual(['Jane Doe', 'John Smith']);

    await user.click(screen.getByRole('button', { name: 'Week' }));
    expect(await screen.findByRole('list', { name: 'Week schedule' })).toBeInTheDocument();
    const last = server.requests('GET /api/appointments').at(-1)!;
    expect(last.query.get('limit')).toBe('500');
    expect(last.query.get('from')! <= day && last.query.get('to')! >= day).toBe(true);
    expect(isoDate(new Date())).toBe(day);
  });
});

describe('times on the clinic’s clock', () => {
  it('shows the times in the zone the server names, not the browser’s', async () => {
    setClinicZone('Asia/Tokyo'); // what the app starts with: the browser's zone
    fakeServer({
      'GET /api/clinic': { body: { success: true, data: { time_zone: 'America/New_York', today: '2030-01-07', now: '2030-01-07T09:00:00-05:00' } } },
      'GET /api/appointments': {
        body: list([appointment(1, { appointment_datetime: '2030-01-07T14:00:00Z', end_datetime: '2030-01-07T14:30:00Z' })]),
      },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    // 14:00 UTC is 09:00 in New York (and 23:00 in Tokyo).
    expect(card).toHaveTextContent('09:00–09:30');
    expect(card).not.toHaveTextContent('23:00');
  });
});

describe('calendar', () => {
  const hours = (days: string[], start = '09:00', end = '17:00') =>
    Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, days.includes(d) ? [{ start, end }] : []]));
  const weber = { id: 4, name: 'Dr. Ana Weber', specialty: null, active: true, working_hours: hours(['mon', 'tue', 'wed', 'thu', 'fri']) };
  const reyes = { id: 5, name: 'Dr. Omar Reyes', specialty: null, active: true, working_hours: hours(['mon']) };
  const off = { id: 6, name: 'Dr. Off Today', specialty: null, active: true, working_hours: hours(['sun']) };
  const monday = '2031-03-03';

  function server() {
    return fakeServer({
      'GET /api/doctors': { body: list([weber, reyes, off]) },
      'GET /api/appointments': {
        body: list([
          appointment(1, { doctor_id: 4, appointment_datetime: toRFC3339(monday, '10:00'), end_datetime: toRFC3339(monday, '10:30'), duration_minutes: 30 }),
          appointment(2, { doctor_id: 4, patient_name: 'John Smith', appointment_datetime: toRFC3339(monday, '10:30'), end_datetime: toRFC3339(monday, '11:00'), duration_minutes: 30 }),
          appointment(3, { doctor_id: 5, doctor_name: 'Dr. Omar Reyes', patient_name: 'Luis García', appointment_datetime: toRFC3339(monday, '09:00'), duration_minutes: 90 }),
        ]),
      },
    });
  }

  async function openDay() {
    renderAt('/appointments/schedule');
    fireEvent.change(await screen.findByLabelText('Date'), { target: { value: monday } });
    const grid = await screen.findByRole('region', { name: `Schedule for ${formatLongDay(monday)}` });
    await waitFor(() => expect(within(grid).getAllByTestId('schedule-entry')).toHaveLength(3));
    return within(grid).getAllByTestId('calendar-column');
  }

  it('shows one column per working doctor, each appointment as tall as it lasts', async () => {
    server();
    const columns = await openDay();
    expect(columns.map((c) => within(c).getByRole('heading').textContent)).toEqual(['Dr. Ana Weber', 'Dr. Omar Reyes']);
    const [first, second] = within(columns[0]).getAllByTestId('schedule-entry').map((e) => e.parentElement!);
    const top = (el: HTMLElement) => parseFloat(el.style.top);
    const height = (el: HTMLElement) => parseFloat(el.style.height);
    // 10:00–10:30 and 10:30–11:00: the first ends above where the second starts.
    expect(top(first) + height(first)).toBeLessThan(top(second));
    expect(height(second)).toBeCloseTo(height(first));
    const long = within(columns[1]).getByTestId('schedule-entry').parentElement!;
    expect(height(long)).toBeGreaterThan(2.5 * height(first));
  });

  it('books a free slot from the calendar, and warns outside working hours', async () => {
    const user = userEvent.setup();
    server();
    const columns = await openDay();
    // Taken times offer no slot; free ones do.
    expect(within(columns[0]).queryByRole('button', { name: /^Book .* at 10:00/ })).not.toBeInTheDocument();
    await user.click(within(columns[0]).getByRole('button', { name: `Book Dr. Ana Weber on ${formatLongDay(monday)} at 11:30` }));
    expect(window.location.pathname).toBe('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await waitFor(() => expect(within(form).getByLabelText(/Doctor/)).toHaveValue('Dr. Ana Weber'));
    expect(within(form).getByLabelText(/^Date/)).toHaveValue(monday);
    expect(within(form).getByLabelText(/^Time/)).toHaveValue('11:30');
  });

  it('asks before booking a slot outside the doctor’s hours', async () => {
    const user = userEvent.setup();
    server();
    const columns = await openDay();
    await user.click(within(columns[0]).getByRole('button', { name: /at 17:00 \(outside working hours\)/ }));
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveTextContent('outside Dr. Ana Weber’s working hours');
    await user.click(within(dialog).getByRole('button', { name: 'Go back' }));
    expect(window.location.pathname).toBe('/appointments/schedule');
    await user.click(within(columns[0]).getByRole('button', { name: /at 17:00 \(outside working hours\)/ }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Book anyway' }));
    expect(window.location.search).toContain('time=17%3A00');
  });

  it('has a day list for printing', async () => {
    server();
    await openDay();
    const printed = screen.getByTestId('print-list');
    expect(within(printed).getAllByRole('row').slice(1).map((r) => (r as HTMLTableRowElement).cells[1].textContent)).toEqual(['Luis García', 'Jane Doe', 'John Smith']);
  });
});
