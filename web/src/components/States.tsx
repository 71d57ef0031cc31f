// What a panel shows when it has nothing, or when loading it failed.
import type { ReactNode } from 'react';
import { ApiError } from '../api';
import { btn } from './styles';

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-slate-50/60 px-6 py-10 text-center">
      <p className="text-sm font-semibold text-slate-800">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

/** Words for an error a screen could not recover from. */
export function describeError(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    if (error.unreachable) return { title: 'The server is not reachable', detail: error.message };
    if (error.status === 403) return { title: 'Access denied', detail: 'Your role does not allow you to see this.' };
    if (error.status === 404) return { title: 'Not found', detail: 'It may have been deleted, or the link is wrong.' };
    return { title: 'Something went wrong', detail: error.message };
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, detail } = describeError(error);
  const retryable = !(error instanceof ApiError) || error.unreachable || error.status >= 500;
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-6 py-8 text-center">
      <p className="text-sm font-semibold text-red-900">{title}</p>
      <p className="mt-1 text-sm text-red-800">{detail}</p>
      {onRetry && retryable && (
        <button type="button" className={`${btn.secondary} mt-4`} onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A whole screen the user's role may not open. */
export function Forbidden() {
  return (
    <div role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-6 py-10 text-center">
      <p className="text-base font-semibold text-amber-900">Access denied</p>
      <p className="mt-1 text-sm text-amber-900">Your role does not allow you to open this screen.</p>
    </div>
  );
}
