import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SluiceError } from '../../errors/catalogue.ts';
import { encodePem, singlePem } from './pem.ts';

const invalid = (message: string): SluiceError => new SluiceError('certificate_invalid', message);

const PRIVATE_KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'] as const;

/** OpenSSL curve names → WebCrypto names and the hash that matches the curve's strength. */
const CURVES: Record<string, { webName: string; hash: string }> = {
  prime256v1: { webName: 'P-256', hash: 'SHA-256' },
  secp384r1: { webName: 'P-384', hash: 'SHA-384' },
  secp521r1: { webName: 'P-521', hash: 'SHA-512' },
};

/**
 * Below 2048 bits OpenSSL 3 at its default security level refuses the key during the TLS
 * handshake, so accepting it on import would only move the failure to the first connection.
 */
const MIN_RSA_BITS = 2048;

/** A private key that Sluice can sign with and OpenVPN can use: RSA ≥ 2048 or EC P-256/384/521. */
export interface SigningKey {
  keyObject: KeyObject;
  /** e.g. "EC P-256", "RSA 3072". */
  description: string;
  /** Hash used when this key signs certificates and CRLs (node:crypto name, e.g. "sha256"). */
  hash: string;
  /** Parameters for importing the key into WebCrypto and signing with it. */
  webAlgorithm: EcKeyImportParams & EcdsaParams | RsaHashedImportParams;
}

/** Describes a key's algorithm and size, or throws if Sluice cannot use it. */
function describe(key: KeyObject, what: string): Omit<SigningKey, 'keyObject'> {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curveName = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    const curve = CURVES[curveName];
    if (curve === undefined) throw invalid(`${what} uses EC curve ${curveName}; supported curves are P-256, P-384 and P-521`);
    return {
      description: `EC ${curve.webName}`,
      hash: curve.hash.replace('-', '').toLowerCase(),
      webAlgorithm: { name: 'ECDSA', namedCurve: curve.webName, hash: curve.hash },
    };
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw invalid(`${what} is a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
    return {
      description: `RSA ${bits}`,
      hash: 'sha256',
      webAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    };
  }
  throw invalid(`${what} has unsupported key type ${type ?? 'unknown'}; use RSA or EC`);
}

/** Parses one PEM private key (PKCS#8, PKCS#1 or SEC1), unencrypted. */
export function loadPrivateKey(pem: string, what = 'private key'): SigningKey {
  const block = singlePem(pem, what, PRIVATE_KEY_LABELS);
  if (block.label === 'ENCRYPTED PRIVATE KEY') throw invalid(`${what} is encrypted; provide it without a passphrase`);
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: encodePem(block.label, block.der), format: 'pem' });
  } catch {
    throw invalid(`${what} cannot be parsed as a ${block.label}`);
  }
  return { keyObject, ...describe(keyObject, what) };
}

/** Describes a certificate's public key (SPKI DER), throwing if Sluice cannot use it. */
export function describePublicKey(spki: Uint8Array, what: string): string {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw invalid(`${what} has a public key that cannot be parsed`);
  }
  return describe(keyObject, what).description;
}

/**
 * True if the private key belongs to the public key. Signing a random challenge and verifying it
 * avoids false mismatches between equivalent encodings (compressed EC points, explicit curves).
 */
export function keyPairMatches(privateKey: SigningKey, spki: Uint8Array): boolean {
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== privateKey.keyObject.asymmetricKeyType) return false;
  const challenge = randomBytes(32);
  const signature = sign(privateKey.hash, challenge, privateKey.keyObject);
  return verify(privateKey.hash, challenge, publicKey, signature);
}

/** Imports the key into WebCrypto for @peculiar/x509, which signs through WebCrypto only. */
export async function toWebCryptoKey(key: SigningKey): Promise<CryptoKey> {
  const pkcs8 = key.keyObject.export({ format: 'der', type: 'pkcs8' });
  return globalThis.crypto.subtle.importKey('pkcs8', pkcs8, key.webAlgorithm, false, ['sign']);
}

/** Exports a WebCrypto private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return encodePem('PRIVATE KEY', await globalThis.crypto.subtle.exportKey('pkcs8', key));
}
