/**
 * The ingest baseline: the rows Sluice writes per session (client insert + `connected` event;
 * client update + `disconnected` event, one transaction each, as recordEstablished/recordEnded do),
 * written by a plain loop of prepared statements straight on the driver. No Kysely, no domain,
 * no management protocol: what the database alone costs.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../../src/store/database.ts';
import { newId } from '../../src/domain/shared/ids.ts';

const INSERT_CLIENT = `insert into vpn_server_clients (id, vpn_server_id, session_key, client_ip, remote_ip, remote_port, common_name, username, status, created_at, disconnected_at, delete_after, bytes_sent, bytes_received, intent, intent_at, intent_by)
  values ($1, $2, $3, $4, '127.0.0.1', $5, $6, null, 'connected', $7, null, null, 0, 0, null, null, null)`;
const END_CLIENT = `update vpn_server_clients set status = 'disconnected', disconnected_at = $1, delete_after = $2, bytes_sent = $3, bytes_received = $4, intent = null where id = $5`;
const INSERT_EVENT = 'insert into client_events (vpn_server_id, client_id, type, at, actor, data) values ($1, $2, $3, $4, null, $5)';

/** Plays `count` sessions; resolves with the elapsed milliseconds. */
export async function plainIngest(url: string, serverId: string, count: number): Promise<number> {
  return isPostgresUrl(url) ? postgres(url, serverId, count) : sqlite(url, serverId, count);
}

function sqlite(file: string, serverId: string, count: number): number {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const positional = (sql: string): string => sql.replace(/\$\d+/g, '?');
  const insertClient = db.prepare(positional(INSERT_CLIENT));
  const endClient = db.prepare(positional(END_CLIENT));
  const insertEvent = db.prepare(positional(INSERT_EVENT));
  const established = db.transaction((id: string, i: number, now: number) => {
    insertClient.run(id, serverId, `base:${i}`, poolIp(i), 30000 + (i % 30000), `cn${i}`, now);
    insertEvent.run(serverId, id, 'connected', now, '{}');
  });
  const ended = db.transaction((id: string, now: number) => {
    endClient.run(now, now + 3_600_000, 2171, 2035, id);
    insertEvent.run(serverId, id, 'disconnected', now, '{"bytes_sent":2171,"bytes_received":2035}');
  });
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const id = newId();
    established(id, i, Date.now());
    ended(id, Date.now());
  }
  const ms = performance.now() - started;
  db.close();
  return ms;
}

async function postgres(url: string, serverId: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Named queries are prepared once per connection and then only bound and executed.
    const run = (name: string, text: string, values: unknown[]): Promise<unknown> => client.query({ name, text, values });
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const id = newId();
      const now = Date.now();
      await client.query('begin');
      await run('ins_client', INSERT_CLIENT, [id, serverId, `base:${i}`, poolIp(i), 30000 + (i % 30000), `cn${i}`, now]);
      await run('ins_event', INSERT_EVENT, [serverId, id, 'connected', now, '{}']);
      await client.query('commit');
      const later = Date.now();
      await client.query('begin');
      await run('end_client', END_CLIENT, [later, later + 3_600_000, 2171, 2035, id]);
      await run('ins_event', INSERT_EVENT, [serverId, id, 'disconnected', later, '{"bytes_sent":2171,"bytes_received":2035}']);
      await client.query('commit');
    }
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

const poolIp = (i: number): string => `10.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
