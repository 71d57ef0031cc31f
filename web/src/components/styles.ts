// Tailwind class sets shared by buttons, inputs and panels, so screens stay consistent.

const btnBase =
  'inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-60';

export const btn = {
  primary: `${btnBase} bg-sky-700 text-white shadow-sm hover:bg-sky-800`,
  secondary: `${btnBase} border border-slate-300 bg-white text-slate-700 shadow-sm hover:bg-slate-50`,
  danger: `${btnBase} bg-red-700 text-white shadow-sm hover:bg-red-800`,
  dangerQuiet: `${btnBase} border border-red-200 bg-white text-red-700 hover:bg-red-50`,
  quiet: `${btnBase} text-sky-800 hover:bg-sky-50`,
  small: 'px-2.5 py-1.5 text-xs',
};

export const input =
  'block w-full rounded-md border bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-500 focus:outline-none focus:ring-2 focus:ring-sky-600/40 disabled:bg-slate-100';
export const inputOk = 'border-slate-300 focus:border-sky-600';
export const inputBad = 'border-red-500 focus:border-red-600';

export const panel = 'rounded-lg border border-slate-200 bg-white shadow-sm';
export const panelTitle = 'text-base font-semibold text-slate-900';
export const link = 'font-medium text-sky-800 underline-offset-2 hover:underline';
