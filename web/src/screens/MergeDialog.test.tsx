import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BannerProvider } from '../components/Banner';
import { fakeServer, list, patient } from '../test/fakeServer';
import { MergeDialog } from './MergeDialog';

const duplicate = patient(4, 'Ada L.', { mrn: 'HMS-000004', active: true });
const survivor = patient(1, 'Ada Lovelace', { mrn: 'HMS-000001', active: true, phone: '555-0142' });

function renderDialog(onClose = vi.fn()) {
  render(
    <BannerProvider>
      <MergeDialog patient={duplicate} onClose={onClose} />
    </BannerProvider>,
  );
  return onClose;
}

async function chooseSurvivor(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByRole('combobox'), 'Lovelace');
  await user.click(await screen.findByRole('option', { name: /HMS-000001/ }));
  return screen.findByRole('region', { name: 'Remains, with everything' });
}

describe('MergeDialog', () => {
  it('shows both patients side by side and merges into the one chosen', async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      'GET /api/patients': { body: list([survivor]) },
      'GET /api/patients/1': { body: { success: true, data: survivor } },
      'POST /api/patients/4/merge': {
        body: { success: true, data: { merged: { ...duplicate, active: false, replaced_by: 1 }, survivor, moved: { appointment: 2 } } },
      },
    });
    const onClose = renderDialog();
    expect(await chooseSurvivor(user)).toHaveTextContent('555-0142');
    expect(screen.getByRole('region', { name: 'This record: deactivated' })).toHaveTextContent('HMS-000004');

    await user.click(screen.getByRole('button', { name: 'Merge into HMS-000001' }));
    expect(server.requests('POST /api/patients/4/merge')[0].body).toEqual({ into: 1 });
    expect(onClose).toHaveBeenCalled();
  });

  it('names the overlapping appointments when the server refuses, and stays open', async () => {
    const user = userEvent.setup();
    fakeServer({
      'GET /api/patients': { body: list([survivor]) },
      'GET /api/patients/1': { body: { success: true, data: survivor } },
      'POST /api/patients/4/merge': {
        status: 409,
        body: {
          success: false,
          error: '1 appointments of the two patients overlap',
          conflicts: [{ appointment_id: 7, start: '2030-01-08T14:00:00Z', survivor_appointment_id: 9, clash_start: '2030-01-08T14:15:00Z' }],
        },
      },
    });
    const onClose = renderDialog();
    await chooseSurvivor(user);
    await user.click(screen.getByRole('button', { name: 'Merge into HMS-000001' }));
    expect(await screen.findByText(/Both patients have appointments at the same time/)).toHaveTextContent('nothing was merged');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('refuses to merge a patient into themselves before asking the server', async () => {
    const user = userEvent.setup();
    const server = fakeServer({ 'GET /api/patients': { body: list([duplicate]) } });
    renderDialog();
    await user.type(screen.getByRole('combobox'), 'Ada');
    await user.click(await screen.findByRole('option', { name: /HMS-000004/ }));
    expect(await screen.findByText(/cannot be merged into themselves/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Merge' })).toBeDisabled();
    expect(server.requests('POST /api/patients/4/merge')).toHaveLength(0);
  });
});
