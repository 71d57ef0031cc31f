import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens, type Notification } from '../api';
import { fakeServer, user } from '../test/fakeServer';
import { renderAt } from '../test/render';
import { AppointmentMessages } from './AppointmentMessages';

const message = (extra: Partial<Notification> = {}): Notification => ({
  id: 7,
  appointment_id: 3,
  patient_id: 1,
  kind: 'reminder',
  channel: 'sms',
  offset_minutes: 1440,
  appointment_datetime: '2030-05-02T09:00:00Z',
  due_at: '2030-05-01T09:00:00Z',
  status: 'failed',
  attempts: 1,
  last_error: 'SMS gateway refused the message with 400',
  sent_at: null,
  created_at: '2030-04-20T09:00:00Z',
  updated_at: '2030-05-01T09:00:01Z',
  ...extra,
});

describe('Outbox (admin)', () => {
  it('lists failed messages with their error and sends one again', async () => {
    const u = userEvent.setup();
    tokens.set('A', 'R');
    const server = fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user('admin') } } });
    let failed = [message()];
    server.on('GET /api/notifications', () => ({ body: { success: true, data: failed, count: failed.length } }));
    server.on('POST /api/notifications/7/resend', () => {
      failed = [];
      return { status: 202, body: { success: true, data: message({ status: 'queued' }) } };
    });
    renderAt('/outbox');
    const row = await screen.findByTestId('outbox-row');
    expect(within(row).getByText('Reminder 1 d before')).toBeInTheDocument();
    expect(within(row).getByText('SMS gateway refused the message with 400')).toBeInTheDocument();
    expect(server.requests('GET /api/notifications')[0].query.get('status')).toBe('failed');
    await u.click(within(row).getByRole('button', { name: 'Resend' }));
    await waitFor(() => expect(server.requests('POST /api/notifications/7/resend')).toHaveLength(1));
    expect(await screen.findByText('Nothing failed')).toBeInTheDocument();
  });

  it('is for admins only', async () => {
    tokens.set('A', 'R');
    fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user('staff') } } });
    renderAt('/outbox');
    expect(await screen.findByText('Access denied')).toBeInTheDocument();
  });
});

describe('Messages of an appointment', () => {
  it('loads when opened and shows each message with its delivery status', async () => {
    const u = userEvent.setup();
    tokens.set('A', 'R');
    const server = fakeServer({});
    server.on('GET /api/appointments/3/notifications', {
      body: {
        success: true,
        count: 2,
        data: [
          message({ id: 1, kind: 'confirmation', channel: 'email', offset_minutes: 0, status: 'sent', last_error: null, sent_at: '2030-04-20T09:00:02Z' }),
          message({ id: 2, status: 'scheduled', last_error: null, attempts: 0 }),
        ],
      },
    });
    render(<AppointmentMessages appointmentId={3} />);
    expect(server.requests('GET /api/appointments/3/notifications')).toHaveLength(0);
    await u.click(screen.getByText('Messages to the patient'));
    const items = await screen.findAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByText('Confirmation')).toBeInTheDocument();
    expect(within(items[0]).getByText('sent')).toBeInTheDocument();
    expect(within(items[1]).getByText('Reminder 1 d before')).toBeInTheDocument();
    expect(within(items[1]).getByText('scheduled')).toBeInTheDocument();
  });
});
