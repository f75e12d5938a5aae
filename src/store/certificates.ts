import type { Executor } from './database.ts';
import type { CertificateRow } from './schema.ts';

export type StoredCertificate = CertificateRow;

export async function insertCertificate(db: Executor, row: CertificateRow): Promise<void> {
  await db.insertInto('certificates').values(row).execute();
}

export async function findCertificate(db: Executor, id: string): Promise<CertificateRow | undefined> {
  return db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCertificateByCrn(db: Executor, crn: string): Promise<CertificateRow | undefined> {
  return db.selectFrom('certificates').selectAll().where('crn', '=', crn).executeTakeFirst();
}

export async function findCertificateByName(db: Executor, name: string): Promise<CertificateRow | undefined> {
  return db.selectFrom('certificates').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listCertificates(db: Executor): Promise<CertificateRow[]> {
  return db.selectFrom('certificates').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function revokedBy(db: Executor, issuerId: string): Promise<CertificateRow[]> {
  return db.selectFrom('certificates').selectAll().where('issuer_id', '=', issuerId).where('revoked_at', 'is not', null).execute();
}

export async function markRevoked(db: Executor, id: string, at: number, reason: string): Promise<void> {
  await db.updateTable('certificates').set({ revoked_at: at, revocation_reason: reason }).where('id', '=', id).execute();
}

export async function deleteCertificateRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('certificates').where('id', '=', id).execute();
}

export async function serversReferencing(db: Executor, crn: string): Promise<string[]> {
  const rows = await db
    .selectFrom('vpn_servers')
    .select('name')
    .where((eb) => eb.or([eb('certificate_crn', '=', crn), eb('client_authentication', 'like', `%${crn.replace(/[%_]/g, '')}%`)]))
    .execute();
  return rows.map((r) => r.name);
}
