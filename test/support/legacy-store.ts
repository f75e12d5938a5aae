/**
 * A database as Sluice left it before client certificates were bound to their server: only the
 * first migrations applied, every certificate-auth server trusting the one built-in CA, and a
 * client certificate issued from it. Rows are written with the columns those migrations made, so
 * the data is what an older Sluice stored, not what today's code would write.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import { capabilities } from '../../src/store/dialect.ts';
import { isPostgresUrl } from '../../src/store/database.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/domain/certificates/pki.ts';
import { seal } from '../../src/domain/secrets/secret-box.ts';

/** The migrations an older Sluice had run. */
const LEGACY_MIGRATIONS = ['2026-11-25-001-initial', '2026-11-25-002-pending-intents-index'];

export interface LegacyData {
  masterKey: Uint8Array;
  accountId: string;
  builtInCa: { id: string; crn: string };
  servers: { id: string; name: string; port: number }[];
  client: IssuedCertificate & { id: string };
}

function open(url: string): { db: Kysely<unknown>; caps: (typeof capabilities)['sqlite'] } {
  if (isPostgresUrl(url)) {
    return { db: new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) }), caps: capabilities.postgres };
  }
  mkdirSync(dirname(url), { recursive: true, mode: 0o700 });
  return { db: new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(url) }) }), caps: capabilities.sqlite };
}

async function migrateLegacy(db: Kysely<unknown>, caps: (typeof capabilities)['sqlite']): Promise<void> {
  const wanted = migrations.filter(([name]) => LEGACY_MIGRATIONS.includes(name));
  if (wanted.length !== LEGACY_MIGRATIONS.length) throw new Error('a legacy migration is missing from the list');
  const provider = { getMigrations: async (): Promise<Record<string, Migration>> => Object.fromEntries(wanted.map(([name, m]) => [name, { up: (d: Kysely<unknown>) => m.up(d, caps) }])) };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Writes a legacy database at `url` with two certificate-auth servers on the given ports. */
export async function writeLegacyStore(url: string, ports: [number, number]): Promise<LegacyData> {
  const { db, caps } = open(url);
  try {
    await migrateLegacy(db, caps);
    const masterKey = randomBytes(32);
    const accountId = randomBytes(16).toString('hex');
    const now = new Date();
    const crn = (id: string): string => `crn:v1:sluice:private:secrets-manager:local:a/${accountId}::secret:${id}`;
    const legacy = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const insert = (table: string, row: Record<string, unknown>) => legacy.insertInto(table).values(row).execute();
    const storeCertificate = async (kind: string, name: string, issuerId: string | null, cert: IssuedCertificate): Promise<string> => {
      const id = `r001-${randomUUID()}`;
      await insert('certificates', {
        id,
        crn: crn(id),
        name,
        kind,
        issuer_id: issuerId,
        serial: cert.serial,
        subject_cn: cert.subjectCommonName,
        not_before: cert.notBefore.getTime(),
        not_after: cert.notAfter.getTime(),
        certificate_pem: cert.certificatePem,
        intermediate_pem: null,
        private_key_sealed: seal(masterKey, cert.privateKeyPem, id),
        revoked_at: null,
        revocation_reason: null,
        created_at: now.getTime(),
      });
      return id;
    };

    await insert('settings', { key: 'account_id', value: accountId });
    const ca = await createCertificateAuthority({ commonName: 'Sluice built-in CA', validDays: 3650, now });
    const caId = await storeCertificate('ca', 'sluice-built-in-ca', null, ca);
    await insert('settings', { key: 'built_in_ca', value: caId });
    const issuer = { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem };

    const servers: LegacyData['servers'] = [];
    for (const [index, port] of ports.entries()) {
      const id = `r001-${randomUUID()}`;
      const name = `legacy-${index + 1}`;
      const serverCert = await issueCertificate({ issuer, kind: 'server', commonName: name, validDays: 825, now });
      const certificateId = await storeCertificate('server', `${name}-server`, caId, serverCert);
      await insert('vpn_servers', {
        id,
        name,
        crn: `crn:v1:sluice:private:is:local:a/${accountId}::vpn-server:${id}`,
        certificate_crn: crn(certificateId),
        client_authentication: JSON.stringify([{ method: 'certificate', client_ca: { crn: crn(caId) } }]),
        client_auto_delete_timeout_s: 3600,
        client_dns_server_ips: '[]',
        client_idle_timeout: 600,
        client_ip_pool: `10.${90 + index}.0.0/20`,
        enable_split_tunneling: 0,
        port,
        protocol: 'udp',
        lifecycle_state: 'pending',
        lifecycle_reasons: '[]',
        health_state: 'inapplicable',
        health_reasons: '[]',
        subnets: '[{"id":"local"}]',
        security_groups: '[]',
        vpc: '{"id":"local","name":"local"}',
        resource_group: '{"id":"default","name":"default"}',
        revision: 1,
        created_at: now.getTime(),
        updated_at: now.getTime(),
      });
      servers.push({ id, name, port });
    }
    const client = await issueCertificate({ issuer, kind: 'client', commonName: 'legacy-carol', validDays: 825, now });
    const clientId = await storeCertificate('client', 'legacy-carol-cert', caId, client);
    return { masterKey, accountId, builtInCa: { id: caId, crn: crn(caId) }, servers, client: { ...client, id: clientId } };
  } finally {
    await db.destroy();
  }
}
