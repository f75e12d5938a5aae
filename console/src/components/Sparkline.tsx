import { sparklinePoints } from '../lib/series.ts';

const W = 320;
const H = 56;

export function Sparkline({ values, label, current }: { values: number[]; label: string; current: number }) {
  const peak = Math.max(0, ...values);
  return (
    <div className="sl-sparkline">
      <span className="sl-sparkline-value" aria-hidden="true">{current}</span>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <title>{`${label}; peak ${peak}`}</title>
        <polyline points={sparklinePoints(values, W, H)} />
      </svg>
      <span className="sl-stream-state">peak {peak}</span>
    </div>
  );
}
