// The message banner: one success or error message at a time, dismissed after 5 s
// or by its close button.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export const BANNER_TIMEOUT_MS = 5000;

type Kind = 'success' | 'error';
interface Message {
  id: number;
  kind: Kind;
  text: string;
}

interface Notify {
  success: (text: string) => void;
  error: (text: string) => void;
}

const NotifyContext = createContext<Notify>({ success: () => {}, error: () => {} });

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

let nextId = 1;

export function BannerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState<Message | null>(null);
  const show = useCallback((kind: Kind, text: string) => setMessage({ id: nextId++, kind, text }), []);
  const notify = useMemo<Notify>(
    () => ({ success: (t) => show('success', t), error: (t) => show('error', t) }),
    [show],
  );

  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(null), BANNER_TIMEOUT_MS);
    return () => clearTimeout(t);
  }, [message]);

  return (
    <NotifyContext.Provider value={notify}>
      <div className="pointer-events-none fixed inset-x-0 top-3 z-50 flex justify-center px-3">
        {message && (
          <div
            key={message.id}
            role={message.kind === 'error' ? 'alert' : 'status'}
            data-testid="banner"
            className={`pointer-events-auto flex w-full max-w-lg items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg ${
              message.kind === 'error'
                ? 'border-red-200 bg-red-50 text-red-900'
                : 'border-emerald-200 bg-emerald-50 text-emerald-900'
            }`}
          >
            <span aria-hidden="true" className="mt-0.5 font-bold">
              {message.kind === 'error' ? '!' : '✓'}
            </span>
            <p className="flex-1">{message.text}</p>
            <button
              type="button"
              onClick={() => setMessage(null)}
              className="-m-1 rounded p-1 leading-none opacity-70 hover:opacity-100"
              aria-label="Dismiss message"
            >
              ×
            </button>
          </div>
        )}
      </div>
      {children}
    </NotifyContext.Provider>
  );
}
