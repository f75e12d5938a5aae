import type { Summary } from './stats.ts';

/**
 * One line of a benchmark's table: Sluice and the baseline measured in the same command, and their
 * ratio. `ratio` is always Sluice ÷ baseline of the medians; `better` says which way is good.
 */
export interface Row {
  case: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  sluice: Summary;
  baseline: Summary;
  ratio: number;
  /** The goal for this row, in words, and whether this run met it. */
  goal?: string;
  met?: boolean;
  note?: string;
}

export interface BenchResult {
  name: string;
  startedAt: string;
  durationMs: number;
  options: Record<string, unknown>;
  machine: Machine;
  rows: Row[];
  /** Extra absolute figures that have no baseline of their own (e.g. RSS stages). */
  notes: string[];
}

export interface Machine {
  nproc: number;
  memoryMb: number;
  cpuModel: string;
  node: string;
  openvpn: string | undefined;
  postgres: string | undefined;
  loadAverage: number[];
}

export interface BenchContext {
  sizes: number[] | undefined;
  dialects: ('sqlite' | 'postgres')[];
  /** Seconds per autocannon run. */
  duration: number;
  rounds: number | undefined;
  log(line: string): void;
}

export interface Benchmark {
  name: string;
  describe: string;
  defaultSizes: number[];
  needs: ('openvpn' | 'postgres')[];
  run(ctx: BenchContext, sizes: number[]): Promise<{ rows: Row[]; notes: string[]; options?: Record<string, unknown> }>;
}

export function row(fields: Omit<Row, 'ratio'>): Row {
  return { ...fields, ratio: fields.sluice.median / fields.baseline.median };
}
