import { sql } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import { newId } from '../../src/domain/shared/ids.ts';

/** Rows as recordEstablished/recordEnded would leave them: a mix of connected and disconnected. */
export async function seedClients(url: string, serverId: string, from: number, to: number, connectedEvery = 4): Promise<void> {
  const store = await openStore(url);
  try {
    const base = Date.now() - 3_600_000;
    for (let start = from; start < to; start += 500) {
      const rows = [];
      for (let i = start; i < Math.min(to, start + 500); i++) {
        const disconnected = i % connectedEvery !== 0;
        rows.push({
          id: newId(), vpn_server_id: serverId, session_key: `1:${i}`, client_ip: `10.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`, remote_ip: '127.0.0.1', remote_port: 30000 + (i % 30000),
          common_name: `cn${i}`, username: null, status: disconnected ? 'disconnected' : 'connected', created_at: base + i, disconnected_at: disconnected ? base + i + 1000 : null,
          delete_after: disconnected ? Date.now() + 86_400_000 : null, bytes_sent: 2171, bytes_received: 2035, intent: null, intent_at: null, intent_by: null,
        });
      }
      await store.db.insertInto('vpn_server_clients').values(rows).execute();
    }
    // What any bulk load does (and autovacuum does a little later): give the planner statistics of
    // the table as it now is, not as it was before the rows arrived.
    if (store.caps.name === 'postgres') await sql`analyze vpn_server_clients`.execute(store.db);
  } finally {
    await store.close();
  }
}
