import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeServer, list, patient } from '../test/fakeServer';
import { StatusBar } from './StatusBar';

describe('StatusBar', () => {
  it('shows online with the patient and appointment totals', async () => {
    fakeServer({
      'GET /api/patients': { body: list([patient(1, 'A')], 100000) },
      'GET /api/appointments': { body: list([], 42) },
    });
    render(<StatusBar showCounts />);
    await waitFor(() => expect(screen.getByTestId('system-status')).toHaveTextContent('Online'));
    expect(await screen.findByText((100000).toLocaleString())).toBeInTheDocument();
    expect(screen.getByText('42')).toBeInTheDocument();
  });

  it('goes offline when /health fails and back online on focus', async () => {
    const server = fakeServer();
    render(<StatusBar showCounts={false} />);
    await waitFor(() => expect(screen.getByTestId('system-status')).toHaveTextContent('Online'));

    server.setDown(true);
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    await waitFor(() => expect(screen.getByTestId('system-status')).toHaveTextContent('Offline'));

    server.setDown(false);
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    await waitFor(() => expect(screen.getByTestId('system-status')).toHaveTextContent('Online'));
  });

  it('shows no counts while nobody is signed in', async () => {
    const server = fakeServer();
    render(<StatusBar showCounts={false} />);
    await waitFor(() => expect(screen.getByTestId('system-status')).toHaveTextContent('Online'));
    expect(screen.queryByText(/Patients:/)).not.toBeInTheDocument();
    expect(server.requests('GET /api/patients')).toHaveLength(0);
  });
});
