import type { Executor } from './database.ts';
import type { DialectName } from './dialect.ts';
import { inJsonArray } from './json-array.ts';
import type { CertificateRow } from './schema.ts';

export type StoredCertificate = CertificateRow;

export async function insertCertificate(db: Executor, row: CertificateRow): Promise<void> {
  await db.insertInto('certificates').values(row).execute();
}

/** Certificates as readers see them: a deleted one is gone, though its row stays for the CRL. */
const live = (db: Executor) => db.selectFrom('certificates').selectAll().where('deleted_at', 'is', null);

export async function findCertificate(db: Executor, id: string): Promise<CertificateRow | undefined> {
  return live(db).where('id', '=', id).executeTakeFirst();
}

export async function findCertificateByCrn(db: Executor, crn: string): Promise<CertificateRow | undefined> {
  return live(db).where('crn', '=', crn).executeTakeFirst();
}

export async function findCertificateByName(db: Executor, name: string): Promise<CertificateRow | undefined> {
  return live(db).where('name', '=', name).executeTakeFirst();
}

export async function listCertificates(db: Executor): Promise<CertificateRow[]> {
  return live(db).orderBy('created_at').orderBy('id').execute();
}

/** The certificates one CA issued with these serials (lowercase hex), deleted or revoked too, in one statement. */
export async function findIssuedBySerials(db: Executor, dialect: DialectName, issuerId: string, serials: readonly string[]): Promise<CertificateRow[]> {
  if (serials.length === 0) return [];
  return db.selectFrom('certificates').selectAll().where('issuer_id', '=', issuerId).where(inJsonArray(dialect, 'serial', serials)).execute();
}

/** What belongs on the CA's CRL: revoked certificates (deleted ones too) that have not expired yet. */
export async function revokedBy(db: Executor, issuerId: string, now: number): Promise<CertificateRow[]> {
  return db
    .selectFrom('certificates')
    .selectAll()
    .where('issuer_id', '=', issuerId)
    .where('revoked_at', 'is not', null)
    .where('not_after', '>', now)
    .execute();
}

export async function markRevoked(db: Executor, id: string, at: number, reason: string): Promise<void> {
  await db.updateTable('certificates').set({ revoked_at: at, revocation_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Hides the certificate and frees its name; the row stays until `purgeDeletedCertificates` sees it expired. */
export async function markDeleted(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('certificates').set({ deleted_at: at, name: `deleted-${id}` }).where('id', '=', id).execute();
}

export async function purgeDeletedCertificates(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('certificates').where('deleted_at', 'is not', null).where('not_after', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteCertificateRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('certificates').where('id', '=', id).execute();
}

/** Binds a certificate waiting for its first use; true when this call bound it (first writer wins). */
export async function bindOnFirstUse(db: Executor, id: string, serverId: string): Promise<boolean> {
  const result = await db
    .updateTable('certificates')
    .set({ vpn_server_id: serverId, bind_on_first_use: 0 })
    .where('id', '=', id)
    .where('bind_on_first_use', '=', 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function serversReferencing(db: Executor, crn: string): Promise<string[]> {
  const rows = await db
    .selectFrom('vpn_servers')
    .select('name')
    .where((eb) => eb.or([eb('certificate_crn', '=', crn), eb('client_authentication', 'like', `%${crn.replace(/[%_]/g, '')}%`)]))
    .execute();
  return rows.map((r) => r.name);
}
