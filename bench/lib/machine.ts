import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Machine } from './result.ts';
import { openvpnVersion, postgresVersion } from './prereq.ts';

/** What the figures were measured on: they mean little without it. */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    nproc: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    cpuModel: model,
    node: process.version,
    openvpn: openvpnVersion(),
    postgres: await postgresVersion(),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
