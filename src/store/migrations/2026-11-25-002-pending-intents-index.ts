import { sql, type Kysely } from 'kysely';

/**
 * The agent asks for a server's connected sessions with a pending intent on every attach and
 * every disconnect notice; a partial index keeps that cheap however many records the server holds.
 * The general (intent, server) index it replaces served no query.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('vpn_server_clients_pending')
    .on('vpn_server_clients')
    .column('vpn_server_id')
    .where(sql.ref('intent'), 'is not', null)
    .where(sql.ref('status'), '=', 'connected')
    .execute();
  await db.schema.dropIndex('vpn_server_clients_intent').execute();
}
