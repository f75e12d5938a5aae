import { TestApi, type Json } from '../../test/support/api-client.ts';
import { freeUdpPort } from '../../test/support/openvpn-client.ts';
import { until } from './cleanup.ts';

export const BENCH_ADMIN_KEY = 'bench-admin-api-key-0123456789abcdef';

/** Creates a VPN server through the API and waits until its gateway reports it stable and healthy. */
export async function createServer(api: TestApi, body: Record<string, unknown>, waitHealthy = true): Promise<Json> {
  const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
  if (!waitHealthy) return server;
  await until(
    `VPN server ${String(server.id)} stable and ok`,
    async () => {
      const s = await api.ok('GET', `/v1/vpn_servers/${String(server.id)}`);
      return s.lifecycle_state === 'stable' && s.health_state === 'ok' ? s : undefined;
    },
    60_000,
    50,
  );
  return server;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return out;
}
