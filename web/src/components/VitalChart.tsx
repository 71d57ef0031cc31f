// A trend of one vital sign over time, drawn with uPlot (loaded on first use, so the
// rest of the app does not carry it). The values are also listed as text for screen
// readers and for browsers without a canvas.
import { useEffect, useRef } from 'react';
import type { VitalSign } from '../api';
import { formatDateTime } from '../lib/format';

export function VitalChart({ title, vitals }: { title: string; vitals: VitalSign[] }) {
  const box = useRef<HTMLDivElement>(null);
  const twoSeries = vitals.some((v) => v.diastolic !== undefined);
  useEffect(() => {
    const el = box.current;
    if (!el || vitals.length < 2 || typeof HTMLCanvasElement === 'undefined' || !window.matchMedia) return;
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    void (async () => {
      try {
        const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
        if (cancelled) return;
        const xs = vitals.map((v) => Date.parse(v.effective_at) / 1000);
        const series: ({ label?: string; stroke?: string; width?: number } | object)[] = [
          {},
          { label: twoSeries ? 'Systolic' : title, stroke: '#0369a1', width: 2 },
        ];
        const columns: number[][] = [xs, vitals.map((v) => v.value)];
        if (twoSeries) {
          series.push({ label: 'Diastolic', stroke: '#b91c1c', width: 2 });
          columns.push(vitals.map((v) => v.diastolic ?? NaN));
        }
        chart = new UPlot(
          { width: Math.max(el.clientWidth, 240), height: 160, series, legend: { show: twoSeries } },
          columns as unknown as ConstructorParameters<typeof UPlot>[1],
          el,
        );
      } catch {
        // No canvas: the list below says it all.
      }
    })();
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [vitals, title, twoSeries]);
  return (
    <figure className="vital-chart" aria-label={`${title} over time`}>
      <div ref={box} aria-hidden="true" className="min-h-[8px]" />
      <figcaption className="sr-only">
        {vitals.map((v) => `${formatDateTime(v.effective_at)}: ${v.value}${v.diastolic !== undefined ? `/${v.diastolic}` : ''} ${v.unit}`).join('; ')}
      </figcaption>
    </figure>
  );
}
