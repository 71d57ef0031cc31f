import type { ReactNode } from 'react';
import { statusLabel } from '../lib/format';

const tones = {
  slate: 'bg-slate-100 text-slate-800 ring-slate-200',
  sky: 'bg-sky-50 text-sky-800 ring-sky-200',
  emerald: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  amber: 'bg-amber-50 text-amber-900 ring-amber-200',
  red: 'bg-red-50 text-red-800 ring-red-200',
  violet: 'bg-violet-50 text-violet-800 ring-violet-200',
};

export type Tone = keyof typeof tones;

export function Badge({ tone = 'slate', children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>
      {children}
    </span>
  );
}

/** The colour of each appointment status, wherever it is shown. */
export const statusTone: Record<string, Tone> = {
  scheduled: 'sky',
  checked_in: 'violet',
  in_progress: 'amber',
  completed: 'emerald',
  cancelled: 'slate',
  no_show: 'red',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={statusTone[status] ?? 'slate'}>{statusLabel(status)}</Badge>;
}
