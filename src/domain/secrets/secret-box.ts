/**
 * Encryption at rest for private keys and other secrets in the store. One 32-byte master key per
 * installation; every replica of the control plane must load the same one (copy `master.key`, or
 * set SLUICE_MASTER_KEY from it), or it cannot open what another replica sealed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open as openFile, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../../errors/catalogue.ts';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_ENV = 'SLUICE_MASTER_KEY';

const VERSION = 'v1';
const IV_BYTES = 12; // the GCM standard nonce; random 96-bit nonces are safe far beyond our volume
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from('sluice hkdf v1');
const SEAL_PURPOSE = 'secret-box v1';

export type SecretBoxFailure = 'malformed' | 'unsupported_version' | 'authentication_failed';

/**
 * A sealed value could not be opened. `authentication_failed` means a wrong master key, a
 * tampered value, or a value moved to another row (context mismatch). Reported as service_error:
 * it is never the caller's fault.
 */
export class SecretBoxError extends SluiceError {
  readonly reason: SecretBoxFailure;

  constructor(reason: SecretBoxFailure, message: string) {
    super('service_error', message);
    this.name = 'SecretBoxError';
    this.reason = reason;
  }
}

export type MasterKeyFailure = 'invalid' | 'insecure_permissions';

/** The master key is missing, malformed or exposed; the service must not start. */
export class MasterKeyError extends SluiceError {
  readonly reason: MasterKeyFailure;

  constructor(reason: MasterKeyFailure, message: string) {
    super('service_error', message);
    this.name = 'MasterKeyError';
    this.reason = reason;
  }
}

export interface LoadedMasterKey {
  key: Buffer;
  source: 'env' | 'file';
  /** The file read or created; undefined when the key came from the environment. */
  path: string | undefined;
  /** True when this call generated a new key (worth a log line: back the file up). */
  created: boolean;
}

function decodeMasterKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from ignores junk silently; re-encoding catches it (either base64 alphabet is accepted).
  const canonical = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
  const normalised = trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (key.length !== MASTER_KEY_BYTES || canonical(key) !== normalised) {
    throw new MasterKeyError('invalid', `${origin} must be ${MASTER_KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** Refuses a key file that group or others can read or write: the key protects every private key. */
async function assertPrivateFile(path: string): Promise<void> {
  if (process.platform === 'win32') return; // POSIX mode bits mean nothing there
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new MasterKeyError(
      'insecure_permissions',
      `master key file ${path} is accessible by group or others (mode ${octal}); run \`chmod 600 ${path}\``,
    );
  }
}

/**
 * Writes a new key without ever exposing a partial file: write a private temp file, then link()
 * it into place, which fails if another replica or process created the key first — then use theirs.
 */
async function createKeyFile(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await openFile(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600); // the umask can only remove bits, but be explicit
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

/**
 * The master key: from `SLUICE_MASTER_KEY` (base64) if set, else from `<dataDir>/master.key`,
 * created (mode 0600, in a 0700 directory if the directory is new) when absent.
 */
export async function loadOrCreateMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedMasterKey> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { key: decodeMasterKey(fromEnv, MASTER_KEY_ENV), source: 'env', path: undefined, created: false };
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, MASTER_KEY_FILE);
  let created = false;
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    created = await createKeyFile(path);
  }
  await assertPrivateFile(path);
  const key = decodeMasterKey(await readFile(path, 'utf8'), `master key file ${path}`);
  return { key, source: 'file', path, created };
}

function assertMasterKey(masterKey: Uint8Array): void {
  if (masterKey.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyError('invalid', `master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
  }
}

/**
 * A 32-byte subkey for one purpose (HKDF-SHA256), so that e.g. the token-signing key and the
 * sealing key are independent even though both come from the one master key.
 */
export function deriveKey(masterKey: Uint8Array, purpose: string): Buffer {
  assertMasterKey(masterKey);
  if (purpose === '') throw new RangeError('deriveKey needs a purpose');
  return Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, purpose, 32));
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * Encrypts with AES-256-GCM. `context` (e.g. the row id) is bound as additional data: the value
 * opens only with the same context, so a sealed key copied into another row is useless.
 * Output: `v1.<base64url iv>.<base64url ciphertext+tag>`.
 */
export function seal(masterKey: Uint8Array, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(masterKey, SEAL_PURPOSE), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${b64url(iv)}.${b64url(body)}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Reverses `seal`; throws SecretBoxError if the value is malformed, tampered or sealed for another context. */
export function open(masterKey: Uint8Array, sealed: string, context: string): string {
  const parts = sealed.split('.');
  const [version, ivText, bodyText] = parts;
  if (parts.length !== 3 || version === undefined || ivText === undefined || bodyText === undefined) {
    throw new SecretBoxError('malformed', 'sealed value is not of the form v1.<iv>.<ciphertext>');
  }
  if (version !== VERSION) throw new SecretBoxError('unsupported_version', `sealed value has unknown version ${version}`);
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (!BASE64URL.test(ivText) || !BASE64URL.test(bodyText) || iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new SecretBoxError('malformed', 'sealed value has a malformed iv or ciphertext');
  }
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(masterKey, SEAL_PURPOSE), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError(
      'authentication_failed',
      'sealed value failed authentication (wrong master key, tampered, or sealed for another context)',
    );
  }
}
