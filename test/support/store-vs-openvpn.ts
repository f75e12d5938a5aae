/**
 * Compares what the store holds as connected with what OpenVPN itself serves (`status 3`), for the
 * VPN servers of a data dir whose `sluice serve` is stopped (OpenVPN serves one management client
 * at a time, so the agent must have let go). A session in OpenVPN the store lacks is lost; one the
 * store shows connected that OpenVPN does not serve is a phantom.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagementConnection } from '../../src/gateway/io/management-connection.ts';
import { openStore } from '../../src/store/database.ts';

export interface StoreVsOpenvpn {
  /** Session keys OpenVPN serves (with a tunnel address). */
  live: string[];
  lost: string[];
  phantom: string[];
  /** Clients OpenVPN lists that still wait for an auth decision. */
  waiting: number;
}

/** `keyPrefix`: a remote gateway's sessions are stored as `<gateway id>/<key>`. */
export async function compareStoreWithOpenvpn(dataDir: string, databaseUrl: string, serverIds: readonly string[], keyPrefix = ''): Promise<StoreVsOpenvpn> {
  const result: StoreVsOpenvpn = { live: [], lost: [], phantom: [], waiting: 0 };
  const store = await openStore(databaseUrl);
  try {
    for (const serverId of serverIds) {
      const dir = join(dataDir, 'gateway', serverId);
      const { processStart } = JSON.parse(readFileSync(join(dir, 'openvpn.pid'), 'utf8')) as { processStart?: number };
      const connection = new ManagementConnection({ socketPath: join(dir, 'mgmt.sock'), autoHoldRelease: false, tickIntervalMs: 0 });
      await connection.connect();
      let status;
      try {
        status = await connection.status();
      } finally {
        connection.close();
      }
      const served = status.clients.filter((c) => c.virtualAddress !== undefined).map((c) => `${keyPrefix}${processStart ?? 0}:${c.cid}`);
      result.waiting += status.clients.length - served.length;
      const rows = await store.db.selectFrom('vpn_server_clients').select('session_key').where('vpn_server_id', '=', serverId).where('status', '=', 'connected').execute();
      const stored = new Set(rows.map((r) => r.session_key));
      result.live.push(...served);
      result.lost.push(...served.filter((key) => !stored.has(key)));
      result.phantom.push(...[...stored].filter((key) => !served.includes(key)));
    }
  } finally {
    await store.close();
  }
  return result;
}
