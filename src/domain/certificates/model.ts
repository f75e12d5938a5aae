import type { StoredCertificate } from '../../store/certificates.ts';

export type CertificateKind = 'ca' | 'server' | 'client' | 'imported';

/**
 * A certificate as the domain hands it out. Its private key stays sealed in the store: callers
 * learn only whether there is one, and the certificate manager opens it for whoever must sign or
 * serve with it (`CertificateService.privateKeyOf`).
 */
export interface Certificate {
  id: string;
  crn: string;
  name: string;
  kind: CertificateKind;
  /** The Sluice CA that issued it; null for CAs and imported certificates. */
  issuerId: string | null;
  /** Lowercase hex. */
  serial: string;
  commonName: string;
  notBefore: number;
  notAfter: number;
  certificatePem: string;
  intermediatePem: string | null;
  hasPrivateKey: boolean;
  revokedAt: number | null;
  revocationReason: string | null;
  createdAt: number;
  /** The VPN server a client certificate was issued for; it opens no other. */
  vpnServerId: string | null;
}

export const certificateOf = (row: StoredCertificate): Certificate => ({
  id: row.id,
  crn: row.crn,
  name: row.name,
  kind: row.kind as CertificateKind,
  issuerId: row.issuer_id,
  serial: row.serial,
  commonName: row.subject_cn,
  notBefore: row.not_before,
  notAfter: row.not_after,
  certificatePem: row.certificate_pem,
  intermediatePem: row.intermediate_pem,
  hasPrivateKey: row.private_key_sealed !== null,
  revokedAt: row.revoked_at,
  revocationReason: row.revocation_reason,
  createdAt: row.created_at,
  vpnServerId: row.vpn_server_id,
});
