import { TestApi, type Json } from '../../test/support/api-client.ts';
import { freeUdpPort } from '../../test/support/openvpn-client.ts';
import { createReadyServer } from '../../test/support/vpn-servers.ts';

export const BENCH_ADMIN_KEY = 'bench-admin-api-key-0123456789abcdef';

/** Creates a VPN server through the API; unless told not to, waits until its gateway reports it stable and healthy. */
export async function createServer(api: TestApi, body: Record<string, unknown>, waitHealthy = true): Promise<Json> {
  return waitHealthy ? createReadyServer(api, body) : api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
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
