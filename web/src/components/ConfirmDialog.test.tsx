import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { DeleteButton } from './ConfirmDialog';

describe('DeleteButton', () => {
  it('asks before deleting and deletes on confirm', async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn().mockResolvedValue(undefined);
    render(<DeleteButton what="patient Jane Doe" onDelete={onDelete} />);

    await user.click(screen.getByRole('button', { name: 'Delete patient Jane Doe' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete patient Jane Doe?' });
    expect(dialog).toBeInTheDocument();
    expect(onDelete).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    expect(onDelete).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });

  it('does nothing on Cancel or Escape', async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn();
    render(<DeleteButton what="record" onDelete={onDelete} />);

    await user.click(screen.getByRole('button', { name: 'Delete record' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Delete record' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(onDelete).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Delete record' })).toHaveFocus();
  });

  it('keeps Tab inside the dialog', async () => {
    const user = userEvent.setup();
    render(<DeleteButton what="record" onDelete={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Delete record' }));
    await user.tab();
    expect(screen.getByRole('button', { name: 'Delete' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
  });

  it('closes even when the deletion fails (the caller reports it)', async () => {
    const user = userEvent.setup();
    render(<DeleteButton what="record" onDelete={() => Promise.reject(new Error('nope'))} />);
    await user.click(screen.getByRole('button', { name: 'Delete record' }));
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });
});
