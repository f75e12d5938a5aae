import { TestApi, type Json } from '../../test/support/api-client.ts';
import { BENCH_ADMIN_KEY, createServer } from './api.ts';
import type { Cleanup } from './cleanup.ts';
import { startServe, type ServeProcess } from './sluice-serve.ts';

export interface SluiceVpn {
  serve: ServeProcess;
  api: TestApi;
  server: Json;
  serverId: string;
  profile: string;
  /** Client records of the server (first page of 100). */
  clients(query?: string): Promise<Json[]>;
}

/** A real `sluice serve` (SQLite, embedded gateway, real openvpn) with one certificate-auth server. */
export async function startSluiceVpn(cleanup: Cleanup, commonName: string): Promise<SluiceVpn> {
  const serve = await startServe(cleanup, { SLUICE_LOG_LEVEL: 'info' });
  const api = await new TestApi(serve.url, BENCH_ADMIN_KEY).login();
  const server = await createServer(api, { client_ip_pool: '10.70.0.0/16', client_authentication: [{ method: 'certificate' }] });
  const serverId = String(server.id);
  const profile = (await api.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: commonName })).text;
  return {
    serve,
    api,
    server,
    serverId,
    profile,
    clients: async (query = '') => (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=100${query}`)).clients as Json[],
  };
}
