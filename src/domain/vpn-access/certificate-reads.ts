import { findIssuedBySerials } from '../../store/certificates.ts';
import type { Store } from '../../store/database.ts';
import type { CertificateRow } from '../../store/schema.ts';
import type { DomainContext } from '../context.ts';
import { GroupCommit } from '../shared/group-commit.ts';
import { perStore } from '../shared/per-store.ts';

interface Lookup {
  issuerId: string;
  serial: string;
}

/**
 * Every certificate CONNECT reads its issued certificate, and a connect storm asks for hundreds at
 * once: the lookups of one event-loop turn go to the store together, one statement per issuer, the
 * next batch gathering whatever arrives meanwhile. Nothing is kept: each lookup is answered by a
 * read that began after it was asked, so a revocation committed before a decision is always seen.
 */
const READS = { maxBatch: 256, maxDelayMs: 0 };

const batcherOf = perStore((store) => new GroupCommit<Lookup, CertificateRow | undefined>((lookups) => readTogether(store, lookups), READS));

async function readTogether(store: Store, lookups: readonly Lookup[]): Promise<Array<CertificateRow | undefined>> {
  const serialsByIssuer = new Map<string, Set<string>>();
  for (const { issuerId, serial } of lookups) serialsByIssuer.set(issuerId, (serialsByIssuer.get(issuerId) ?? new Set()).add(serial));
  const found = new Map<string, CertificateRow>();
  for (const [issuerId, serials] of serialsByIssuer) {
    for (const row of await findIssuedBySerials(store.db, store.caps.name, issuerId, [...serials])) found.set(`${row.issuer_id} ${row.serial}`, row);
  }
  return lookups.map(({ issuerId, serial }) => found.get(`${issuerId} ${serial}`));
}

/** The certificate `issuerId` issued with this serial (deleted and revoked ones too), read in a batch. */
export function readIssuedCertificate(ctx: DomainContext, issuerId: string, serial: string): Promise<CertificateRow | undefined> {
  return batcherOf(ctx.store).submit({ issuerId, serial });
}
