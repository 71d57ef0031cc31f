import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens } from '../api';
import { fakeServer, list, user } from '../test/fakeServer';
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
  it('lists events and filters them on the server', async () => {
    const u = userEvent.setup();
    const server = admin();
    server.on('GET /api/audit', {
      body: list([
        {
          id: 1,
          time: '2026-03-01T10:00:00Z',
          user_id: 2,
          role: 'doctor',
          action: 'read',
          resource_type: 'medical_record',
          resource_id: 7,
          patient_id: 1,
          ip: '127.0.0.1',
          request_id: 'abc',
          outcome: 'success',
        },
      ]),
    });
    renderAt('/audit');
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows[0]).toHaveTextContent('medical_record #7');
    await u.type(screen.getByLabelText('Patient id'), '1');
    await u.type(screen.getByLabelText('Action'), 'read');
    await waitFor(() => {
      const last = server.requests('GET /api/audit').at(-1)!;
      expect(last.query.get('patient_id')).toBe('1');
      expect(last.query.get('action')).toBe('read');
    });
  });
});
