import { performance } from 'node:perf_hooks';
import { startVpnClient, type VpnClientOptions, type VpnClientProcess } from '../../test/support/openvpn-client.ts';
import { until, type Cleanup } from './cleanup.ts';
import { udpPortOf } from './udp-port.ts';

export interface TimedClient {
  process: VpnClientProcess;
  port: number;
  /** performance.now() when the process exited (undefined while running). */
  exitedAt: number | undefined;
  connectedAt: number | undefined;
}

/**
 * Starts `count` stock openvpn clients at once (dev null, no interface, nothing through the tunnel)
 * and waits until every one completed initialisation. Each is stopped at cleanup.
 */
export async function startClients(cleanup: Cleanup, profile: string, count: number, timeoutMs = 60_000, options: VpnClientOptions = {}): Promise<TimedClient[]> {
  const clients = Array.from({ length: count }, () => {
    const proc = startVpnClient(profile, undefined, options);
    cleanup.add(`stop openvpn client ${proc.pid}`, () => proc.stop());
    const client: TimedClient = { process: proc, port: 0, exitedAt: undefined, connectedAt: undefined };
    void proc.exited.then(() => (client.exitedAt = performance.now()));
    void proc.connected(timeoutMs).then(
      () => (client.connectedAt = performance.now()),
      () => undefined,
    );
    return client;
  });
  await until(`${count} openvpn clients connected`, () => (clients.every((c) => c.connectedAt !== undefined) ? true : clients.some((c) => c.exitedAt !== undefined) ? failed(clients) : undefined), timeoutMs, 10);
  for (const client of clients) client.port = udpPortOf(client.process.pid) ?? 0;
  return clients;
}

function failed(clients: TimedClient[]): never {
  const gone = clients.find((c) => c.exitedAt !== undefined);
  throw new Error(`an openvpn client exited before connecting:\n${gone?.process.output().slice(-2000) ?? ''}`);
}
