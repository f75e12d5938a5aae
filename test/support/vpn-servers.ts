import { type Json, type TestApi } from './api-client.ts';
import { eventually, freeUdpPort } from './openvpn-client.ts';

/** Creates a VPN server on a free port and waits until its gateway reports it stable and healthy. */
export async function createReadyServer(api: TestApi, body: Record<string, unknown>, withinMs = 60_000): Promise<Json> {
  const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
  await eventually(`VPN server ${String(server.id)} stable and ok`, async () => {
    const s = await api.ok('GET', `/v1/vpn_servers/${String(server.id)}`);
    return s.lifecycle_state === 'stable' && s.health_state === 'ok' ? s : undefined;
  }, withinMs);
  return server;
}
