import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { today } from '../../lib/format';
import { tokens } from '../../api';
import { fakeServer, patient, user } from '../../test/fakeServer';
import { renderAt } from '../../test/render';

const allergy = (id: number, substance: string, extra: Record<string, unknown> = {}) => ({
  id,
  patient_id: 1,
  substance,
  code: null,
  category: null,
  reaction: 'Hives',
  severity: 'severe',
  criticality: 'high',
  clinical_status: 'active',
  no_known_allergies: false,
  onset_date: null,
  version: 1,
  ...extra,
});

const visit = (extra: Record<string, unknown> = {}) => ({
  id: 5,
  patient_id: 1,
  appointment_id: 9,
  doctor_id: 2,
  status: 'open',
  started_at: '2026-03-01T09:00:00Z',
  ended_at: null,
  reason: 'Cough',
  findings: null,
  assessment: null,
  plan: null,
  signed_at: null,
  signed_by: null,
  version: 1,
  created_at: '2026-03-01T09:00:00Z',
  updated_at: '2026-03-01T09:00:00Z',
  addenda: [],
  ...extra,
});

function chartServer(role: 'doctor' | 'staff' | 'nurse', allergies: unknown[], noKnown = false) {
  tokens.set('A', 'R');
  const empty = { body: { success: true, data: [], count: 0 } };
  return fakeServer({
    'GET /api/auth/me': { body: { success: true, data: user(role) } },
    'GET /api/patients/1': { body: { success: true, data: patient(1, 'Jane Doe', { mrn: 'HMS-000001', gender: 'female', phone: '+1 555-0102' }) } },
    'GET /api/patients/1/allergies': { body: { success: true, data: allergies, count: allergies.length, no_known_allergies: noKnown } },
    'GET /api/patients/1/visits': { body: { success: true, data: [visit()], count: 1 } },
    'GET /api/patients/1/vitals': { body: { success: true, data: [], count: 0, latest: {} } },
    'GET /api/patients/1/problems': empty,
    'GET /api/patients/1/medications': empty,
    'GET /api/patients/1/records': { body: { success: true, data: [], count: 0, patient: patient(1, 'Jane Doe') } },
    'GET /api/visits/5': { body: { success: true, data: visit() } },
  });
}

describe('the patient banner', () => {
  it('shows the name, MRN and active allergies on the patient page and the visit page', async () => {
    chartServer('doctor', [allergy(1, 'Penicillin'), allergy(2, 'Latex', { clinical_status: 'resolved' })]);
    renderAt('/patients/1');
    const banner = await screen.findByTestId('patient-banner');
    expect(banner).toHaveTextContent('Jane Doe');
    expect(banner).toHaveTextContent('HMS-000001');
    expect(banner).toHaveTextContent('Gender Female');
    // The patient's phone and email are links to call and write.
    expect(screen.getByRole('link', { name: '+1 555-0102' })).toHaveAttribute('href', 'tel:+15550102');
    expect(screen.getByRole('link', { name: 'jane.doe@example.com' })).toHaveAttribute('href', 'mailto:jane.doe@example.com');
    const alert = await within(banner).findByRole('alert', { name: 'Active allergies' });
    expect(alert).toHaveTextContent('Penicillin (severe)');
    expect(alert).not.toHaveTextContent('Latex');
  });

  it('says so when the patient has no known allergies', async () => {
    chartServer('nurse', [allergy(1, 'No known allergies', { no_known_allergies: true, reaction: null, severity: null })], true);
    renderAt('/visits/5');
    const banner = await screen.findByTestId('patient-banner');
    expect(await within(banner).findByText('No known allergies')).toBeInTheDocument();
  });

  it('staff see the banner without clinical data', async () => {
    const server = chartServer('staff', [allergy(1, 'Penicillin')]);
    renderAt('/patients/1');
    const banner = await screen.findByTestId('patient-banner');
    expect(banner).toHaveTextContent('Jane Doe');
    expect(within(banner).queryByText(/Penicillin|Allergies/)).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Visits' })).not.toBeInTheDocument();
    expect(server.requests('GET /api/patients/1/allergies')).toHaveLength(0);
  });
});

describe('a visit', () => {
  it('saves the note and signs it; a nurse may record vitals but not sign', async () => {
    const u = userEvent.setup();
    const server = chartServer('doctor', []);
    server.on('PUT /api/visits/5', (req) => ({ body: { success: true, data: visit({ ...(req.body as object), version: 2 }) } }));
    server.on('POST /api/visits/5/sign', { body: { success: true, data: visit({ signed_at: '2026-03-01T10:00:00Z', version: 3 }) } });
    renderAt('/visits/5');
    const note = await screen.findByRole('form', { name: 'Visit note' });
    await u.type(within(note).getByLabelText('Assessment'), 'Bronchitis');
    await u.click(within(note).getByRole('button', { name: 'Save note' }));
    await waitFor(() => expect(server.requests('PUT /api/visits/5')[0]?.body).toMatchObject({ assessment: 'Bronchitis', reason: 'Cough' }));
    await u.click(screen.getByRole('button', { name: 'Sign visit' }));
    await waitFor(() => expect(server.requests('POST /api/visits/5/sign')).toHaveLength(1));
  });

  it('a nurse sees no sign button and no note form', async () => {
    chartServer('nurse', []);
    renderAt('/visits/5');
    expect(await screen.findByRole('form', { name: 'Record vital signs' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Sign visit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Visit note' })).not.toBeInTheDocument();
  });
});

describe('amending and voiding records', () => {
  it('amends a record as a new version, marks it amended and shows its history; voids with a reason', async () => {
    const u = userEvent.setup();
    tokens.set('A', 'R');
    let rec = { id: 7, patient_id: 1, visit_id: null, diagnosis: 'Flu', prescription: 'Rest', doctor_name: 'Dr. Ana Weber', record_date: '2026-02-01', notes: null, version: 1, created_at: '2026-02-01T10:00:00Z' };
    const server = fakeServer({
      'GET /api/auth/me': { body: { success: true, data: user('admin') } },
      'GET /api/patients': { body: { success: true, data: [patient(1, 'Jane Doe')], count: 1, total: 1 } },
      'GET /api/patients/1': { body: { success: true, data: patient(1, 'Jane Doe') } },
      'GET /api/patients/1/records': () => ({ body: { success: true, data: [rec], count: 1, patient: patient(1, 'Jane Doe') } }),
      'PUT /api/records/7': (req) => {
        rec = { ...rec, ...(req.body as object), version: 2 };
        return { body: { success: true, data: rec } };
      },
      'GET /api/records/7/history': {
        body: { success: true, count: 2, data: [
          { version: 1, diagnosis: 'Flu', prescription: 'Rest', doctor_name: 'Dr. Ana Weber', record_date: '2026-02-01', notes: null, created_by: 1, created_at: '2026-02-01T10:00:00Z' },
          { version: 2, diagnosis: 'Influenza A', prescription: 'Rest', doctor_name: 'Dr. Ana Weber', record_date: '2026-02-01', notes: null, created_by: 1, created_at: '2026-02-02T10:00:00Z' },
        ] },
      },
      'DELETE /api/records/7': { body: { success: true, message: 'medical record deleted' } },
    });
    renderAt('/records?patient=1');
    await u.click(await screen.findByRole('button', { name: 'Amend record “Flu”' }));
    const form = screen.getByRole('form', { name: 'Amend record “Flu”' });
    const diagnosis = within(form).getByLabelText('Diagnosis');
    await u.clear(diagnosis);
    await u.type(diagnosis, 'Influenza A');
    await u.click(within(form).getByRole('button', { name: 'Save amendment' }));
    await waitFor(() => expect(server.requests('PUT /api/records/7')[0]?.body).toMatchObject({ diagnosis: 'Influenza A' }));
    const entry = await screen.findByText('amended');
    expect(entry).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'History (2 versions)' }));
    const history = await screen.findByRole('list', { name: 'Record history' });
    expect(within(history).getAllByRole('listitem')).toHaveLength(2);

    await u.click(screen.getByRole('button', { name: 'Delete record “Influenza A”' }));
    const dialog = screen.getByRole('alertdialog');
    await u.type(within(dialog).getByLabelText('Reason'), 'wrong patient');
    await u.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(server.requests('DELETE /api/records/7')).toHaveLength(1));
    expect(server.requests('DELETE /api/records/7')[0].query.get('reason')).toBe('wrong patient');
  });
});

describe('the history of a visit note', () => {
  it('marks an amended note and lists every version and addendum with its author and time', async () => {
    const u = userEvent.setup();
    const server = chartServer('doctor', []);
    const addenda = [{ id: 31, visit_id: 5, text: 'Culture came back negative.', created_by: 77, created_at: '2026-03-02T08:00:00Z' }];
    server.on('GET /api/visits/5', { body: { success: true, data: visit({ version: 3, signed_at: '2026-03-01T10:00:00Z', signed_by: 2, addenda }) } });
    server.on('GET /api/doctors', { body: { success: true, data: [{ id: 2, name: 'Dr. Ana Weber', specialty: null, active: true, user_id: 77 }], count: 1, total: 1 } });
    server.on('GET /api/visits/5/history', {
      body: {
        success: true,
        count: 3,
        data: [
          { version: 1, reason: 'Cough', findings: null, assessment: null, plan: null, created_by: 77, created_at: '2026-03-01T09:00:00Z' },
          { version: 2, reason: 'Cough', findings: null, assessment: 'Bronchitis', plan: null, created_by: 77, created_at: '2026-03-01T09:30:00Z' },
          { version: 3, reason: 'Cough', findings: null, assessment: 'Bronchitis', plan: 'Rest', created_by: 12, created_at: '2026-03-01T10:00:00Z' },
        ],
        addenda,
      },
    });
    renderAt('/visits/5');
    const heading = await screen.findByRole('heading', { level: 2, name: /Visit of/ });
    expect(within(heading).getByText('amended')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'History (3 versions, 1 addendum)' }));
    const history = await screen.findByRole('list', { name: 'Note history' });
    const items = within(history).getAllByRole('listitem');
    expect(items).toHaveLength(4);
    expect(items[0]).toHaveTextContent('Version 1');
    await waitFor(() => expect(items[1]).toHaveTextContent('Dr. Ana Weber'));
    expect(items[1]).toHaveTextContent('Assessment: Bronchitis');
    expect(items[2]).toHaveTextContent('user #12');
    expect(items[3]).toHaveTextContent('Addendum 1');
    expect(items[3]).toHaveTextContent('Culture came back negative.');
    expect(items[3]).toHaveTextContent('Dr. Ana Weber');
    expect(server.requests('GET /api/visits/5/history')).toHaveLength(1);
  });

  it('a note of one version is not marked amended', async () => {
    chartServer('doctor', []);
    renderAt('/visits/5');
    const heading = await screen.findByRole('heading', { level: 2, name: /Visit of/ });
    expect(within(heading).queryByText('amended')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'History (1 version)' })).toBeInTheDocument();
  });
});

describe('stopping a medication', () => {
  const med = { record_id: 7, patient_id: 1, visit_id: 5, prescription: 'Amoxicillin 500 mg', diagnosis: 'Otitis', doctor_name: 'Dr. Ana Weber', started_on: '2026-02-01', status: 'active', stopped_on: null, stop_reason: null };

  it('asks for the reason and date in a dialog, not the browser prompt, and sends both', async () => {
    const u = userEvent.setup();
    const prompt = vi.spyOn(window, 'prompt');
    const server = chartServer('doctor', []);
    server.on('GET /api/patients/1/medications', { body: { success: true, data: [med], count: 1 } });
    server.on('POST /api/medications/7/stop', (req) => ({ body: { success: true, data: { ...med, status: 'stopped', stopped_on: (req.body as { date: string }).date, stop_reason: 'rash' } } }));
    renderAt('/patients/1');
    await u.click(await screen.findByRole('button', { name: 'Stop Amoxicillin 500 mg' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Stop Amoxicillin 500 mg?' });
    expect(within(dialog).getByLabelText('Stopped on')).toHaveValue(today());

    await u.click(within(dialog).getByRole('button', { name: 'Stop medication' }));
    expect(within(dialog).getByText('Say why it is stopped.')).toBeInTheDocument();
    expect(server.requests('POST /api/medications/7/stop')).toHaveLength(0);

    await u.type(within(dialog).getByLabelText(/Reason/), 'rash');
    const date = within(dialog).getByLabelText('Stopped on');
    await u.clear(date);
    await u.type(date, '2026-02-20');
    await u.click(within(dialog).getByRole('button', { name: 'Stop medication' }));
    await waitFor(() => expect(server.requests('POST /api/medications/7/stop')[0]?.body).toEqual({ reason: 'rash', date: '2026-02-20' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(prompt).not.toHaveBeenCalled();
    prompt.mockRestore();
  });

  it('Keep it closes the dialog and stops nothing', async () => {
    const u = userEvent.setup();
    const server = chartServer('doctor', []);
    server.on('GET /api/patients/1/medications', { body: { success: true, data: [med], count: 1 } });
    renderAt('/patients/1');
    await u.click(await screen.findByRole('button', { name: 'Stop Amoxicillin 500 mg' }));
    await u.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(server.requests('POST /api/medications/7/stop')).toHaveLength(0);
  });
});
