import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSluiceChild } from './child-process.ts';

export interface SluiceProcess {
  url: string;
  adminApiKey: string;
  dataDir: string;
  pid: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /**
   * SIGTERM and wait. OpenVPN processes outlive `sluice serve` by design; they are killed too
   * unless keepDataDir (a restart test), and the data dir is removed.
   */
  stop(options?: { keepDataDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
  /** Pids of the openvpn servers this instance's gateway runs. */
  openvpnPids(): number[];
  /** Pid of one VPN server's openvpn, from its pid file. */
  openvpnPidOf(serverId: string): number | undefined;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** Extra `sluice serve` flags. */
  args?: string[];
  /** Default 90 s: on a shared, loaded machine start-up alone has taken over 30 s. */
  timeoutMs?: number;
  /** Run inside this network namespace (`ip netns exec`); the data-plane suite's gateway. */
  netns?: string;
}

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const TEST_ADMIN_KEY = 'test-admin-api-key-0123456789abcdef';

/**
 * A real `sluice serve` on 127.0.0.1 with a free port and its own data dir (SQLite unless
 * SLUICE_DATABASE_URL is given). Resolves once it logs `sluice ready` with its URL.
 */
export async function startSluice(options: StartOptions = {}): Promise<SluiceProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-serve-'));
  const env = {
    ...process.env,
    SLUICE_ADMIN_API_KEY: TEST_ADMIN_KEY,
    SLUICE_LOG_LEVEL: 'info',
    SLUICE_OPENVPN_ARGS: '--ifconfig-noexec --route-noexec',
    // The host's own nftables and sysctls are never the tests' to change: only the data-plane
    // suite turns it on, inside network namespaces it made (test/dataplane/).
    SLUICE_DATAPLANE: 'none',
    ...options.env,
  };
  const command = [process.execPath, '--import', 'tsx', CLI, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...(options.args ?? [])];
  // `ip netns exec` execs the command in place: the child's pid is sluice serve's.
  const serve = spawnSluiceChild('sluice serve', options.netns ? ['ip', 'netns', 'exec', options.netns, ...command] : command, env);
  // Generous: on a machine shared by several test runs, starting node with tsx alone can take tens
  // of seconds. A process that never gets ready is killed, so it cannot hold the test run open.
  const ready = await serve.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"sluice ready"/, 'ready', options.timeoutMs ?? 90_000);

  return {
    url: ready[1] ?? '',
    adminApiKey: env.SLUICE_ADMIN_API_KEY,
    dataDir,
    pid: serve.child.pid ?? 0,
    output: serve.output,
    openvpnPids: () => openvpnPids(dataDir),
    openvpnPidOf: (serverId) => pidOf(join(dataDir, 'gateway', serverId)),
    async stop(stopOptions = {}) {
      await serve.stop(stopOptions.signal);
      if (stopOptions.keepDataDir) return;
      await killAll(openvpnPids(dataDir));
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function openvpnPids(dataDir: string): number[] {
  const gateway = join(dataDir, 'gateway');
  if (!existsSync(gateway)) return [];
  return readdirSync(gateway).flatMap((server) => {
    const pid = pidOf(join(gateway, server));
    return pid === undefined ? [] : [pid];
  });
}

export function pidOf(serverDir: string): number | undefined {
  try {
    const content = JSON.parse(readFileSync(join(serverDir, 'openvpn.pid'), 'utf8')) as { pid?: number };
    return typeof content.pid === 'number' ? content.pid : undefined;
  } catch {
    return undefined;
  }
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, then SIGKILL for any still there after 5 s; resolves when all are gone. */
export async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(alive)) {
    if (Date.now() > deadline) for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
