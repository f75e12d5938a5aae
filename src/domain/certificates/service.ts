import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import {
  deleteCertificateRow,
  findCertificate,
  findCertificateByCrn,
  findCertificateByName,
  insertCertificate,
  listCertificates,
  markRevoked,
  revokedBy,
  serversReferencing,
  type StoredCertificate,
} from '../../store/certificates.ts';
import { initSetting } from '../../store/identity.ts';
import { open, seal } from '../secrets/secret-box.ts';
import { generateName, newId } from '../shared/ids.ts';
import type { DomainContext } from '../context.ts';
import type { CertificateDirectory } from './directory.ts';
import { buildCrl, createCertificateAuthority, issueCertificate, parseImport, type IssuedCertificate } from './pki.ts';

export type CertificateKind = 'ca' | 'server' | 'client' | 'imported';

const CA_DAYS = 3650;
const LEAF_DAYS = 825;
const CRL_DAYS = 30;
const BUILT_IN_CA_NAME = 'sluice-built-in-ca';

/**
 * Sluice's certificate manager. Private keys are sealed with the master key (bound to the row id)
 * before they reach the store, and are opened only to sign or to render a server's config.
 */
export class CertificateService implements CertificateDirectory {
  constructor(
    private readonly ctx: DomainContext,
    private readonly masterKey: Uint8Array,
  ) {}

  list(): Promise<StoredCertificate[]> {
    return listCertificates(this.ctx.store.db);
  }

  async get(id: string): Promise<StoredCertificate> {
    const cert = await findCertificate(this.ctx.store.db, id);
    if (!cert) throw notFound('certificate', id);
    return cert;
  }

  async byCrn(crn: string, field: string): Promise<StoredCertificate> {
    const cert = await findCertificateByCrn(this.ctx.store.db, crn);
    if (!cert) throw fieldError('certificate_not_found', field, `no certificate has the CRN ${crn}`, crn);
    return cert;
  }

  privateKeyOf(cert: StoredCertificate): string {
    if (cert.private_key_sealed === null) throw new SluiceError('certificate_invalid', `certificate ${cert.name} has no private key`);
    return open(this.masterKey, cert.private_key_sealed, cert.id);
  }

  private async store(kind: CertificateKind, name: string, issuerId: string | null, issued: Omit<IssuedCertificate, 'privateKeyPem' | 'fingerprintSha256'> & { privateKeyPem?: string | undefined }, intermediatePem: string | null): Promise<StoredCertificate> {
    if (await findCertificateByName(this.ctx.store.db, name)) throw fieldError('name_conflict', 'name', `a certificate named ${name} already exists`, name);
    const id = newId();
    const row: StoredCertificate = {
      id,
      crn: `crn:v1:sluice:private:secrets-manager:local:a/${this.ctx.accountId}::secret:${id}`,
      name,
      kind,
      issuer_id: issuerId,
      serial: issued.serial,
      subject_cn: issued.subjectCommonName,
      not_before: issued.notBefore.getTime(),
      not_after: issued.notAfter.getTime(),
      certificate_pem: issued.certificatePem,
      intermediate_pem: intermediatePem,
      private_key_sealed: issued.privateKeyPem === undefined ? null : seal(this.masterKey, issued.privateKeyPem, id),
      revoked_at: null,
      revocation_reason: null,
      created_at: this.ctx.clock.now(),
    };
    await insertCertificate(this.ctx.store.db, row);
    return row;
  }

  async createAuthority(name: string | undefined, commonName: string): Promise<StoredCertificate> {
    const issued = await createCertificateAuthority({ commonName, validDays: CA_DAYS, now: new Date(this.ctx.clock.now()) });
    return this.store('ca', name ?? generateName(), null, issued, null);
  }

  async issue(kind: 'server' | 'client', issuerCrn: string, commonName: string, name: string | undefined, subjectAltNames: string[] = []): Promise<StoredCertificate> {
    const issuer = await this.byCrn(issuerCrn, 'issuer.crn');
    if (issuer.kind !== 'ca' && !(issuer.kind === 'imported' && issuer.private_key_sealed !== null)) {
      throw fieldError('certificate_invalid', 'issuer.crn', `certificate ${issuer.name} is not a certificate authority Sluice can sign with`, issuerCrn);
    }
    const issued = await issueCertificate({
      issuer: { certificatePem: issuer.certificate_pem, privateKeyPem: this.privateKeyOf(issuer) },
      kind,
      commonName,
      subjectAltNames,
      validDays: LEAF_DAYS,
      now: new Date(this.ctx.clock.now()),
    });
    return this.store(kind, name ?? generateName(), issuer.id, issued, null);
  }

  async import(input: { name?: string; certificatePem: string; privateKeyPem?: string; intermediatePem?: string }): Promise<StoredCertificate> {
    const info = await parseImport({ ...input, now: new Date(this.ctx.clock.now()) });
    return this.store(
      'imported',
      input.name ?? generateName(),
      null,
      { certificatePem: input.certificatePem, privateKeyPem: input.privateKeyPem, serial: info.serial, notBefore: info.notBefore, notAfter: info.notAfter, subjectCommonName: info.subjectCommonName },
      input.intermediatePem ?? null,
    );
  }

  async revoke(id: string, reason: string): Promise<StoredCertificate> {
    const cert = await this.get(id);
    if (cert.issuer_id === null) throw new SluiceError('certificate_invalid', `certificate ${cert.name} was not issued by a Sluice CA, so Sluice cannot revoke it`);
    if (cert.revoked_at === null) await markRevoked(this.ctx.store.db, id, this.ctx.clock.now(), reason);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const cert = await this.get(id);
    const users = await serversReferencing(this.ctx.store.db, cert.crn);
    if (users.length > 0) throw new SluiceError('certificate_in_use', `certificate ${cert.name} is used by VPN server ${users.join(', ')}`);
    await deleteCertificateRow(this.ctx.store.db, id);
  }

  /** The CA's current CRL, built from its revoked certificates. */
  async crlOf(caId: string): Promise<string> {
    const ca = await this.get(caId);
    const now = this.ctx.clock.now();
    const revoked = await revokedBy(this.ctx.store.db, ca.id);
    return buildCrl({
      issuer: { certificatePem: ca.certificate_pem, privateKeyPem: this.privateKeyOf(ca) },
      revoked: revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at ?? now) })),
      thisUpdate: new Date(now),
      nextUpdate: new Date(now + CRL_DAYS * 86_400_000),
    });
  }

  // CertificateDirectory, for VPN servers.

  async builtInCaCrn(): Promise<string> {
    const existing = await findCertificateByName(this.ctx.store.db, BUILT_IN_CA_NAME);
    if (existing) return existing.crn;
    const created = await this.createAuthority(BUILT_IN_CA_NAME, 'Sluice built-in CA').catch(async (error: unknown) => {
      // Another replica created it first.
      const winner = await findCertificateByName(this.ctx.store.db, BUILT_IN_CA_NAME);
      if (winner) return winner;
      throw error;
    });
    await initSetting(this.ctx.store.db, 'built_in_ca', created.id);
    return created.crn;
  }

  async issueBuiltInServerCertificate(serverName: string): Promise<string> {
    const ca = await this.builtInCaCrn();
    const cert = await this.issue('server', ca, serverName, `${serverName}-server-${Date.now().toString(36)}`);
    return cert.crn;
  }

  async requireCertificateAuthority(crn: string, field: string): Promise<void> {
    const cert = await this.byCrn(crn, field);
    if (cert.kind === 'server' || cert.kind === 'client') {
      throw fieldError('certificate_invalid', field, `certificate ${cert.name} is a ${cert.kind} certificate, not a CA`, crn);
    }
  }

  async requireServerCertificate(crn: string, field: string): Promise<void> {
    const cert = await this.byCrn(crn, field);
    if (cert.private_key_sealed === null) throw fieldError('certificate_invalid', field, `certificate ${cert.name} has no private key`, crn);
    if (cert.kind === 'ca' || cert.kind === 'client') {
      throw fieldError('certificate_invalid', field, `certificate ${cert.name} is a ${cert.kind} certificate, not a server certificate`, crn);
    }
  }
}
