/**
 * Sluice's certificate library: the built-in CA, server and client certificates that stock
 * OpenVPN 2.4+ accepts (`remote-cert-tls server|client`), validation of imported PEM, and CRLs for
 * `crl-verify`. New keys are ECDSA P-256 (so server configs use `dh none`); imports may be RSA or EC.
 * Errors are SluiceError `certificate_invalid` naming exactly what is wrong.
 */
import { isIP } from 'node:net';
import { SluiceError } from '../../errors/catalogue.ts';
import {
  assertCurrentlyValid,
  certificateToPem,
  commonNameOf,
  fingerprint,
  isCertificateAuthority,
  issuedBy,
  parseCertificate,
  parseCertificates,
  serialHex,
  spkiOf,
} from './certificate.ts';
import type { ParsedCertificate } from './certificate.ts';
import { assertCommonName } from './common-name.ts';
import { assertNothingButPem } from './pem.ts';
import { describePublicKey, exportPrivateKeyPem, keyPairMatches, loadPrivateKey, toWebCryptoKey } from './keys.ts';
import { x509 } from './x509-lib.ts';

export { buildCrl, revocationReasons } from './crl.ts';
export type { BuildCrlInput, RevocationReason, RevokedCertificate } from './crl.ts';
export { fingerprint, serialHex, splitCertificates } from './certificate.ts';
export { encodePem, splitPem } from './pem.ts';
export type { PemBlock } from './pem.ts';

/** A certificate with its private key, as Sluice stores it (seal the key before storing). */
export interface IssuedCertificate {
  certificatePem: string;
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
  privateKeyPem: string;
  /** Lowercase hex, see `serialHex`. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subjectCommonName: string;
  /** SHA-256 of the DER, lowercase hex. */
  fingerprintSha256: string;
}

export interface CertificateIssuer {
  certificatePem: string;
  privateKeyPem: string;
}

export type CertificateKind = 'server' | 'client';

export interface ImportedCertificateInfo {
  subjectCommonName: string;
  issuerCommonName: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  selfSigned: boolean;
  /** e.g. "EC P-256", "RSA 2048". */
  keyAlgorithm: string;
  fingerprintSha256: string;
  /** true: the private key was given and matches; null: no private key was given. A mismatch throws. */
  keyMatches: true | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** 100 years: a bound that catches unit mistakes (ms passed as days) without limiting operators. */
const MAX_VALID_DAYS = 36_500;
/**
 * notBefore is set this far before `now`, because a client whose clock runs a little behind the
 * server's rejects a certificate issued "in its future", which is a confusing first-connect failure.
 */
const CLOCK_SKEW_ALLOWANCE_MS = 60 * 60 * 1000;
const NEW_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const invalid = (message: string): SluiceError => new SluiceError('certificate_invalid', message);

function assertValidDays(validDays: number): void {
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > MAX_VALID_DAYS) {
    throw new SluiceError('invalid_value', `validity must be a whole number of days from 1 to ${MAX_VALID_DAYS}`);
  }
}

/**
 * 16 random bytes whose first byte is 0x10–0x7f: positive without a DER pad byte, and always 32 hex
 * digits with no leading zero, so every tool (OpenVPN's tls_serial_hex, openssl, us) spells it alike.
 */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return Buffer.from(bytes).toString('hex');
}

const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function subjectAltName(names: readonly string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    names.map((name) => {
      if (isIP(name) !== 0) return { type: 'ip' as const, value: name };
      if (name.length <= 253 && DNS_NAME.test(name)) return { type: 'dns' as const, value: name };
      throw new SluiceError('invalid_value', `subject alternative name "${name}" is neither a DNS name nor an IP address`);
    }),
  );
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(NEW_KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function toIssued(cert: x509.X509Certificate, privateKey: CryptoKey): Promise<IssuedCertificate> {
  const der = new Uint8Array(cert.rawData);
  return {
    certificatePem: certificateToPem({ cert, der, what: 'certificate' }),
    privateKeyPem: await exportPrivateKeyPem(privateKey),
    serial: serialHex(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectCommonName: commonNameOf(cert.subjectName),
    fingerprintSha256: fingerprint(der),
  };
}

/** Creates a self-signed root CA (ECDSA P-256) for issuing server and client certificates. */
export async function createCertificateAuthority(input: {
  commonName: string;
  validDays: number;
  now: Date;
}): Promise<IssuedCertificate> {
  assertCommonName(input.commonName);
  assertValidDays(input.validDays);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [input.commonName] }],
    notBefore: new Date(input.now.getTime() - CLOCK_SKEW_ALLOWANCE_MS),
    notAfter: new Date(input.now.getTime() + input.validDays * DAY_MS),
    keys,
    signingAlgorithm: NEW_KEY_ALGORITHM,
    extensions: [
      // pathLen 0: this CA signs only end-entity certificates, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toIssued(cert, keys.privateKey);
}

/** Parses an issuer, checking that it is a CA, currently valid and that its key matches. */
function loadIssuer(issuer: CertificateIssuer, now: Date): { parsed: ParsedCertificate; key: ReturnType<typeof loadPrivateKey> } {
  const parsed = parseCertificate(issuer.certificatePem, 'issuer certificate');
  const key = loadPrivateKey(issuer.privateKeyPem, 'issuer private key');
  if (!keyPairMatches(key, spkiOf(parsed))) throw invalid('issuer private key does not match issuer certificate');
  if (!isCertificateAuthority(parsed.cert)) throw invalid('issuer certificate is not a CA (basicConstraints CA:TRUE missing)');
  assertCurrentlyValid(parsed, now);
  return { parsed, key };
}

/** The AuthorityKeyIdentifier of certificates this issuer signs: its SKI, else one computed from its key. */
async function authorityKeyIdentifier(issuer: ParsedCertificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski !== null) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey);
}

/**
 * Key usages per kind. Server: digitalSignature for ECDHE signatures, keyEncipherment and
 * keyAgreement so that OpenVPN 2.3-era `remote-cert-ku` defaults (a0 / 88) also match.
 * Client: digitalSignature only, as `remote-cert-tls client` expects.
 */
const KIND_PROFILE = {
  server: {
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement,
    extendedKeyUsage: x509.ExtendedKeyUsage.serverAuth,
  },
  client: {
    keyUsage: x509.KeyUsageFlags.digitalSignature,
    extendedKeyUsage: x509.ExtendedKeyUsage.clientAuth,
  },
} as const;

/**
 * Issues a server or client certificate with a fresh P-256 key. notAfter is capped at the
 * issuer's notAfter, since a certificate cannot outlive its CA; the returned dates are the real ones.
 */
export async function issueCertificate(input: {
  issuer: CertificateIssuer;
  kind: CertificateKind;
  commonName: string;
  subjectAltNames?: readonly string[];
  validDays: number;
  now: Date;
}): Promise<IssuedCertificate> {
  assertCommonName(input.commonName);
  assertValidDays(input.validDays);
  const issuer = loadIssuer(input.issuer, input.now);
  const profile = KIND_PROFILE[input.kind];
  const keys = await generateKeyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(profile.keyUsage, true),
    new x509.ExtendedKeyUsageExtension([profile.extendedKeyUsage]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await authorityKeyIdentifier(issuer.parsed),
  ];
  if (input.subjectAltNames !== undefined && input.subjectAltNames.length > 0) {
    extensions.push(subjectAltName(input.subjectAltNames));
  }
  const requestedEnd = input.now.getTime() + input.validDays * DAY_MS;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [input.commonName] }],
    issuer: issuer.parsed.cert.subjectName,
    notBefore: new Date(input.now.getTime() - CLOCK_SKEW_ALLOWANCE_MS),
    notAfter: new Date(Math.min(requestedEnd, issuer.parsed.cert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: await toWebCryptoKey(issuer.key),
    signingAlgorithm: issuer.key.webAlgorithm,
    extensions,
  });
  return toIssued(cert, keys.privateKey);
}

/**
 * Orders the intermediate bundle from the certificate upwards, requiring every bundled
 * certificate to be on that path, to be a CA and to be currently valid.
 */
function assertChain(leaf: ParsedCertificate, bundle: ParsedCertificate[], now: Date): void {
  const remaining = [...bundle];
  let current = leaf;
  while (remaining.length > 0) {
    const index = remaining.findIndex((candidate) => issuedBy(current, candidate));
    const next = remaining[index];
    if (next === undefined) {
      if (current === leaf) throw invalid("chain does not lead to the certificate's issuer");
      const stray = remaining.map((c) => `"${commonNameOf(c.cert.subjectName)}"`).join(', ');
      throw invalid(`chain contains certificates not on the path to the certificate's issuer: ${stray}`);
    }
    remaining.splice(index, 1);
    const named = { ...next, what: `chain certificate "${commonNameOf(next.cert.subjectName)}"` };
    if (!isCertificateAuthority(next.cert)) throw invalid(`${named.what} is not a CA`);
    assertCurrentlyValid(named, now);
    current = next;
  }
}

/** Names the request field a failure belongs to, unless the failure already names one. */
function blaming<T>(field: string | undefined, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (field !== undefined && error instanceof SluiceError && error.target === undefined) {
      throw new SluiceError(error.code, error.message, { name: field, type: 'field' });
    }
    throw error;
  }
}

/** Request fields the import's parts came from, so an error names the one that is wrong. */
export interface ImportFields {
  certificate: string;
  privateKey: string;
  intermediate: string;
}

/**
 * Validates PEM an operator imports — one certificate, optionally its private key and the
 * intermediate chain up to (not necessarily including) the root — and returns its metadata and the
 * parts re-encoded from what was parsed: what is stored is never the text as sent. Text around the
 * PEM blocks is refused.
 */
export async function parseImport(input: {
  certificatePem: string;
  privateKeyPem?: string;
  intermediatePem?: string;
  now: Date;
  fields?: ImportFields;
}): Promise<ImportedCertificateInfo & { pem: { certificate: string; privateKey?: string; intermediate?: string } }> {
  const { fields } = input;
  const { parsed, keyAlgorithm } = blaming(fields?.certificate, () => {
    const certificate = parseCertificate(input.certificatePem, 'certificate');
    assertNothingButPem(input.certificatePem, 'certificate');
    const algorithm = describePublicKey(spkiOf(certificate), 'certificate');
    assertCurrentlyValid(certificate, input.now);
    return { parsed: certificate, keyAlgorithm: algorithm };
  });
  const pem: { certificate: string; privateKey?: string; intermediate?: string } = { certificate: certificateToPem(parsed) };
  let keyMatches: true | null = null;
  const keyPem = input.privateKeyPem;
  if (keyPem !== undefined && keyPem.trim() !== '') {
    pem.privateKey = blaming(fields?.privateKey, () => {
      const key = loadPrivateKey(keyPem);
      assertNothingButPem(keyPem, 'private key');
      if (!keyPairMatches(key, spkiOf(parsed))) throw invalid('private key does not match certificate');
      return key.keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
    });
    keyMatches = true;
  }
  const chainPem = input.intermediatePem;
  if (chainPem !== undefined && chainPem.trim() !== '') {
    pem.intermediate = blaming(fields?.intermediate, () => {
      const chain = parseCertificates(chainPem, 'chain');
      assertNothingButPem(chainPem, 'chain');
      assertChain(parsed, chain, input.now);
      return chain.map(certificateToPem).join('');
    });
  }
  const { cert } = parsed;
  return {
    subjectCommonName: commonNameOf(cert.subjectName),
    issuerCommonName: commonNameOf(cert.issuerName),
    serial: serialHex(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: isCertificateAuthority(cert),
    selfSigned: issuedBy(parsed, parsed),
    keyAlgorithm,
    fingerprintSha256: fingerprint(parsed.der),
    keyMatches,
    pem,
  };
}
