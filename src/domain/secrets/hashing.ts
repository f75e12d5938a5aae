/**
 * Secrets that Sluice only ever needs to recognise (API keys, one-time passcodes) are stored as a
 * hash. They are all generated here with ≥ 100 bits of randomness, so a fast unsalted SHA-256 is
 * the right tool: guessing is infeasible even against a leaked table, and the same input always
 * gives the same hash, which lets the store look a secret up by its hash with an index.
 * (A password chosen by a person would need a slow salted hash instead; Sluice stores none.)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const HASH_PREFIX = 'sha256:';

/** `sha256:<64 hex>` of the UTF-8 secret. */
export function hashSecret(secret: string): string {
  return HASH_PREFIX + createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares without an early exit on the first differing byte. Both sides are hashed first so
 * that inputs of different lengths take the same path and the length is not revealed either.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const digest = (v: string | Uint8Array): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Crockford base32: no I, L, O, U, so what a person reads off a screen is what they type. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type SecretEncoding = 'base64url' | 'base32';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet emitted, so `buffer` never overflows
  }
  if (bits > 0) out += CROCKFORD[(buffer << (5 - bits)) & 31] ?? '';
  return out;
}

/** `bytes` random bytes (≥ 16, i.e. ≥ 128 bits, so `hashSecret` storage stays safe) as text. */
export function generateSecret(bytes = 32, encoding: SecretEncoding = 'base64url'): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('a secret needs at least 16 random bytes');
  const random = randomBytes(bytes);
  return encoding === 'base64url' ? random.toString('base64url') : base32(random);
}

const PASSCODE_GROUPS = 4;
const PASSCODE_GROUP_LENGTH = 5;

/**
 * A one-time passcode like `7KQ2M-X9D4R-0HVTC-3ZP8N`: 20 Crockford base32 characters = 100 bits.
 * Why so long for a one-time code: passcodes are stored with the fast `hashSecret` (so they can be
 * looked up by hash), and 100 bits keeps a leaked hash unguessable offline; a short 6-digit code
 * would need a slow hash and online rate limits to be safe. Grouping in fives keeps it typeable.
 */
export function generatePasscode(): string {
  // 32 divides 256, so taking the low 5 bits of each random byte is unbiased.
  const random = randomBytes(PASSCODE_GROUPS * PASSCODE_GROUP_LENGTH);
  const chars = [...random].map((byte) => CROCKFORD[byte & 31] ?? '');
  const groups: string[] = [];
  for (let i = 0; i < PASSCODE_GROUPS; i++) {
    groups.push(chars.slice(i * PASSCODE_GROUP_LENGTH, (i + 1) * PASSCODE_GROUP_LENGTH).join(''));
  }
  return groups.join('-');
}

/**
 * The canonical form of a typed passcode, to hash at issue and at check time: separators and
 * case ignored, and the look-alikes Crockford defines mapped (I, L → 1; O → 0).
 */
export function normalizePasscode(typed: string): string {
  return typed
    .replace(/[-\s]/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}
