import type { Row } from './result.ts';

const fmt = (value: number): string => {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  return abs >= 100 ? String(Math.round(value)) : abs >= 10 ? value.toFixed(1) : abs >= 0.1 || abs === 0 ? value.toFixed(2) : value.toPrecision(2);
};

/** A fixed-width table for the terminal (also valid Markdown). */
export function renderTable(bench: string, rows: readonly Row[]): string {
  const header = ['bench', 'case', 'metric', 'sluice median', 'p95', 'p99', 'baseline median', 'p95', 'p99', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [
    bench,
    r.case,
    `${r.metric}${r.unit && r.unit !== r.metric ? ` (${r.unit})` : ''}`,
    fmt(r.sluice.median),
    fmt(r.sluice.p95),
    fmt(r.sluice.p99),
    fmt(r.baseline.median),
    fmt(r.baseline.p95),
    fmt(r.baseline.p99),
    `${fmt(r.ratio)}×`,
    r.goal ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
