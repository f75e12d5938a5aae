import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import {
  deleteCertificateRow,
  findCertificate,
  findCertificateByCrn,
  findCertificateByName,
  insertCertificate,
  listCertificates,
  markDeleted,
  markRevoked,
  purgeDeletedCertificates,
  revokedBy,
  serversReferencing,
  type StoredCertificate,
} from '../../store/certificates.ts';
import { initSetting } from '../../store/identity.ts';
import { inTransaction } from '../../store/database.ts';
import { open, seal } from '../secrets/secret-box.ts';
import { generateName, newId } from '../shared/ids.ts';
import type { DomainContext } from '../context.ts';
import type { CertificateDirectory } from './directory.ts';
import { buildCrl, createCertificateAuthority, issueCertificate, parseImport, type IssuedCertificate } from './pki.ts';
import { assertCommonName } from './common-name.ts';
import { checkCrl, crlEntries, type CheckedCrl } from './crl-check.ts';
import { certificateOf, type Certificate, type CertificateKind } from './model.ts';

export type { Certificate, CertificateKind } from './model.ts';

const CA_DAYS = 3650;
const LEAF_DAYS = 825;
const CRL_DAYS = 30;
const BUILT_IN_CA_NAME = 'sluice-built-in-ca';

/**
 * Sluice's certificate manager. Private keys are sealed with the master key (bound to the row id)
 * before they reach the store, and are opened only to sign or to render a server's config. It
 * hands out `Certificate`s; the stored rows, sealed keys included, stay inside it.
 */
export class CertificateService implements CertificateDirectory {
  constructor(
    private readonly ctx: DomainContext,
    private readonly masterKey: Uint8Array,
  ) {}

  async list(): Promise<Certificate[]> {
    return (await listCertificates(this.ctx.store.db)).map(certificateOf);
  }

  async get(id: string): Promise<Certificate> {
    return certificateOf(await this.row(id));
  }

  async byCrn(crn: string, field: string): Promise<Certificate> {
    return certificateOf(await this.rowByCrn(crn, field));
  }

  /** The certificate's private key, opened: for signing with it or serving with it, never for showing. */
  async privateKeyOf(cert: Pick<Certificate, 'id'>): Promise<string> {
    return this.keyOf(await this.row(cert.id));
  }

  private async row(id: string): Promise<StoredCertificate> {
    const cert = await findCertificate(this.ctx.store.db, id);
    if (!cert) throw notFound('certificate', id);
    return cert;
  }

  private async rowByCrn(crn: string, field: string): Promise<StoredCertificate> {
    const cert = await findCertificateByCrn(this.ctx.store.db, crn);
    if (!cert) throw fieldError('certificate_not_found', field, `no certificate has the CRN ${crn}`, crn);
    return cert;
  }

  private keyOf(cert: StoredCertificate): string {
    if (cert.private_key_sealed === null) throw new SluiceError('certificate_invalid', `certificate ${cert.name} has no private key`);
    return open(this.masterKey, cert.private_key_sealed, cert.id);
  }

  private async store(
    kind: CertificateKind,
    name: string,
    issuerId: string | null,
    issued: Omit<IssuedCertificate, 'privateKeyPem' | 'fingerprintSha256'> & { privateKeyPem?: string | undefined },
    intermediatePem: string | null,
    vpnServerId: string | null = null,
  ): Promise<Certificate> {
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
      vpn_server_id: vpnServerId,
      bind_on_first_use: 0,
      deleted_at: null,
    };
    await insertCertificate(this.ctx.store.db, row);
    return certificateOf(row);
  }

  async createAuthority(name: string | undefined, commonName: string): Promise<Certificate> {
    assertCommonName(commonName, 'common_name');
    const issued = await createCertificateAuthority({ commonName, validDays: CA_DAYS, now: new Date(this.ctx.clock.now()) });
    return this.store('ca', name ?? generateName(), null, issued, null);
  }

  /**
   * Issues a certificate from a Sluice CA. A client certificate issued for one VPN server
   * (`vpnServerId`) is refused by every other server, even one that trusts the same CA.
   */
  async issue(kind: 'server' | 'client', issuerCrn: string, commonName: string, name: string | undefined, options: { subjectAltNames?: string[]; vpnServerId?: string } = {}): Promise<Certificate> {
    assertCommonName(commonName, 'common_name');
    const issuer = await this.rowByCrn(issuerCrn, 'issuer.crn');
    if (issuer.kind !== 'ca' && !(issuer.kind === 'imported' && issuer.private_key_sealed !== null)) {
      throw fieldError('certificate_invalid', 'issuer.crn', `certificate ${issuer.name} is not a certificate authority Sluice can sign with`, issuerCrn);
    }
    const issued = await issueCertificate({
      issuer: { certificatePem: issuer.certificate_pem, privateKeyPem: this.keyOf(issuer) },
      kind,
      commonName,
      subjectAltNames: options.subjectAltNames ?? [],
      validDays: LEAF_DAYS,
      now: new Date(this.ctx.clock.now()),
    });
    return this.store(kind, name ?? generateName(), issuer.id, issued, null, kind === 'client' ? (options.vpnServerId ?? null) : null);
  }

  async import(input: { name?: string; certificatePem: string; privateKeyPem?: string; intermediatePem?: string }): Promise<Certificate> {
    const fields = { certificate: 'certificate_pem', privateKey: 'private_key_pem', intermediate: 'intermediate_pem' };
    const info = await parseImport({ ...input, now: new Date(this.ctx.clock.now()), fields });
    return this.store(
      'imported',
      input.name ?? generateName(),
      null,
      { certificatePem: info.pem.certificate, privateKeyPem: info.pem.privateKey, serial: info.serial, notBefore: info.notBefore, notAfter: info.notAfter, subjectCommonName: info.subjectCommonName },
      info.pem.intermediate ?? null,
    );
  }

  async revoke(id: string, reason: string): Promise<Certificate> {
    const cert = await this.get(id);
    if (cert.issuerId === null) throw new SluiceError('certificate_invalid', `certificate ${cert.name} was not issued by a Sluice CA, so Sluice cannot revoke it`);
    if (cert.revokedAt === null) await markRevoked(this.ctx.store.db, id, this.ctx.clock.now(), reason);
    return this.get(id);
  }

  /**
   * Deletes a certificate. One a Sluice CA issued is revoked as well and kept, hidden, on its CA's
   * CRL until it expires: deleting must not let it back in. Returns the certificate as it was.
   */
  async delete(id: string): Promise<Certificate> {
    const cert = await this.get(id);
    const users = await serversReferencing(this.ctx.store.db, cert.crn);
    if (users.length > 0) throw new SluiceError('certificate_in_use', `certificate ${cert.name} is used by VPN server ${users.join(', ')}`);
    if (cert.issuerId === null) {
      await deleteCertificateRow(this.ctx.store.db, id);
      return cert;
    }
    const now = this.ctx.clock.now();
    await inTransaction(this.ctx.store.db, async (trx) => {
      await markRevoked(trx, id, now, 'deleted');
      await markDeleted(trx, id, now);
    });
    return cert;
  }

  /** Forgets deleted certificates that have expired: no CRL needs them any more. */
  purgeExpiredDeleted(): Promise<number> {
    return purgeDeletedCertificates(this.ctx.store.db, this.ctx.clock.now());
  }

  /**
   * The CA's current CRL, built from its revoked certificates that have not expired, plus any
   * entries of a CRL the operator gave (so a server with both honours both).
   */
  async crlOf(caId: string, alsoRevoked: CheckedCrl['entries'] = []): Promise<string> {
    const ca = await this.row(caId);
    const now = this.ctx.clock.now();
    const revoked = await revokedBy(this.ctx.store.db, ca.id, now);
    return buildCrl({
      issuer: { certificatePem: ca.certificate_pem, privateKeyPem: this.keyOf(ca) },
      revoked: [...revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at ?? now) })), ...alsoRevoked],
      thisUpdate: new Date(now),
      nextUpdate: new Date(now + CRL_DAYS * 86_400_000),
    });
  }

  /** The CRL a server's OpenVPN checks: Sluice's own for a CA it signs with (merged with the operator's), else the operator's. */
  async crlForServer(clientCa: Certificate, operatorCrl: string | undefined): Promise<string | undefined> {
    if (!clientCa.hasPrivateKey) return operatorCrl;
    return this.crlOf(clientCa.id, operatorCrl === undefined ? [] : crlEntries(operatorCrl));
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

  /** A CA of one server's own: the certificates it issues open that server and no other. */
  async createClientCa(serverName: string): Promise<string> {
    const ca = await this.createAuthority(`${serverName}-client-ca-${Date.now().toString(36)}`, `${serverName.slice(0, 54)} client CA`);
    return ca.crn;
  }

  async requireCertificateAuthority(crn: string, field: string): Promise<void> {
    const cert = await this.byCrn(crn, field);
    if (cert.kind === 'server' || cert.kind === 'client') {
      throw fieldError('certificate_invalid', field, `certificate ${cert.name} is a ${cert.kind} certificate, not a CA`, crn);
    }
  }

  async requireServerCertificate(crn: string, field: string): Promise<void> {
    const cert = await this.byCrn(crn, field);
    if (!cert.hasPrivateKey) throw fieldError('certificate_invalid', field, `certificate ${cert.name} has no private key`, crn);
    if (cert.kind === 'ca' || cert.kind === 'client') {
      throw fieldError('certificate_invalid', field, `certificate ${cert.name} is a ${cert.kind} certificate, not a server certificate`, crn);
    }
  }

  /** Checks that `crl` is a current CRL issued by the CA `caCrn`; returns it re-encoded. */
  async checkCrl(caCrn: string, crl: string, field: string): Promise<string> {
    return (await this.checkCrlOf(await this.byCrn(caCrn, field), crl, field)).pem;
  }

  private checkCrlOf(ca: Certificate, crl: string, field: string): Promise<CheckedCrl> {
    return checkCrl(crl, ca.certificatePem, new Date(this.ctx.clock.now()), field);
  }
}
