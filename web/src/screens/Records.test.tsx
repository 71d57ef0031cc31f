import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeServer, list, patient } from '../test/fakeServer';
import { renderAt } from '../test/render';

const record = (id: number, date: string, diagnosis: string) => ({
  id,
  patient_id: 1,
  diagnosis,
  prescription: null,
  doctor_name: 'Dr. Ana Weber',
  record_date: date,
  notes: null,
  created_at: `${date}T10:00:00Z`,
});

describe('Medical records', () => {
  it('adds a record for the chosen patient and shows the timeline, newest first', async () => {
    const user = userEvent.setup();
    const records = [record(1, '2025-01-10', 'Older visit'), record(2, '2026-02-11', 'Newer visit')];
    const server = fakeServer({
      'GET /api/patients/1': { body: { success: true, data: patient(1, 'Jane Doe') } },
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'GET /api/patients/1/records': () => ({ body: { success: true, data: records, count: records.length, patient: patient(1, 'Jane Doe') } }),
      'POST /api/records': (req) => {
        const created = { ...record(3, '2026-03-01', ''), ...(req.body as object) };
        records.push(created);
        return { status: 201, body: { success: true, data: created } };
      },
    });
    renderAt('/records?patient=1');
    expect(await screen.findByRole('heading', { name: 'Records of Jane Doe' })).toBeInTheDocument();
    let entries = await screen.findAllByTestId('record-entry');
    expect(entries.map((e) => within(e).getByRole('heading').textContent)).toEqual(['Newer visit', 'Older visit']);

    const form = screen.getByRole('form', { name: 'Add medical record' });
    await user.type(within(form).getByLabelText(/Diagnosis/), 'Acute bronchitis');
    await user.type(within(form).getByLabelText(/Doctor/), 'Dr. Omar Reyes');
    await user.type(within(form).getByLabelText('Prescription'), 'Rest, fluids');
    await user.click(within(form).getByRole('button', { name: 'Add record' }));

    await waitFor(() => expect(server.requests('POST /api/records')).toHaveLength(1));
    expect(server.requests('POST /api/records')[0].body).toMatchObject({
      patient_id: 1,
      diagnosis: 'Acute bronchitis',
      doctor_name: 'Dr. Omar Reyes',
      prescription: 'Rest, fluids',
    });
    await waitFor(async () => {
      entries = await screen.findAllByTestId('record-entry');
      expect(entries).toHaveLength(3);
    });
  });

  it('asks for a patient first', async () => {
    const user = userEvent.setup();
    fakeServer();
    renderAt('/records');
    expect(await screen.findByText('Choose a patient')).toBeInTheDocument();
    await user.type(screen.getByLabelText(/Diagnosis/), 'Something');
    await user.type(screen.getByLabelText(/Doctor/), 'Dr. X');
    await user.click(screen.getByRole('button', { name: 'Add record' }));
    expect(screen.getByRole('combobox', { name: /Patient/ })).toHaveAccessibleDescription('Choose a patient');
  });

  it('keeps what was typed when the patient is chosen afterwards', async () => {
    const user = userEvent.setup();
    fakeServer({
      'GET /api/patients': { body: list([patient(1, 'Jane Doe')]) },
      'GET /api/patients/1/records': { body: { success: true, data: [], count: 0, patient: patient(1, 'Jane Doe') } },
    });
    renderAt('/records');
    await user.type(await screen.findByLabelText(/Diagnosis/), 'Migraine');
    await user.click(screen.getByRole('combobox', { name: /Patient/ }));
    await user.click(await screen.findByRole('option', { name: /Jane Doe/ }));
    expect(await screen.findByRole('heading', { name: 'Records of Jane Doe' })).toBeInTheDocument();
    expect(screen.getByLabelText(/Diagnosis/)).toHaveValue('Migraine');
    expect(window.location.search).toBe('?patient=1');
  });
});
