import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens } from '../api';
import { fakeServer, list, user } from '../test/fakeServer';
import { renderAt } from '../test/render';

const laptop = {
  id: 'a'.repeat(32),
  device: 'Chrome on Linux',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36',
  ip: '192.0.2.10',
  created_at: '2026-11-30T08:00:00Z',
  last_used_at: '2026-12-01T09:30:00Z',
  current: true,
};
const phone = { ...laptop, id: 'b'.repeat(32), device: 'Safari on iOS', ip: '198.51.100.7', current: false };

describe('Signed-in sessions', () => {
  it('lists the sessions, marks this browser and signs out another one', async () => {
    const u = userEvent.setup();
    tokens.set('A', 'R');
    let sessions = [laptop, phone];
    const server = fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user('nurse') } } });
    server.on('GET /api/auth/sessions', () => ({ body: { success: true, data: sessions } }));
    server.on(`DELETE /api/auth/sessions/${phone.id}`, () => {
      sessions = [laptop];
      return { body: { success: true, message: 'session ended' } };
    });
    renderAt('/account');
    const rows = await screen.findAllByTestId('session-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('This browser')).toBeInTheDocument();
    expect(within(rows[1]).getByText(/198\.51\.100\.7/)).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Sign out Safari on iOS' }));
    await waitFor(() => expect(server.requests(`DELETE /api/auth/sessions/${phone.id}`)).toHaveLength(1));
    await waitFor(() => expect(screen.getAllByTestId('session-row')).toHaveLength(1));
    expect(tokens.refresh()).toBe('R'); // this browser stays signed in
  });
});

describe('End all sessions (admin)', () => {
  it('ends every session of another user after confirmation', async () => {
    const u = userEvent.setup();
    tokens.set('A', 'R');
    const managed = (role: 'admin' | 'doctor') => ({ ...user(role), active: true, created_at: '2026-01-01T09:00:00Z', last_login_at: null });
    const server = fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user('admin') } } });
    server.on('GET /api/users', { body: list([managed('admin'), managed('doctor')]) });
    server.on('DELETE /api/users/2/sessions', { body: { success: true, message: '2 session(s) ended' } });
    renderAt('/users');
    await screen.findByText('Doctor User');
    expect(screen.queryByRole('button', { name: 'End all sessions of Admin User' })).not.toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'End all sessions of Doctor User' }));
    await u.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'End all sessions' }));
    await waitFor(() => expect(server.requests('DELETE /api/users/2/sessions')).toHaveLength(1));
  });
});
