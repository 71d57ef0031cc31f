import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeServer, list, patient } from '../test/fakeServer';
import { renderAt } from '../test/render';

/** A server with 100,000 patients, 20 to a page, cursor = last id of the page. */
function manyPatients() {
  return fakeServer({
    'GET /api/patients': (req) => {
      const q = req.query.get('q') ?? '';
      const limit = Number(req.query.get('limit') ?? 50);
      const after = Number(req.query.get('cursor') ?? 0);
      if (q) return { body: list([patient(4242, `Match ${q}`)], 1) };
      const items = Array.from({ length: limit }, (_, i) => patient(after + i + 1, `Patient ${after + i + 1}`));
      return { body: list(items, 100000, String(after + limit)) };
    },
  });
}

describe('Patients screen', () => {
  it('pages forward and back with the server’s cursors', async () => {
    const user = userEvent.setup();
    const server = manyPatients();
    renderAt('/patients');
    expect(await screen.findByText('Patient 1')).toBeInTheDocument();
    expect(screen.getByText(`Showing 1–20 of ${(100000).toLocaleString()} patients`)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '← Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next →' }));
    expect(await screen.findByText('Patient 21')).toBeInTheDocument();
    expect(screen.getByText(`Showing 21–40 of ${(100000).toLocaleString()} patients`)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next →' }));
    expect(await screen.findByText('Patient 41')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: '← Previous' }));
    expect(await screen.findByText('Patient 21')).toBeInTheDocument();
    const cursors = server.requests('GET /api/patients').filter((r) => r.query.get('limit') === '20').map((r) => r.query.get('cursor'));
    expect(cursors).toEqual([null, '20', '40', '20']);
  });

  it('searches on the server once the typing settles', async () => {
    const user = userEvent.setup();
    const server = manyPatients();
    renderAt('/patients');
    await screen.findByText('Patient 1');
    await user.type(screen.getByLabelText('Search patients'), 'smith');

    expect(await screen.findByText('Match smith')).toBeInTheDocument();
    const searches = server.requests('GET /api/patients').filter((r) => r.query.get('q'));
    expect(searches.map((r) => r.query.get('q'))).toEqual(['smith']);
    expect(window.location.search).toBe('?q=smith');
  });

  it('says so when nothing matches', async () => {
    const user = userEvent.setup();
    fakeServer({ 'GET /api/patients': (req) => ({ body: list(req.query.get('q') ? [] : [patient(1, 'Jane Doe')]) }) });
    renderAt('/patients');
    await screen.findByText('Jane Doe');
    await user.type(screen.getByLabelText('Search patients'), 'zzz');
    expect(await screen.findByText('No patient matches “zzz”')).toBeInTheDocument();
  });

  it('shows an error state with a retry when the server is down', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    server.on('GET /api/patients', (req) =>
      req.query.get('limit') === '20' && server.requests('GET /api/patients').filter((r) => r.query.get('limit') === '20').length === 1
        ? { status: 503, body: { success: false, error: 'database unavailable' } }
        : { body: list([patient(1, 'Jane Doe')]) },
    );
    renderAt('/patients');
    expect(await screen.findByText('database unavailable')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Jane Doe')).toBeInTheDocument();
  });

  it('deletes a patient after confirmation and reloads the list', async () => {
    const user = userEvent.setup();
    let patients = [patient(1, 'Jane Doe'), patient(2, 'John Smith')];
    const server = fakeServer({
      'GET /api/patients': () => ({ body: list(patients) }),
      'DELETE /api/patients/2': () => {
        patients = patients.filter((p) => p.id !== 2);
        return { body: { success: true, message: 'patient deleted' } };
      },
    });
    renderAt('/patients');
    await user.click(await screen.findByRole('button', { name: 'Delete patient John Smith' }));
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByText('John Smith')).not.toBeInTheDocument());
    expect(server.requests('DELETE /api/patients/2')).toHaveLength(1);
    expect(screen.getByText('Deleted patient John Smith.')).toBeInTheDocument();
  });
});
