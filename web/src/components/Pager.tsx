import { formatNumber } from '../lib/format';
import { btn } from './styles';

interface PagerProps {
  page: number;
  pageSize: number;
  count: number;
  total: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  noun: string;
}

/** "Showing 51–100 of 100,000 patients" with Previous / Next. */
export function Pager({ page, pageSize, count, total, hasNext, onPrevious, onNext, noun }: PagerProps) {
  const first = count === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = (page - 1) * pageSize + count;
  return (
    <nav aria-label={`${noun} pages`} className="flex flex-wrap items-center justify-between gap-3 pt-4">
      <p className="text-sm text-slate-600" aria-live="polite">
        {count === 0
          ? `No ${noun}`
          : `Showing ${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(total)} ${noun}`}
      </p>
      <div className="flex gap-2">
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={onPrevious} disabled={page <= 1}>
          ← Previous
        </button>
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={onNext} disabled={!hasNext}>
          Next →
        </button>
      </div>
    </nav>
  );
}
