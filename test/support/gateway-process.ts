import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSluiceChild, type SluiceChild } from './child-process.ts';
import { killAll, openvpnPids, pidOf } from './sluice-process.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface GatewayProcess {
  dataDir: string;
  pid: number;
  process: SluiceChild;
  output(): string;
  /** Resolves when the gateway has (re)connected this many times in all. */
  connections(count: number, withinMs?: number): Promise<void>;
  /** Pids of the openvpn servers this gateway runs. */
  openvpnPids(): number[];
  openvpnPidOf(serverId: string): number | undefined;
  /** Signal and wait; OpenVPN and the data dir go too unless keepDataDir (a restart). */
  stop(options?: { keepDataDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

/**
 * A real `sluice gateway` on this machine, dialling `controlPlane`: OpenVPN on loopback with no
 * interface or route changes, the data plane off (as `startSluice`). Resolves once it connected.
 */
export async function startGateway(options: {
  controlPlane: string;
  joinToken?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Run inside this network namespace (`ip netns exec`), its OpenVPN servers with it. */
  netns?: string;
}): Promise<GatewayProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-gateway-'));
  const env = {
    ...process.env,
    SLUICE_LOG_LEVEL: 'info',
    SLUICE_OPENVPN_ARGS: '--ifconfig-noexec --route-noexec',
    SLUICE_DATAPLANE: 'none',
    ...options.env,
  };
  const args = ['gateway', '--control-plane', options.controlPlane, '--data-dir', dataDir, ...(options.joinToken ? ['--join-token', options.joinToken] : [])];
  const command = [process.execPath, '--import', 'tsx', CLI, ...args];
  // `ip netns exec` execs the command in place: the child's pid is sluice gateway's.
  const gateway = spawnSluiceChild('sluice gateway', options.netns ? ['ip', 'netns', 'exec', options.netns, ...command] : command, env);
  const connections = async (count: number, withinMs = 60_000): Promise<void> => {
    // The transport logs each welcome once.
    const pattern = new RegExp(`(?:"msg":"connected to the control plane"[\\s\\S]*){${count}}`);
    await gateway.waitFor(pattern, `connection ${count} to the control plane`, withinMs);
  };
  await connections(1, 90_000);
  return {
    dataDir,
    pid: gateway.child.pid ?? 0,
    process: gateway,
    output: gateway.output,
    connections,
    openvpnPids: () => openvpnPids(dataDir),
    openvpnPidOf: (serverId) => pidOf(join(dataDir, 'gateway', serverId)),
    async stop(stopOptions = {}) {
      await gateway.stop(stopOptions.signal);
      if (stopOptions.keepDataDir) return;
      await killAll(openvpnPids(dataDir));
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
