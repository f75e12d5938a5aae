import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../../test/support/dialects.ts';
import { killAll, openvpnPids } from '../../test/support/sluice-process.ts';
import { BENCH_ADMIN_KEY } from './api.ts';
import { sleep, type Cleanup } from './cleanup.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** BENCH_PROFILE_DIR=dir profiles `sluice serve` itself (written when it exits at cleanup). */
function profiling(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export interface ServeProcess {
  url: string;
  pid: number;
  dataDir: string;
  log(): string;
}

/**
 * A real `sluice serve` whose log goes to a file, as under a service manager. (The test harness
 * collects output in the parent's memory, which would bill the benchmark process for every
 * request log line Sluice writes at the default level.)
 */
/**
 * A benchmark is one client driving Sluice as hard as it can with one token from one address:
 * exactly what the rate limits are for. They are switched off here, so the figures measure the
 * work, not the limiter's refusals.
 */
export const BENCH_LIMITS = {
  SLUICE_LIMIT_TOKEN_REQUESTS: 'off',
  SLUICE_LIMIT_PASSCODES: 'off',
  SLUICE_LIMIT_TOKEN_GRANTS: 'off',
};

export async function startServe(cleanup: Cleanup, env: Record<string, string>, args: string[] = [], entry: string[] = [CLI, 'serve']): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-serve-'));
  cleanup.add('remove serve data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  const logFile = join(dataDir, 'serve.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...profiling(), '--import', 'tsx', ...entry, '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, SLUICE_ADMIN_API_KEY: BENCH_ADMIN_KEY, SLUICE_OPENVPN_ARGS: '--ifconfig-noexec --route-noexec', SLUICE_DATAPLANE: 'none', SLUICE_CONSOLE_DIR: join(dataDir, 'no-console'), ...BENCH_LIMITS, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // OpenVPN outlives `sluice serve` by design; ours go when the benchmark ends.
  cleanup.add('stop openvpn of sluice serve', () => killAll(openvpnPids(dataDir)));
  cleanup.add('stop sluice serve', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const log = (): string => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"sluice ready"/.exec(log());
    if (match?.[1]) return { url: match[1], pid: child.pid ?? 0, dataDir, log };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sluice serve did not become ready:\n${log().slice(-4000)}`);
    await sleep(50);
  }
}

/**
 * The environment replicas share: a fresh PostgreSQL database (dropped by `cleanup`) and one master
 * key, so every `sluice serve` started with it is a replica of the same control plane.
 */
export async function replicaEnvironment(cleanup: Cleanup): Promise<{ env: Record<string, string>; databaseUrl: string }> {
  const database = await freshDatabase('postgres');
  cleanup.add('drop database', () => database.drop());
  const env = { SLUICE_DATABASE_URL: database.url, SLUICE_MASTER_KEY: randomBytes(32).toString('base64'), SLUICE_LOG_LEVEL: 'info' };
  return { env, databaseUrl: database.url };
}
