import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { isoDate, setClinicZone, today, toRFC3339 } from '../lib/format';
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
