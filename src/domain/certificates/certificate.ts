import { createHash, createPublicKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { SluiceError } from '../../errors/catalogue.ts';
import { encodePem, singlePem, splitPemOf } from './pem.ts';
import { x509 } from './x509-lib.ts';

const invalid = (message: string): SluiceError => new SluiceError('certificate_invalid', message);

/** A parsed certificate: the library view for fields and extensions, plus its exact DER. */
export interface ParsedCertificate {
  cert: x509.X509Certificate;
  der: Uint8Array<ArrayBuffer>;
  /** Names it in error messages: "certificate", "issuer certificate", 'intermediate "CN"'. */
  what: string;
}

function parseDer(der: Uint8Array<ArrayBuffer>, what: string): ParsedCertificate {
  try {
    return { cert: new x509.X509Certificate(der), der, what };
  } catch {
    throw invalid(`${what} is not a valid X.509 certificate`);
  }
}

/** Exactly one certificate from PEM; anything else (garbage, a key, two certificates) is rejected. */
export function parseCertificate(pem: string, what: string): ParsedCertificate {
  return parseDer(singlePem(pem, what, ['CERTIFICATE']).der, what);
}

/** One or more certificates from PEM (a chain bundle). */
export function parseCertificates(pem: string, what: string): ParsedCertificate[] {
  return splitPemOf(pem, what, ['CERTIFICATE']).map((block, i) => parseDer(block.der, `${what} certificate #${i + 1}`));
}

/** Splits a PEM bundle into one PEM string per certificate (e.g. to store a chain's parts). */
export function splitCertificates(pem: string): string[] {
  return splitPemOf(pem, 'certificate bundle', ['CERTIFICATE']).map((block) => encodePem('CERTIFICATE', block.der));
}

export const certificateToPem = (parsed: ParsedCertificate): string => encodePem('CERTIFICATE', parsed.der);

export function commonNameOf(name: x509.Name): string {
  return name.getField('CN')[0] ?? '';
}

/**
 * A serial as Sluice stores and compares it: lowercase hex, no separators, no leading zeros.
 * Accepts the spellings other tools print: "0A:1B", "0x0a1b", upper case, the DER sign pad "00".
 */
export function serialHex(serial: string): string {
  const hex = serial.trim().replace(/^0x/i, '').replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new SluiceError('invalid_value', `serial "${serial}" is not hexadecimal`);
  return hex.replace(/^0+(?=.)/, '');
}

/** `serialHex` for a serial reported from outside (OpenVPN's ENV): null when absent or not a serial. */
export function serialOrNull(serial: string | null | undefined): string | null {
  if (serial === undefined || serial === null || serial.trim() === '') return null;
  try {
    return serialHex(serial);
  } catch {
    return null;
  }
}

/** SHA-256 over the DER encoding, lowercase hex without separators. Accepts PEM (one certificate) or DER. */
export function fingerprint(certificate: string | Uint8Array): string {
  const der = typeof certificate === 'string' ? singlePem(certificate, 'certificate', ['CERTIFICATE']).der : certificate;
  return createHash('sha256').update(der).digest('hex');
}

export function isCertificateAuthority(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** Throws unless `now` lies within the certificate's validity period. */
export function assertCurrentlyValid(parsed: ParsedCertificate, now: Date): void {
  const { notBefore, notAfter } = parsed.cert;
  if (now.getTime() < notBefore.getTime()) throw invalid(`${parsed.what} is not valid until ${notBefore.toISOString()}`);
  if (now.getTime() > notAfter.getTime()) throw invalid(`${parsed.what} expired on ${notAfter.toISOString()}`);
}

/** The certificate's SubjectPublicKeyInfo, exactly as encoded in it. */
export const spkiOf = (parsed: ParsedCertificate): Uint8Array => new Uint8Array(parsed.cert.publicKey.rawData);

/**
 * True if `issuer` issued `child`: OpenSSL's issuer check (names, key identifiers, keyCertSign)
 * and a signature verification, so the answer is the one OpenVPN's own OpenSSL would give.
 */
export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const childNode = new NodeX509Certificate(child.der);
  const issuerNode = new NodeX509Certificate(issuer.der);
  if (!childNode.checkIssued(issuerNode)) return false;
  try {
    return childNode.verify(createPublicKey({ key: Buffer.from(spkiOf(issuer)), format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}
