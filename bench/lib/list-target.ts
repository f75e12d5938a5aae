import { TestApi } from '../../test/support/api-client.ts';
import { BENCH_ADMIN_KEY, createServer } from './api.ts';
import type { Cleanup } from './cleanup.ts';
import { startServe, type ServeProcess } from './sluice-serve.ts';

export interface ListTarget {
  sluice: ServeProcess;
  serverId: string;
  /** Bearer access token of the administrator: the minimal handler is given it too. */
  token: string;
  headers: Record<string, string>;
}

/** `sluice serve` without a gateway on this database, one VPN server whose clients are listed, and a token. */
export async function startListTarget(cleanup: Cleanup, databaseUrl: string): Promise<ListTarget> {
  // Default log level (info, one line per request), as operators run it; the log goes to a file.
  const sluice = await startServe(cleanup, { SLUICE_DATABASE_URL: databaseUrl }, ['--gateway', 'none']);
  const api = await new TestApi(sluice.url, BENCH_ADMIN_KEY).login();
  const server = await createServer(api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] }, false);
  const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: BENCH_ADMIN_KEY });
  const { access_token: token } = (await (await fetch(`${sluice.url}/identity/token`, { method: 'POST', body })).json()) as { access_token: string };
  return { sluice, serverId: String(server.id), token, headers: { authorization: `Bearer ${token}` } };
}
