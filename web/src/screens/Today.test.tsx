import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens } from '../api';
import { today, toRFC3339 } from '../lib/format';
import { appointment, fakeServer, list, patient, user } from '../test/fakeServer';
import { renderAt } from '../test/render';
import { byDoctor, waitingFirst } from './Today';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60000).toISOString();

function signedIn(role: 'admin' | 'doctor' | 'staff', routes: Parameters<typeof fakeServer>[0] = {}) {
  tokens.set('A', 'R');
  return fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user(role) } }, ...routes });
}

const weber = { id: 4, name: 'Dr. Ana Weber', specialty: 'Cardiology', active: true, user_id: 2 };
const reyes = { id: 5, name: 'Dr. Omar Reyes', specialty: null, active: true, user_id: null };

function day() {
  const d = today();
  return [
    appointment(1, { doctor_id: 5, doctor_name: 'Dr. Omar Reyes', patient_name: 'Kenji Watanabe', appointment_datetime: toRFC3339(d, '09:00') }),
    appointment(2, { doctor_id: 4, patient_name: 'Amira Haddad', appointment_datetime: toRFC3339(d, '08:30'), status: 'completed' }),
    appointment(3, {
      doctor_id: 4,
      patient_name: 'John Smith',
      appointment_datetime: toRFC3339(d, '10:00'),
      status: 'checked_in',
      checked_in_at: minutesAgo(12),
    }),
    appointment(4, { doctor_id: 4, patient_name: 'Grace Okafor', appointment_datetime: toRFC3339(d, '11:00') }),
  ];
}

describe('day helpers', () => {
  it('groups by doctor in time order, and puts the waiting first for a doctor', () => {
    const groups = byDoctor(day() as never);
    expect(groups.map((g) => g.doctor)).toEqual(['Dr. Ana Weber', 'Dr. Omar Reyes']);
    expect(groups[0].items.map((a) => a.id)).toEqual([2, 3, 4]);
    expect(waitingFirst(groups[0].items).map((a) => a.id)).toEqual([3, 4, 2]);
  });
});

describe('Today (front desk)', () => {
  it('shows the clinic’s today by doctor, with waiting times, and checks in with one click', async () => {
    const u = userEvent.setup();
    let items = day();
    const server = signedIn('staff', {
      'GET /api/doctors': { body: list([weber, reyes]) },
      'GET /api/appointments': () => ({ body: list(items) }),
      'PUT /api/appointments/4': (req) => {
        items = items.map((a) => (a.id === 4 ? { ...a, ...(req.body as object), checked_in_at: new Date().toISOString(), updated_at: 'x' } : a));
        return { body: { success: true, data: items.find((a) => a.id === 4) } };
      },
      'PUT /api/appointments/1': (req) => ({ body: { success: true, data: { ...items[0], ...(req.body as object) } } }),
    });
    renderAt('/');
    expect(await screen.findByRole('heading', { name: 'Today' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/today');
    const sections = await screen.findAllByTestId('day-doctor');
    expect(sections.map((s) => within(s).getByRole('heading').textContent)).toEqual([
      'Dr. Ana Weber · 1 waiting',
      'Dr. Omar Reyes · 0 waiting',
    ]);
    const rows = within(sections[0]).getAllByTestId('day-row');
    expect(rows.map((r) => within(r).getByRole('link').textContent)).toEqual(['Amira Haddad', 'John Smith', 'Grace Okafor']);
    expect(rows[0]).toHaveTextContent('Done');
    expect(rows[1]).toHaveTextContent('Arrived');
    expect(within(rows[1]).getByTestId('waiting')).toHaveTextContent('waiting 12 min');
    expect(rows[2]).toHaveTextContent('Expected');
    expect(rows[2]).toHaveTextContent('11:00');
    // The front desk does not start visits: that is the doctor's.
    expect(within(rows[1]).queryByRole('button', { name: /^Start/ })).not.toBeInTheDocument();

    const req = server.requests('GET /api/appointments').find((r) => r.query.has('from'))!;
    expect(req.query.get('from')).toBe(today());
    expect(req.query.get('to')).toBe(today());

    await u.click(within(rows[2]).getByRole('button', { name: /^Check in: Grace Okafor/ }));
    await waitFor(() => expect(server.requests('PUT /api/appointments/4')[0]?.body).toEqual({ status: 'checked_in' }));
    expect(await screen.findByText('Grace Okafor checked in.')).toBeInTheDocument();

    // A no-show is final: it asks, and nothing is sent until confirmed.
    const reyesRow = within((await screen.findAllByTestId('day-doctor'))[1]).getByTestId('day-row');
    await u.click(within(reyesRow).getByRole('button', { name: /^No-show: Kenji Watanabe/ }));
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveTextContent('cannot be undone');
    expect(server.requests('PUT /api/appointments/1')).toHaveLength(0);
    await u.click(within(dialog).getByRole('button', { name: 'No-show' }));
    await waitFor(() => expect(server.requests('PUT /api/appointments/1')[0]?.body).toEqual({ status: 'no_show' }));
  });

  it('books a walk-in with a doctor from the list and checks the patient in', async () => {
    const u = userEvent.setup();
    const server = signedIn('staff', {
      'GET /api/doctors': { body: list([weber, reyes]) },
      'GET /api/patients': { body: list([patient(8, 'Luis García')]) },
      'POST /api/appointments': (req) => ({
        status: 201,
        body: {
          success: true,
          data: appointment(10, {
            patient_id: 8,
            patient_name: 'Luis García',
            doctor_id: 5,
            doctor_name: 'Dr. Omar Reyes',
            status: 'checked_in',
            appointment_datetime: toRFC3339(today(), '10:07'),
            ...(req.body as object),
          }),
        },
      }),
    });
    renderAt('/today');
    await u.click(await screen.findByRole('button', { name: 'Walk-in' }));
    const form = screen.getByRole('form', { name: 'Walk-in' });
    await u.click(within(form).getByRole('button', { name: 'Book and check in' }));
    expect(within(form).getByLabelText(/Doctor/)).toHaveAccessibleDescription('Choose a doctor');
    expect(server.requests('POST /api/appointments')).toHaveLength(0);

    await u.click(within(form).getByRole('combobox', { name: /Patient/ }));
    await u.click(await screen.findByRole('option', { name: /Luis García/ }));
    // The doctor is picked from the list: there is no free text that could create one.
    expect(within(form).getByLabelText(/Doctor/).tagName).toBe('SELECT');
    await u.selectOptions(within(form).getByLabelText(/Doctor/), 'Dr. Omar Reyes');
    await u.click(within(form).getByRole('button', { name: 'Book and check in' }));
    await waitFor(() => expect(server.requests('POST /api/appointments')).toHaveLength(1));
    expect(server.requests('POST /api/appointments')[0].body).toEqual({
      patient_id: 8,
      doctor_id: 5,
      walk_in: true,
      duration_minutes: 15,
    });
    expect(await screen.findByText('Checked in Luis García with Dr. Omar Reyes at 10:07.')).toBeInTheDocument();
  });
});

describe('My day (doctor)', () => {
  it('lands on the doctor’s own day, the waiting first, and starts a visit with one click', async () => {
    const u = userEvent.setup();
    const mine = day().filter((a) => (a as { doctor_id?: number }).doctor_id === 4);
    const server = signedIn('doctor', {
      'GET /api/doctors': { body: list([weber, reyes]) },
      'GET /api/appointments': { body: list(mine) },
      'PUT /api/appointments/3': (req) => ({ body: { success: true, data: { ...mine[1], ...(req.body as object) } } }),
    });
    renderAt('/');
    expect(await screen.findByRole('heading', { name: 'My day' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/my-day');
    const rows = await screen.findAllByTestId('day-row');
    expect(rows.map((r) => within(r).getByRole('link').textContent)).toEqual(['John Smith', 'Grace Okafor', 'Amira Haddad']);
    expect(server.requests('GET /api/appointments').at(-1)!.query.get('doctor_id')).toBe('4');

    await u.click(within(rows[0]).getByRole('button', { name: /^Start: John Smith/ }));
    await waitFor(() => expect(server.requests('PUT /api/appointments/3')[0]?.body).toEqual({ status: 'in_progress' }));
  });

  it('says so when the doctor user is not linked to a doctor', async () => {
    signedIn('doctor', { 'GET /api/doctors': { body: list([reyes]) } });
    renderAt('/my-day');
    expect(await screen.findByText('Your account is not linked to a doctor')).toBeInTheDocument();
  });
});
