import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { formatTime, toRFC3339 } from '../lib/format';
import { appointment, fakeServer, list, patient, user as userOf } from '../test/fakeServer';
import { renderAt } from '../test/render';

describe('Appointments screen', () => {
  it('books with a patient found by search, sending local time with its offset', async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      'GET /api/patients': (req) => ({
        body: list(req.query.get('q') === 'jan' ? [patient(1, 'Jane Doe'), patient(5, 'Janet Roe')] : []),
      }),
      'GET /api/appointments': { body: list([appointment(1, { doctor_name: 'Dr. Omar Reyes' })]) },
      'POST /api/appointments': (req) => ({
        status: 201,
        body: { success: true, data: appointment(2, { ...(req.body as object), patient_name: 'Janet Roe' }) },
      }),
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });

    const picker = within(form).getByRole('combobox', { name: /Patient/ });
    await user.type(picker, 'jan');
    expect(await screen.findByRole('option', { name: /Janet Roe/ })).toBeInTheDocument();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(within(form).getByTestId('picked-patient')).toHaveTextContent('Janet Roe HMS-000005');

    await user.type(within(form).getByLabelText(/Doctor/), 'Dr. Ana Weber');
    await user.type(within(form).getByLabelText(/Date/), '2031-03-04');
    await user.type(within(form).getByLabelText(/Time/), '09:30');
    await user.type(within(form).getByLabelText('Reason'), 'Follow-up');
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));

    await waitFor(() => expect(server.requests('POST /api/appointments')).toHaveLength(1));
    const body = server.requests('POST /api/appointments')[0].body as Record<string, unknown>;
    expect(body).toMatchObject({ patient_id: 5, doctor_name: 'Dr. Ana Weber', reason: 'Follow-up' });
    expect(body.appointment_datetime).toMatch(/^2031-03-04T09:30:00[+-]\d\d:\d\d$/);
    expect(await screen.findByText('Booked Janet Roe with Dr. Ana Weber.')).toBeInTheDocument();
  });

  it('shows a server error about the time next to the time', async () => {
    const user = userEvent.setup();
    fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'POST /api/appointments': {
        status: 400,
        body: {
          success: false,
          error: 'appointment_datetime: must not be in the past',
          fields: { appointment_datetime: 'must not be in the past' },
        },
      },
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await user.click(within(form).getByRole('combobox', { name: /Patient/ }));
    await user.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    await user.type(within(form).getByLabelText(/Doctor/), 'Dr. Ana Weber');
    await user.type(within(form).getByLabelText(/Date/), '2031-03-04');
    await user.type(within(form).getByLabelText(/Time/), '09:30');
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    await waitFor(() =>
      expect(within(form).getByLabelText(/Time/)).toHaveAccessibleDescription('must not be in the past'),
    );
  });

  it('filters by status and doctor on the server', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    renderAt('/appointments');
    await screen.findByText('No appointments match these filters');
    await user.selectOptions(screen.getByLabelText('Status'), 'cancelled');
    await user.type(screen.getByLabelText('Doctor', { selector: '#filter-doctor' }), 'Weber');
    await waitFor(() => {
      const last = server.requests('GET /api/appointments').at(-1)!;
      expect(last.query.get('status')).toBe('cancelled');
      expect(last.query.get('doctor_name')).toBe('Weber');
    });
    const last = server.requests('GET /api/appointments').at(-1)!;
    expect(last.query.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('changes the status of an appointment and saves notes', async () => {
    const user = userEvent.setup();
    let current = appointment(9);
    const server = fakeServer({
      'GET /api/appointments': () => ({ body: list([current]) }),
      'PUT /api/appointments/9': (req) => {
        current = { ...current, ...(req.body as object), updated_at: new Date().toISOString() };
        return { body: { success: true, data: current } };
      },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    expect(within(card).queryByRole('combobox')).not.toBeInTheDocument(); // no status on a dropdown change
    await user.click(within(card).getByRole('button', { name: /^Check in:/ }));
    await waitFor(() => expect(server.requests('PUT /api/appointments/9')[0]?.body).toEqual({ status: 'checked_in' }));
    expect(await screen.findByText('Jane Doe checked in.')).toBeInTheDocument();

    // Cancelling ends the appointment: it asks first, and going back sends nothing.
    await user.click(within(await screen.findByTestId('appointment-card')).getByRole('button', { name: /^Cancel:/ }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Go back' }));
    expect(server.requests('PUT /api/appointments/9')).toHaveLength(1);
    await user.click(within(screen.getByTestId('appointment-card')).getByRole('button', { name: /^Cancel:/ }));
    await user.type(within(screen.getByRole('alertdialog')).getByLabelText('Reason for cancelling'), 'The patient is ill');
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel appointment' }));
    await waitFor(() =>
      expect(server.requests('PUT /api/appointments/9')[1]?.body).toEqual({ status: 'cancelled', status_reason: 'The patient is ill' }),
    );
    expect(await screen.findByText('Jane Doe cancelled.')).toBeInTheDocument();

    const fresh = await screen.findByTestId('appointment-card');
    await waitFor(() => expect(within(fresh).getAllByText('Cancelled').length).toBeGreaterThan(0));
    await user.click(within(fresh).getByRole('button', { name: /Notes for appointment/ }));
    await user.type(within(screen.getByTestId('appointment-card')).getByLabelText('Notes'), 'Called to rebook.');
    await user.click(screen.getByRole('button', { name: 'Save notes' }));
    await waitFor(() =>
      expect(server.requests('PUT /api/appointments/9')[2]?.body).toEqual({ notes: 'Called to rebook.' }),
    );
  });

  it('cancels an appointment after confirmation, with a reason', async () => {
    const user = userEvent.setup();
    let current = appointment(9);
    const server = fakeServer({
      'GET /api/auth/me': { body: { success: true, data: userOf('staff') } },
      'GET /api/appointments': () => ({ body: list([current]) }),
      'PUT /api/appointments/9': (req) => {
        current = { ...current, ...(req.body as object), updated_at: new Date().toISOString() };
        return { body: { success: true, data: current } };
      },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    await user.click(within(card).getByRole('button', { name: /^Cancel: Jane Doe with Dr. Ana Weber/ }));
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveTextContent('The time becomes free');
    await user.type(within(dialog).getByLabelText('Reason for cancelling'), 'Called in sick');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel appointment' }));
    await waitFor(() =>
      expect(server.requests('PUT /api/appointments/9')[0]?.body).toEqual({ status: 'cancelled', status_reason: 'Called in sick' }),
    );
    expect(await screen.findByText('Jane Doe cancelled.')).toBeInTheDocument();
    // Still listed, as cancelled, and it cannot be cancelled again.
    const fresh = await screen.findByTestId('appointment-card');
    await waitFor(() => expect(within(fresh).getAllByText('Cancelled').length).toBeGreaterThan(0));
    expect(within(fresh).queryByRole('button', { name: /^Cancel/ })).not.toBeInTheDocument();
  });

  it('shows the server’s refusal when an appointment can no longer be cancelled', async () => {
    const user = userEvent.setup();
    fakeServer({
      'GET /api/appointments': { body: list([appointment(9, { status: 'checked_in' })]) },
      'PUT /api/appointments/9': {
        status: 409,
        body: { success: false, error: 'the appointment is in_progress and can no longer be cancelled', current_status: 'in_progress' },
      },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    await user.click(within(card).getByRole('button', { name: /^Cancel:/ }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel appointment' }));
    expect(await screen.findByText('the appointment is in_progress and can no longer be cancelled')).toBeInTheDocument();
    expect(screen.queryByText(/Jane Doe cancelled/)).not.toBeInTheDocument();
  });

  it('offers no cancelling of a visit that has begun or ended', async () => {
    fakeServer({
      'GET /api/appointments': {
        body: list([
          appointment(1, { status: 'in_progress' }),
          appointment(2, { status: 'completed' }),
          appointment(3, { status: 'no_show' }),
          appointment(4, { status: 'cancelled' }),
        ]),
      },
    });
    renderAt('/appointments');
    const cards = await screen.findAllByTestId('appointment-card');
    expect(cards).toHaveLength(4);
    for (const card of cards) {
      expect(within(card).queryByRole('button', { name: /Cancel appointment/ })).not.toBeInTheDocument();
    }
  });

  it('offers only the statuses the lifecycle allows next', async () => {
    fakeServer({
      'GET /api/appointments': {
        body: list([appointment(1, { status: 'checked_in' }), appointment(2, { status: 'completed', patient_name: 'John Smith' })]),
      },
    });
    renderAt('/appointments');
    const [checkedIn, completed] = await screen.findAllByTestId('appointment-card');
    const steps = (card: HTMLElement) =>
      within(card)
        .queryAllByRole('button')
        .map((b) => b.textContent)
        .filter((t) => t !== 'Notes' && t !== 'Delete');
    expect(steps(checkedIn)).toEqual(['Start', 'Cancel…', 'No-show…']);
    expect(steps(completed)).toEqual([]);
  });

  it('explains a double booking under the time, and offers the doctor’s free times', async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'GET /api/doctors': { body: list([{ id: 4, name: 'Dr. Ana Weber', specialty: 'Cardiology', active: true }]) },
      'GET /api/doctors/4/availability': (req) => ({
        body: {
          success: true,
          data: {
            doctor_id: 4,
            date: req.query.get('date'),
            time_zone: 'UTC',
            duration_minutes: Number(req.query.get('duration_minutes')),
            slots: [
              { start: toRFC3339('2031-03-04', '09:00'), end: toRFC3339('2031-03-04', '09:30') },
              { start: toRFC3339('2031-03-04', '10:30'), end: toRFC3339('2031-03-04', '11:00') },
            ],
          },
        },
      }),
      'POST /api/appointments': {
        status: 409,
        body: {
          success: false,
          error: 'the doctor already has an appointment from 2031-03-04T08:00:00Z to 2031-03-04T08:30:00Z',
          conflict: { appointment_id: 3, start: toRFC3339('2031-03-04', '08:00'), end: toRFC3339('2031-03-04', '08:30') },
        },
      },
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await user.click(within(form).getByRole('combobox', { name: /Patient/ }));
    await user.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    // Listed doctors are picked from the list: no typed name can create one.
    await waitFor(() => expect(within(form).getByLabelText(/Doctor/).tagName).toBe('SELECT'));
    await user.selectOptions(within(form).getByLabelText(/Doctor/), 'Dr. Ana Weber');
    await user.type(within(form).getByLabelText(/Date/), '2031-03-04');
    await within(form).findByTestId('free-slots');
    const slot = within(form).getByRole('button', { name: formatTime(toRFC3339('2031-03-04', '10:30')) });
    expect(slot).toHaveAttribute('data-time', '10:30');
    await user.click(slot);
    expect(slot).toHaveAttribute('aria-pressed', 'true');
    expect(within(form).getByLabelText(/Time/)).toHaveValue('10:30');
    expect(server.requests('GET /api/doctors/4/availability').at(-1)!.query.get('duration_minutes')).toBe('30');
    expect(within(form).getByText('Cardiology')).toBeInTheDocument();

    await user.selectOptions(within(form).getByLabelText('Duration'), '60');
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    await waitFor(() =>
      expect(within(form).getByLabelText(/Time/)).toHaveAccessibleDescription(
        `The doctor already has an appointment ${formatTime(toRFC3339('2031-03-04', '08:00'))}–${formatTime(toRFC3339('2031-03-04', '08:30'))}`,
      ),
    );
    expect(server.requests('POST /api/appointments')[0].body).toMatchObject({ duration_minutes: 60 });
  });
});

describe('recurring appointments', () => {
  async function fillBooking(user: ReturnType<typeof userEvent.setup>, form: HTMLElement) {
    await user.click(within(form).getByRole('combobox', { name: /Patient/ }));
    await user.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    await user.type(within(form).getByLabelText(/Doctor/), 'Dr. Ana Weber');
    await user.type(within(form).getByLabelText(/Date/), '2031-03-04');
    await user.type(within(form).getByLabelText(/^Time/), '09:30');
  }

  it('books a weekly series, and keeps the doctor and the date for the next patient', async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'POST /api/appointments': {
        status: 201,
        body: { success: true, data: appointment(1, { series_id: 3 }), series: { id: 3, appointments: [1, 2, 3, 4].map((i) => appointment(i, { series_id: 3 })) } },
      },
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await fillBooking(user, form);
    await user.selectOptions(within(form).getByLabelText('Repeats'), 'weekly');
    await user.selectOptions(within(form).getByLabelText('Every'), '2');
    await user.clear(within(form).getByLabelText('Times'));
    await user.type(within(form).getByLabelText('Times'), '4');
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    await waitFor(() => expect(server.requests('POST /api/appointments')).toHaveLength(1));
    expect(server.requests('POST /api/appointments')[0].body).toMatchObject({
      patient_id: 1,
      recurrence: { frequency: 'weekly', interval: 2, count: 4 },
    });
    expect(await screen.findByText('Booked 4 appointments (weekly) for Jane Doe with Dr. Ana Weber.')).toBeInTheDocument();
    expect(within(form).getByLabelText(/Doctor/)).toHaveValue('Dr. Ana Weber');
    expect(within(form).getByLabelText(/Date/)).toHaveValue('2031-03-04');
    expect(within(form).getByLabelText(/^Time/)).toHaveValue('');
    expect(within(form).queryByTestId('picked-patient')).not.toBeInTheDocument();
  });

  it('says which occurrences clash when the series is refused', async () => {
    const user = userEvent.setup();
    fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'POST /api/appointments': {
        status: 409,
        body: {
          success: false,
          error: '2 of the 4 occurrences clash with other appointments; nothing was changed',
          conflicts: [
            { occurrence: 2, start: toRFC3339('2031-03-11', '09:30'), end: toRFC3339('2031-03-11', '10:00'), with: 'doctor' },
            { occurrence: 4, start: toRFC3339('2031-03-25', '09:30'), end: toRFC3339('2031-03-25', '10:00'), with: 'patient' },
          ],
        },
      },
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await fillBooking(user, form);
    await user.selectOptions(within(form).getByLabelText('Repeats'), 'weekly');
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    const repeat = within(form).getByLabelText('Repeats');
    await waitFor(() => expect(repeat).toHaveAccessibleDescription(/^Nothing was booked: 2 occurrences clash/));
    expect(repeat).toHaveAccessibleDescription(/09:30 \(the doctor is booked\).*09:30 \(the patient is booked\)/);
  });

  it('asks which occurrences of a series to cancel', async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      'GET /api/appointments': { body: list([appointment(7, { series_id: 3 })]) },
      'DELETE /api/appointments/7': { body: { success: true, message: '3 appointments of the series cancelled', deleted: [7, 8, 9] } },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    expect(card).toHaveTextContent('Repeats');
    await user.click(within(card).getByRole('button', { name: /^Cancel appointments of the series/ }));
    const dialog = screen.getByRole('alertdialog');
    await user.click(within(dialog).getByLabelText('This and the following ones'));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel appointments' }));
    await waitFor(() => expect(server.requests('DELETE /api/appointments/7')).toHaveLength(1));
    expect(server.requests('DELETE /api/appointments/7')[0].query.get('scope')).toBe('following');
    expect(await screen.findByText('Cancelled 3 appointments of the series.')).toBeInTheDocument();
  });
});

describe('booking outside working hours', () => {
  it('warns and books only once confirmed', async () => {
    const user = userEvent.setup();
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const server = fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'GET /api/doctors': {
        body: list([{ id: 4, name: 'Dr. Ana Weber', specialty: null, active: true, working_hours: Object.fromEntries(days.map((d) => [d, [{ start: '09:00', end: '17:00' }]])) }]),
      },
      'GET /api/doctors/4/availability': { body: { success: true, data: { doctor_id: 4, date: '2031-03-04', time_zone: 'America/New_York', duration_minutes: 30, slots: [] } } },
      'POST /api/appointments': { status: 201, body: { success: true, data: appointment(2) } },
    });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await user.click(within(form).getByRole('combobox', { name: /Patient/ }));
    await user.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    await waitFor(() => expect(within(form).getByLabelText(/Doctor/).tagName).toBe('SELECT'));
    await user.selectOptions(within(form).getByLabelText(/Doctor/), 'Dr. Ana Weber');
    await user.type(within(form).getByLabelText(/Date/), '2031-03-04');
    await user.type(within(form).getByLabelText(/^Time/), '18:30');
    expect(await within(form).findByText(/18:30 is outside Dr. Ana Weber’s working hours/)).toBeInTheDocument();
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    expect(await within(form).findByText('Confirm the booking outside working hours')).toBeInTheDocument();
    expect(server.requests('POST /api/appointments')).toHaveLength(0);
    await user.click(within(form).getByLabelText('Book outside working hours'));
    await user.click(within(form).getByRole('button', { name: 'Book appointment' }));
    await waitFor(() => expect(server.requests('POST /api/appointments')).toHaveLength(1));
    expect(server.requests('POST /api/appointments')[0].body).toMatchObject({ doctor_id: 4 });
    expect(server.requests('POST /api/appointments')[0].body).not.toHaveProperty('doctor_name');
  });
});

describe('moving an appointment', () => {
  it('moves with the same conflict feedback as booking, and asks which occurrences of a series', async () => {
    const user = userEvent.setup();
    let tries = 0;
    const server = fakeServer({
      'GET /api/appointments': { body: list([appointment(7, { series_id: 3, duration_minutes: 30, appointment_datetime: toRFC3339('2031-03-04', '09:30') })]) },
      'PUT /api/appointments/7': () =>
        ++tries === 1
          ? {
              status: 409,
              body: {
                success: false,
                error: 'the doctor already has an appointment',
                conflict: { appointment_id: 9, start: toRFC3339('2031-03-04', '10:00'), end: toRFC3339('2031-03-04', '10:30') },
              },
            }
          : { body: { success: true, data: appointment(7), series: { id: 3, appointments: [appointment(7)] } } },
    });
    renderAt('/appointments');
    const card = await screen.findByTestId('appointment-card');
    await user.click(within(card).getByRole('button', { name: /^Move appointment/ }));
    const dialog = screen.getByRole('dialog', { name: /Move the appointment of Jane Doe/ });
    expect(within(dialog).getByLabelText('Time')).toHaveValue('09:30'); // the clinic's clock
    await user.clear(within(dialog).getByLabelText('Time'));
    await user.type(within(dialog).getByLabelText('Time'), '10:15');
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    expect(await within(dialog).findByText('The doctor already has an appointment 10:00–10:30')).toBeInTheDocument();
    expect(server.requests('PUT /api/appointments/7')[0].body).toEqual({ appointment_datetime: '2031-03-04T10:15:00-05:00' });

    await user.click(within(dialog).getByLabelText('This and the following ones'));
    await user.clear(within(dialog).getByLabelText('Time'));
    await user.type(within(dialog).getByLabelText('Time'), '11:00');
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    await waitFor(() => expect(server.requests('PUT /api/appointments/7')).toHaveLength(2));
    expect(server.requests('PUT /api/appointments/7')[1].query.get('scope')).toBe('following');
    expect(await screen.findByText('Moved the appointments of the series.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});

describe('patients are named with their MRN', () => {
  it('shows the MRN in the picker, not the internal id', async () => {
    const user = userEvent.setup();
    fakeServer({ 'GET /api/patients': { body: list([patient(5, 'Janet Roe', { mrn: 'HMS-000005' })]) } });
    renderAt('/appointments');
    const form = await screen.findByRole('form', { name: 'Book appointment' });
    await user.click(within(form).getByRole('combobox', { name: /Patient/ }));
    expect(await screen.findByRole('option', { name: /Janet Roe.*HMS-000005/ })).toBeInTheDocument();
    await user.click(screen.getByRole('option', { name: /Janet Roe/ }));
    expect(within(form).getByTestId('picked-patient')).toHaveTextContent('Janet Roe HMS-000005');
    expect(within(form).getByTestId('picked-patient')).not.toHaveTextContent('#5');
  });
});
