import { readFileSync } from 'node:fs';
import { sleep } from './cleanup.ts';

/** Resident set size of a process in MB, from /proc (what the kernel charges it). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** RSS sampled every 100 ms for `ms`: the median settles GC sawtooth. */
export async function sampleRss(pid: number, ms = 2000): Promise<number[]> {
  const samples: number[] = [];
  for (let t = 0; t < ms; t += 100) {
    samples.push(rssMb(pid));
    await sleep(100);
  }
  return samples;
}
