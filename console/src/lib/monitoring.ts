import type { MonitoringPoint, MonitoringWindow } from '../../../src/client/types.ts';

/** One point as Carbon Charts reads it: a series name, a time and a value. */
export interface ChartDatum {
  group: string;
  date: Date;
  value: number;
}

export type { MonitoringWindow };

export const WINDOWS: readonly { id: MonitoringWindow; label: string }[] = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
];

/** The chart series of one panel: each named field of every point becomes a datum. Pure. */
export function chartData(points: readonly MonitoringPoint[], series: Record<string, (p: MonitoringPoint) => number>): ChartDatum[] {
  return Object.entries(series).flatMap(([group, read]) => points.map((p) => ({ group, date: new Date(p.at), value: read(p) })));
}

/** Totals over the window, for the panel headings. Pure. */
export function totals(points: readonly MonitoringPoint[]) {
  const sum = (read: (p: MonitoringPoint) => number): number => points.reduce((a, p) => a + read(p), 0);
  return {
    peak: points.reduce((a, p) => Math.max(a, p.connected_clients), 0),
    connects: sum((p) => p.connects),
    disconnects: sum((p) => p.disconnects),
    authFailures: sum((p) => p.auth_failures),
    bytes: sum((p) => p.bytes_received + p.bytes_sent),
  };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 kB" (powers of 1000, as network tools count). Pure. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
