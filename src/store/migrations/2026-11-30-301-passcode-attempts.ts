import type { Kysely } from 'kysely';

/**
 * A passcode remembers which connection attempt spent it (server and OpenVPN session key), so an
 * attempt the gateway finds unanswered after a restart, and ends, can give its passcode back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('passcodes').addColumn('used_by_server', 'text').execute();
  await db.schema.alterTable('passcodes').addColumn('used_by_session', 'text').execute();
}
