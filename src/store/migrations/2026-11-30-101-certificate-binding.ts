import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * Client certificates belong to one VPN server, deleted certificates stay on their CA's CRL until
 * they expire, and each session remembers the serial of the certificate it presented.
 *
 * - `certificates.vpn_server_id`: the server a client certificate was issued for; it opens no other.
 * - `certificates.bind_on_first_use`: client certificates issued before this migration were not
 *   recorded with a server (and every server shared one CA), so each is bound to the first server
 *   it connects to from now on. Profiles already handed out keep working on the server they were
 *   made for.
 * - `certificates.deleted_at`: a deleted certificate is hidden but kept, revoked, until it expires.
 * - `vpn_server_clients.cert_serial`: revocation ends exactly the sessions of that certificate.
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  await db.schema.alterTable('certificates').addColumn('vpn_server_id', 'text').execute();
  await db.schema.alterTable('certificates').addColumn('bind_on_first_use', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('certificates').addColumn('deleted_at', caps.bigint).execute();
  await sql`update certificates set bind_on_first_use = 1 where kind = 'client' and issuer_id is not null`.execute(db);
  await db.schema.createIndex('certificates_issuer_serial').on('certificates').columns(['issuer_id', 'serial']).execute();

  await db.schema.alterTable('vpn_server_clients').addColumn('cert_serial', 'text').execute();
  await db.schema.createIndex('vpn_server_clients_serial').on('vpn_server_clients').columns(['vpn_server_id', 'cert_serial']).execute();
}
