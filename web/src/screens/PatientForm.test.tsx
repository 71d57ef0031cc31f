import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BannerProvider } from '../components/Banner';
import { fakeServer, patient } from '../test/fakeServer';
import { PatientForm } from './PatientForm';

function renderForm(props: Parameters<typeof PatientForm>[0] = {}) {
  return render(
    <BannerProvider>
      <PatientForm {...props} />
    </BannerProvider>,
  );
}

describe('PatientForm', () => {
  it('checks the fields before sending anything', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    renderForm();
    await user.type(screen.getByLabelText(/Email/), 'not-an-email');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));

    expect(screen.getByLabelText(/Full name/)).toHaveAccessibleDescription('Name is required');
    expect(screen.getByLabelText(/Email/)).toHaveAccessibleDescription('must be a valid email address');
    expect(screen.getByLabelText(/Date of birth/)).toHaveAccessibleDescription('Date of birth is required');
    expect(screen.getByLabelText(/Full name/)).toHaveFocus();
    expect(server.sent.filter((r) => r.path === '/api/patients')).toHaveLength(0);
  });

  it('creates a patient with only the fields given', async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const server = fakeServer({
      'POST /api/patients': (req) => ({ status: 201, body: { success: true, data: { ...patient(7, 'Jane Doe'), ...(req.body as object) } } }),
    });
    renderForm({ onSaved });
    await user.type(screen.getByLabelText(/Full name/), '  Jane Doe ');
    await user.type(screen.getByLabelText(/Date of birth/), '1985-04-12');
    await user.type(screen.getByLabelText(/Email/), 'jane@example.com');
    await user.selectOptions(screen.getByLabelText('Blood group'), 'AB-');
    await user.selectOptions(screen.getByLabelText('Gender'), 'Female');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.requests('POST /api/patients')[0].body).toEqual({
      name: 'Jane Doe',
      email: 'jane@example.com',
      date_of_birth: '1985-04-12',
      blood_group: 'AB-',
      gender: 'female',
    });
    expect(await screen.findByRole('status')).toHaveTextContent('Added patient Jane Doe.');
    expect(screen.getByLabelText(/Full name/)).toHaveValue('');
  });

  it('shows the possible matches before saving, and saves anyway when asked', async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const server = fakeServer({
      'GET /api/patients/matches': { body: { success: true, data: [patient(3, 'Jane Doe', { mrn: 'HMS-000003', phone: '555-0100' })], count: 1 } },
      'POST /api/patients': (req) => ({ status: 201, body: { success: true, data: { ...patient(7, 'Jane Doe'), ...(req.body as object) } } }),
    });
    renderForm({ onSaved });
    await user.type(screen.getByLabelText(/Full name/), 'Jane Doe');
    await user.type(screen.getByLabelText(/Date of birth/), '1980-05-17');
    await user.type(screen.getByLabelText(/Email/), 'jane.d@example.com');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));

    const found = await screen.findByRole('status', { name: 'Possible matches' });
    expect(found).toHaveTextContent('HMS-000003');
    expect(screen.getByRole('link', { name: 'Open HMS-000003' })).toHaveAttribute('href', '/patients/3');
    const asked = server.requests('GET /api/patients/matches')[0].query;
    expect([asked.get('name'), asked.get('date_of_birth'), asked.get('email')]).toEqual(['Jane Doe', '1980-05-17', 'jane.d@example.com']);
    expect(server.requests('POST /api/patients')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Save anyway' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.requests('POST /api/patients')).toHaveLength(1);
  });

  it('offers no blood group to those who may not set it, and never sends one', async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const server = fakeServer({
      'POST /api/patients': (req) => ({ status: 201, body: { success: true, data: { ...patient(7, 'Jane Doe'), ...(req.body as object) } } }),
    });
    renderForm({ onSaved, clinical: false });
    expect(screen.queryByLabelText('Blood group')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText(/Full name/), 'Jane Doe');
    await user.type(screen.getByLabelText(/Date of birth/), '1985-04-12');
    await user.type(screen.getByLabelText(/Email/), 'jane@example.com');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.requests('POST /api/patients')[0].body).toEqual({
      name: 'Jane Doe',
      email: 'jane@example.com',
      date_of_birth: '1985-04-12',
    });
  });

  it('shows the server field errors next to their fields', async () => {
    const user = userEvent.setup();
    fakeServer({
      'POST /api/patients': {
        status: 409,
        body: {
          success: false,
          error: 'a patient with this email already exists',
          fields: { email: 'is already registered to another patient' },
        },
      },
    });
    renderForm();
    await user.type(screen.getByLabelText(/Full name/), 'Jane Doe');
    await user.type(screen.getByLabelText(/Date of birth/), '1985-04-12');
    await user.type(screen.getByLabelText(/Email/), 'jane@example.com');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));

    const email = screen.getByLabelText(/Email/);
    await waitFor(() => expect(email).toHaveAccessibleDescription('is already registered to another patient'));
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveFocus();
  });

  it('sends only what changed when editing, null to clear', async () => {
    const user = userEvent.setup();
    const existing = patient(3, 'John Smith', { phone: '+1 555 0102', blood_group: 'O-', gender: 'male' });
    const server = fakeServer({
      'PUT /api/patients/3': { body: { success: true, data: { ...existing, name: 'John A. Smith', phone: null } } },
    });
    renderForm({ patient: existing as never });
    const name = screen.getByLabelText(/Full name/);
    await user.clear(name);
    await user.type(name, 'John A. Smith');
    await user.clear(screen.getByLabelText('Phone'));
    expect(screen.getByLabelText('Gender')).toHaveValue('male');
    await user.selectOptions(screen.getByLabelText('Gender'), 'Not recorded');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(server.requests('PUT /api/patients/3')).toHaveLength(1));
    expect(server.requests('PUT /api/patients/3')[0].body).toEqual({ name: 'John A. Smith', phone: null, gender: null });
  });

  it('keeps what was typed as a draft that comes back after a remount', async () => {
    const user = userEvent.setup();
    fakeServer();
    const first = renderForm();
    await user.type(screen.getByLabelText(/Full name/), 'Half typed');
    first.unmount();

    renderForm();
    expect(screen.getByLabelText(/Full name/)).toHaveValue('Half typed');
    expect(screen.getByText('Your unsaved input was restored.')).toBeInTheDocument();
  });

  it('points at a possible duplicate the server found', async () => {
    const user = userEvent.setup();
    fakeServer({
      'POST /api/patients': {
        status: 201,
        body: {
          success: true,
          data: patient(9, 'Jane Doe'),
          warnings: [{ type: 'possible_duplicate', patient_id: 4, message: 'an active patient with the same name and date of birth or phone exists' }],
        },
      },
    });
    renderForm();
    await user.type(screen.getByLabelText(/Full name/), 'Jane Doe');
    await user.type(screen.getByLabelText(/Date of birth/), '1985-04-12');
    await user.type(screen.getByLabelText(/Email/), 'jane.d@example.com');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));
    expect(await screen.findByText(/an active patient with the same name/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open patient #4' })).toHaveAttribute('href', '/patients/4');
  });
});
