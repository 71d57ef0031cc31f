import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BANNER_TIMEOUT_MS, BannerProvider, useNotify } from './Banner';

function Buttons() {
  const notify = useNotify();
  return (
    <>
      <button onClick={() => notify.success('Saved.')}>ok</button>
      <button onClick={() => notify.error('Failed.')}>fail</button>
    </>
  );
}

describe('Banner', () => {
  afterEach(() => vi.useRealTimers());

  it('shows a success message and dismisses it after 5 seconds', async () => {
    vi.useFakeTimers();
    render(
      <BannerProvider>
        <Buttons />
      </BannerProvider>,
    );
    act(() => screen.getByText('ok').click());
    expect(screen.getByRole('status')).toHaveTextContent('Saved.');
    act(() => vi.advanceTimersByTime(BANNER_TIMEOUT_MS - 10));
    expect(screen.queryByText('Saved.')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(20));
    expect(screen.queryByText('Saved.')).not.toBeInTheDocument();
  });

  it('shows errors as alerts and closes on request', async () => {
    const user = userEvent.setup();
    render(
      <BannerProvider>
        <Buttons />
      </BannerProvider>,
    );
    await user.click(screen.getByText('fail'));
    expect(screen.getByRole('alert')).toHaveTextContent('Failed.');
    await user.click(screen.getByRole('button', { name: 'Dismiss message' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('a new message restarts the 5 seconds', () => {
    vi.useFakeTimers();
    render(
      <BannerProvider>
        <Buttons />
      </BannerProvider>,
    );
    act(() => screen.getByText('ok').click());
    act(() => vi.advanceTimersByTime(4000));
    act(() => screen.getByText('fail').click());
    act(() => vi.advanceTimersByTime(4000));
    expect(screen.getByRole('alert')).toHaveTextContent('Failed.');
    act(() => vi.advanceTimersByTime(1001));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
