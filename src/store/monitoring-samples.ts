import type { Executor } from './database.ts';
import type { MonitoringSampleRow } from './schema.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const ROLLED_UP_KEY = 'monitoring.rolled_up_until';

/** Writes each row whole: a gateway's figures for its minute replace what that minute held. */
export async function upsertSamples(db: Executor, rows: readonly MonitoringSampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('monitoring_samples')
    .values([...rows])
    .onConflict((oc) =>
      oc.columns(['vpn_server_id', 'step_ms', 'at', 'gateway']).doUpdateSet((eb) => ({
        connected: eb.ref('excluded.connected'),
        connects: eb.ref('excluded.connects'),
        disconnects: eb.ref('excluded.disconnects'),
        auth_failures: eb.ref('excluded.auth_failures'),
        bytes_received: eb.ref('excluded.bytes_received'),
        bytes_sent: eb.ref('excluded.bytes_sent'),
      })),
    )
    .execute();
}

export async function readSamples(db: Executor, serverId: string, stepMs: number, from: number, to: number): Promise<MonitoringSampleRow[]> {
  return db
    .selectFrom('monitoring_samples')
    .selectAll()
    .where('vpn_server_id', '=', serverId)
    .where('step_ms', '=', stepMs)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .execute();
}

async function readAll(db: Executor, stepMs: number, from: number, to: number): Promise<MonitoringSampleRow[]> {
  return db.selectFrom('monitoring_samples').selectAll().where('step_ms', '=', stepMs).where('at', '>=', from).where('at', '<', to).execute();
}

export async function rolledUpUntil(db: Executor): Promise<number | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', ROLLED_UP_KEY).executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

/**
 * Rolls the minute rows of every complete hour in [from, to) up into hour rows (peak connected,
 * summed counters) and moves the mark. Idempotent: an hour rolled twice gets the same row.
 */
export async function rollUpHours(db: Executor, from: number, to: number): Promise<number> {
  const hours = new Map<string, MonitoringSampleRow>();
  for (const row of await readAll(db, MINUTE_MS, from, to)) {
    const at = row.at - (row.at % HOUR_MS);
    const key = `${row.vpn_server_id}\u0000${row.gateway}\u0000${at}`;
    const hour = hours.get(key) ?? { ...row, step_ms: HOUR_MS, at, connected: 0, connects: 0, disconnects: 0, auth_failures: 0, bytes_received: 0, bytes_sent: 0 };
    hour.connected = Math.max(hour.connected, row.connected);
    hour.connects += row.connects;
    hour.disconnects += row.disconnects;
    hour.auth_failures += row.auth_failures;
    hour.bytes_received += row.bytes_received;
    hour.bytes_sent += row.bytes_sent;
    hours.set(key, hour);
  }
  await upsertSamples(db, [...hours.values()]);
  await db
    .insertInto('settings')
    .values({ key: ROLLED_UP_KEY, value: String(to) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(to) }))
    .execute();
  return hours.size;
}

export async function deleteSamplesBefore(db: Executor, stepMs: number, before: number): Promise<number> {
  const result = await db.deleteFrom('monitoring_samples').where('step_ms', '=', stepMs).where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
