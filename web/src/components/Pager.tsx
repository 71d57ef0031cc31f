import type { Page } from '../api';
import { formatNumber } from '../lib/format';
import type { CursorStack } from '../lib/hooks';
import { btn } from './styles';

interface PagerProps {
  /** The page on screen; nothing is shown until it has loaded. */
  data: Page<unknown> | undefined;
  pages: CursorStack;
  pageSize: number;
  noun: string;
}

/** "Showing 51–100 of 100,000 patients" (of about, for an estimated total) with Previous / Next over the server's cursors. */
export function Pager({ data, pages, pageSize, noun }: PagerProps) {
  if (!data || (data.total === 0 && pages.page === 1)) return null;
  const first = data.count === 0 ? 0 : (pages.page - 1) * pageSize + 1;
  const last = (pages.page - 1) * pageSize + data.count;
  const next = data.nextCursor;
  return (
    <nav aria-label={`${noun} pages`} className="flex flex-wrap items-center justify-between gap-3 pt-4">
      <p className="text-sm text-slate-600" aria-live="polite">
        {data.count === 0
          ? `No ${noun}`
          : `Showing ${formatNumber(first)}–${formatNumber(last)} of ${data.totalEstimated ? 'about ' : ''}${formatNumber(data.total)} ${noun}`}
      </p>
      <div className="flex gap-2">
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={pages.previous} disabled={pages.page <= 1}>
          ← Previous
        </button>
        <button
          type="button"
          className={`${btn.secondary} ${btn.small}`}
          onClick={() => next && pages.next(next)}
          disabled={!next}
        >
          Next →
        </button>
      </div>
    </nav>
  );
}
