import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens } from '../api';
import { fakeServer, list, patient, user } from '../test/fakeServer';
import { renderAt } from '../test/render';

const managed = (role: 'admin' | 'doctor' | 'staff', extra = {}) => ({
  ...user(role),
  active: true,
  created_at: '2026-01-01T09:00:00Z',
  last_login_at: null,
  ...extra,
});

function admin() {
  tokens.set('A', 'R');
  return fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user('admin') } } });
}

describe('Users (admin)', () => {
  it('adds a user, checking the password policy first', async () => {
    const u = userEvent.setup();
    const server = admin();
    const people = [managed('admin')];
    server.on('GET /api/users', () => ({ body: list(people) }));
    server.on('POST /api/users', (req) => {
      const created = { ...managed('staff'), id: 9, ...(req.body as object) };
      people.push(created);
      return { status: 201, body: { success: true, data: created } };
    });
    renderAt('/users');
    const form = await screen.findByRole('form', { name: 'Add user' });
    await u.type(within(form).getByLabelText(/Name/), 'Front Desk');
    await u.type(within(form).getByLabelText(/Email/), 'desk@clinic.test');
    await u.type(within(form).getByLabelText(/Initial password/), 'short');
    await u.click(within(form).getByRole('button', { name: 'Add user' }));
    expect(within(form).getByLabelText(/Initial password/)).toHaveAccessibleDescription('must be at least 12 characters');
    expect(server.requests('POST /api/users')).toHaveLength(0);

    await u.type(within(form).getByLabelText(/Initial password/), ' and longer now');
    await u.click(within(form).getByRole('button', { name: 'Add user' }));
    await waitFor(() => expect(server.requests('POST /api/users')).toHaveLength(1));
    expect(server.requests('POST /api/users')[0].body).toEqual({
      name: 'Front Desk',
      email: 'desk@clinic.test',
      role: 'staff',
      password: 'short and longer now',
    });
    expect(await screen.findByText('Front Desk')).toBeInTheDocument();
  });

  it('changes a role and deactivates after confirmation, never for oneself', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/users', { body: list([managed('admin'), managed('doctor')]) });
    server.on('PUT /api/users/2', { body: { success: true, data: managed('doctor', { role: 'staff' }) } });
    server.on('DELETE /api/users/2', { body: { success: true, message: 'user deactivated' } });
    renderAt('/users');
    expect(await screen.findByLabelText('Role of Admin User')).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Deactivate user Admin User' })).not.toBeInTheDocument();

    await u.selectOptions(screen.getByLabelText('Role of Doctor User'), 'staff');
    await waitFor(() => expect(server.requests('PUT /api/users/2')[0]?.body).toEqual({ role: 'staff' }));

    await u.click(screen.getByRole('button', { name: 'Deactivate user Doctor User' }));
    await u.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Deactivate' }));
    await waitFor(() => expect(server.requests('DELETE /api/users/2')).toHaveLength(1));
  });
});

describe('Nurses (admin)', () => {
  it('makes a user a nurse', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/users', { body: list([managed('admin'), managed('doctor')]) });
    server.on('PUT /api/users/2', { body: { success: true, data: managed('doctor', { role: 'nurse' }) } });
    renderAt('/users');
    await u.selectOptions(await screen.findByLabelText('Role of Doctor User'), 'nurse');
    await waitFor(() => expect(server.requests('PUT /api/users/2')[0]?.body).toEqual({ role: 'nurse' }));
  });
});

describe('Audit log (admin)', () => {
  it('names users and patients, shows seconds on the clinic clock, and filters by a picked patient and a chosen action', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/patients', { body: list([patient(1, 'Jane Doe', { mrn: 'HMS-000001' })]) });
    server.on('GET /api/audit', {
      body: list([
        {
          id: 1,
          time: '2026-03-01T15:04:05Z',
          user_id: 2,
          user_name: 'Doctor User',
          role: 'doctor',
          action: 'read',
          resource_type: 'medical_record',
          resource_id: 7,
          patient_id: 1,
          patient: { name: 'Jane Doe', mrn: 'HMS-000001' },
          ip: '127.0.0.1',
          request_id: 'abc',
          outcome: 'success',
        },
      ]),
    });
    renderAt('/audit');
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows[0]).toHaveTextContent('medical_record #7');
    expect(rows[0]).toHaveTextContent('Doctor User (doctor)');
    expect(rows[0]).toHaveTextContent('Jane Doe HMS-000001');
    // 15:04:05 UTC is 10:04:05 in the clinic (New York), whatever the browser's zone.
    expect(rows[0]).toHaveTextContent('10:04:05');

    await u.type(screen.getByRole('combobox', { name: /Patient/ }), 'Jane');
    await u.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    await u.selectOptions(screen.getByLabelText('Action'), 'password_reset');
    await waitFor(() => {
      const last = server.requests('GET /api/audit').at(-1)!;
      expect(last.query.get('patient_id')).toBe('1');
      expect(last.query.get('action')).toBe('password_reset');
    });
  });
});

describe('Doctors (admin)', () => {
  it('edits the specialty, the working hours and whether the doctor takes bookings', async () => {
    const u = userEvent.setup();
    const server = admin();
    const hours = { mon: [{ start: '09:00', end: '17:00' }], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    let doctor = { id: 5, name: 'Dr. Ana Weber', specialty: 'Cardiology', working_hours: hours, active: true, user_id: null, version: 1 };
    server.on('GET /api/doctors', (req) => {
      expect(req.query.get('include_inactive')).toBe('true');
      return { body: list([doctor]) };
    });
    server.on('PUT /api/doctors/5', (req) => {
      doctor = { ...doctor, ...(req.body as object), version: 2 };
      return { body: { success: true, data: doctor } };
    });
    renderAt('/doctors');
    const row = await screen.findByTestId('doctor-row');
    expect(row).toHaveTextContent('Mon 09:00–17:00');
    await u.click(within(row).getByRole('button', { name: /Edit/ }));
    const form = screen.getByRole('form', { name: 'Edit Dr. Ana Weber' });
    await u.clear(within(form).getByLabelText('Specialty'));
    await u.type(within(form).getByLabelText('Specialty'), 'General practice');
    await u.type(within(form).getByLabelText('Tuesday'), '8:00-12:00, 13:00-16:30');
    await u.clear(within(form).getByLabelText('Monday'));
    await u.type(within(form).getByLabelText('Monday'), 'all day');
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    // A malformed day is refused before anything is sent.
    expect(await within(form).findByText(/Write hours as 09:00-12:00/)).toBeInTheDocument();
    expect(server.requests('PUT /api/doctors/5')).toHaveLength(0);
    await u.clear(within(form).getByLabelText('Monday'));
    await u.click(within(form).getByLabelText(/Takes bookings/));
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(server.requests('PUT /api/doctors/5')).toHaveLength(1));
    expect(server.requests('PUT /api/doctors/5')[0].body).toEqual({
      specialty: 'General practice',
      active: false,
      working_hours: {
        mon: [],
        tue: [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '16:30' },
        ],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
    });
    expect(await screen.findByText('Deactivated')).toBeInTheDocument();
  });
});

describe('Password reset (admin)', () => {
  it('resets another user’s password to one HMS makes up, shown once', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/users', { body: list([managed('admin'), managed('staff')]) });
    server.on('POST /api/users/3/password', {
      body: { success: true, message: 'password reset', password: 'Made-Up-Password-123' },
    });
    renderAt('/users');
    const rows = await screen.findAllByTestId('user-row');
    expect(within(rows[0]).queryByRole('button', { name: 'Reset password' })).not.toBeInTheDocument(); // oneself
    await u.click(within(rows[1]).getByRole('button', { name: 'Reset password' }));
    const form = screen.getByRole('form', { name: 'Reset the password of Staff User' });
    await u.click(within(form).getByRole('button', { name: 'Reset password' }));
    expect(await screen.findByTestId('made-password')).toHaveTextContent('Made-Up-Password-123');
    expect(server.requests('POST /api/users/3/password')[0].body).toEqual({});
  });
});

describe('Account', () => {
  it('changes one’s own password with the current one', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/auth/sessions', { body: { success: true, data: [] } });
    server.on('POST /api/auth/password', { body: { success: true, message: 'password changed' } });
    renderAt('/account');
    const form = await screen.findByRole('form', { name: 'Change password' });
    await u.type(within(form).getByLabelText(/^Current password/), 'old-password-1234');
    await u.type(within(form).getByLabelText(/^New password \*?$/), 'new-password-5678');
    await u.type(within(form).getByLabelText(/^New password again/), 'new-password-5679');
    await u.click(within(form).getByRole('button', { name: 'Change password' }));
    expect(await within(form).findByText('Does not match the new password')).toBeInTheDocument();
    await u.clear(within(form).getByLabelText(/^New password again/));
    await u.type(within(form).getByLabelText(/^New password again/), 'new-password-5678');
    await u.click(within(form).getByRole('button', { name: 'Change password' }));
    await waitFor(() =>
      expect(server.requests('POST /api/auth/password')[0]?.body).toEqual({
        current_password: 'old-password-1234',
        new_password: 'new-password-5678',
      }),
    );
  });

  it('says in plain words that the code to turn two-factor sign-in off is wrong', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/auth/sessions', { body: { success: true, data: [] } });
    server.on('GET /api/auth/mfa', { body: { success: true, data: { enabled: true, required: false, recovery_codes_left: 10 } } });
    server.on('POST /api/auth/mfa/disable', {
      status: 400,
      body: { success: false, error: 'code: is not a current code of your authenticator app nor an unused recovery code', fields: { code: 'is not a current code of your authenticator app nor an unused recovery code' } },
    });
    renderAt('/account');
    await u.type(await screen.findByLabelText('Current code (or a recovery code)'), '123456');
    await u.click(screen.getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByText(/^That code is not right, or the recovery code was already used/)).toBeInTheDocument();
    expect(screen.queryByText(/^code: /)).not.toBeInTheDocument();
  });
});
