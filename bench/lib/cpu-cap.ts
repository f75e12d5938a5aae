/**
 * A CPU budget for a group of processes, as a small host of their own would give them: a cgroup
 * with a CFS quota (cgroup v1's `cpu` controller, or v2's `cpu.max`). Processes a member starts
 * later are members too, so a gateway capped before its servers are placed takes its OpenVPNs
 * with it. Only the benchmark's own processes are ever put in one; the group is removed at the end.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

export interface CpuCap {
  readonly cores: number;
  add(pid: number): void;
  /** Moves any member left back to the parent group and removes the group. */
  remove(): void;
}

type Layout = { version: 1 | 2; root: string };

function layout(): Layout | undefined {
  if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) return { version: 1, root: V1_ROOT };
  const delegated = join(V2_ROOT, 'cgroup.subtree_control');
  if (existsSync(delegated) && readFileSync(delegated, 'utf8').split(/\s+/).includes('cpu')) return { version: 2, root: V2_ROOT };
  return undefined;
}

/** Why CPU caps cannot be used here, or undefined when they can. */
export function cpuCapUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'CPU caps need root (cgroups)';
  return layout() === undefined ? 'no cgroup cpu controller (v1 `cpu` or v2 with `cpu` delegated) on this machine' : undefined;
}

export function createCpuCap(name: string, cores: number): CpuCap {
  const where = layout();
  if (where === undefined) throw new Error(cpuCapUnavailable() ?? 'no cgroup cpu controller');
  if (!(cores > 0)) throw new Error(`CPU cap must be above 0 cores, got ${cores}`);
  const dir = join(where.root, name);
  mkdirSync(dir);
  const quota = Math.round(cores * PERIOD_US);
  if (where.version === 1) {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
  } else {
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  }
  return {
    cores,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(where.root, 'cgroup.procs'), pid);
        } catch {
          // Exited between the read and the move.
        }
      }
      rmdirSync(dir);
    },
  };
}
