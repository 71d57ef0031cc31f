// A modal that asks before something is deleted. Focus moves into it, Escape and
// Cancel close it, Tab stays inside, and focus returns to the button that opened it.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { btn } from './styles';

interface ConfirmDialogProps {
  title: string;
  children?: ReactNode;
  confirmLabel?: string;
  /** The button that closes the dialog without doing anything. */
  dismissLabel?: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({
  title,
  children,
  confirmLabel = 'Delete',
  dismissLabel = 'Cancel',
  busy,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    cancel.current?.focus();
    return () => opener?.focus?.();
  }, []);

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Tab' && dialog.current) {
      const focusable = dialog.current.querySelectorAll<HTMLElement>('input, textarea, select, button:not([disabled])');
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/50 p-4" onMouseDown={onCancel}>
      <div
        ref={dialog}
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-body"
        className="w-full max-w-md rounded-lg bg-white p-5 shadow-xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        <h2 id="confirm-title" className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        <div id="confirm-body" className="mt-2 text-sm text-slate-700">
          {children}
        </div>
        <div className="mt-5 flex justify-end gap-2">
          <button ref={cancel} type="button" className={btn.secondary} onClick={onCancel} disabled={busy}>
            {dismissLabel}
          </button>
          <button type="button" className={btn.danger} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

interface DeleteButtonProps {
  /** What is being deleted, e.g. "patient Jane Doe". */
  what: string;
  detail?: ReactNode;
  onDelete: () => Promise<unknown>;
  label?: string;
  /** The dialog's button that keeps things as they are. */
  dismissLabel?: string;
  className?: string;
}

/** A delete button that asks for confirmation before calling onDelete. */
export function DeleteButton({ what, detail, onDelete, label = 'Delete', dismissLabel, className = '' }: DeleteButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    setBusy(true);
    try {
      await onDelete();
    } catch {
      // onDelete reports its own failures in the banner.
    } finally {
      setBusy(false);
      setOpen(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className={`${btn.dangerQuiet} ${btn.small} ${className}`}
        onClick={() => setOpen(true)}
        aria-label={`${label} ${what}`}
      >
        {label}
      </button>
      {open && (
        <ConfirmDialog
          title={`${label} ${what}?`}
          confirmLabel={label}
          dismissLabel={dismissLabel}
          busy={busy}
          onConfirm={confirm}
          onCancel={() => setOpen(false)}
        >
          {detail ?? <p>This cannot be undone.</p>}
        </ConfirmDialog>
      )}
    </>
  );
}
