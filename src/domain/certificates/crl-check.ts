import { SluiceError } from '../../errors/catalogue.ts';
import { parseCertificate, serialHex } from './certificate.ts';
import { assertNothingButPem, encodePem, singlePem } from './pem.ts';
import { x509 } from './x509-lib.ts';

/** A CRL an operator gave for a server, checked against the server's client CA. */
export interface CheckedCrl {
  /** Re-encoded from the parsed CRL, never the text as sent. */
  pem: string;
  entries: { serial: string; revokedAt: Date }[];
}

/** OpenSSL refuses a CRL whose thisUpdate lies ahead; a little clock skew between hosts is normal. */
const SKEW_MS = 5 * 60_000;

const invalid = (field: string, message: string): SluiceError => new SluiceError('certificate_invalid', message, { name: field, type: 'field' });

/**
 * Parses `crlPem` as exactly one X.509 CRL, issued (name and signature) by `caPem` and current at
 * `now`. OpenVPN's `crl-verify` refuses every client when its CRL is from another issuer or has
 * expired, so either is refused here, naming `field`, rather than locking everyone out later.
 */
export async function checkCrl(crlPem: string, caPem: string, now: Date, field: string): Promise<CheckedCrl> {
  let crl: x509.X509Crl;
  try {
    const block = singlePem(crlPem, 'crl', ['X509 CRL']);
    assertNothingButPem(crlPem, 'crl');
    crl = new x509.X509Crl(block.der);
  } catch (error) {
    throw invalid(field, error instanceof SluiceError ? error.message : 'crl is not a valid X.509 CRL');
  }
  const ca = parseCertificate(caPem, 'client CA');
  if (crl.issuer !== ca.cert.subject) throw invalid(field, `crl is issued by "${crl.issuer}", not by the client CA "${ca.cert.subject}"`);
  const signed = await crl.verify({ publicKey: ca.cert.publicKey }).catch(() => false);
  if (!signed) throw invalid(field, 'crl signature does not verify with the client CA key');
  if (crl.thisUpdate.getTime() > now.getTime() + SKEW_MS) throw invalid(field, `crl is not valid until ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() <= now.getTime()) throw invalid(field, `crl expired on ${crl.nextUpdate.toISOString()}`);
  return {
    pem: encodePem('X509 CRL', new Uint8Array(crl.rawData)),
    entries: crl.entries.map((entry) => ({ serial: serialHex(entry.serialNumber), revokedAt: entry.revocationDate })),
  };
}

/**
 * The entries of a CRL that was checked when it was stored; nothing about it is re-checked. A value
 * stored before CRLs were checked may not parse: it then adds nothing.
 */
export function crlEntries(crlPem: string): CheckedCrl['entries'] {
  try {
    const crl = new x509.X509Crl(singlePem(crlPem, 'crl', ['X509 CRL']).der);
    return crl.entries.map((entry) => ({ serial: serialHex(entry.serialNumber), revokedAt: entry.revocationDate }));
  } catch {
    return [];
  }
}
