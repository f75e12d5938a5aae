import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { MasterKeyError, SecretBoxError, deriveKey, loadOrCreateMasterKey, open, seal } from './secret-box.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-secret-box-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `data-${dirs++}`);

const key = randomBytes(32);

function failsWith(reason: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SecretBoxError || error instanceof MasterKeyError, String(error));
    assert.equal(error.reason, reason);
    assert.equal(error.code, 'service_error');
    return true;
  };
}

describe('seal / open', () => {
  it('round-trips any text for its context', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 40 }), (plaintext, context) => {
        assert.equal(open(key, seal(key, plaintext, context), context), plaintext);
      }),
    );
  });

  it('has the v1.<iv>.<ciphertext+tag> shape and a fresh iv each time', () => {
    const a = seal(key, 'same', 'ctx');
    const b = seal(key, 'same', 'ctx');
    assert.match(a, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a.split('.')[2] ?? '', 'base64url').length, 4 + 16, 'ciphertext plus 16-byte tag');
  });

  it('refuses another context, another key, and any flipped bit', () => {
    const sealed = seal(key, '-----BEGIN PRIVATE KEY-----', 'certificate:1');
    assert.throws(() => open(key, sealed, 'certificate:2'), failsWith('authentication_failed'));
    assert.throws(() => open(randomBytes(32), sealed, 'certificate:1'), failsWith('authentication_failed'));
    const [v, iv = '', body = ''] = sealed.split('.');
    const bytes = Buffer.from(body, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Buffer.from(bytes);
      tampered[i] = (tampered[i] ?? 0) ^ 1;
      assert.throws(() => open(key, `${v}.${iv}.${tampered.toString('base64url')}`, 'certificate:1'), failsWith('authentication_failed'));
    }
  });

  it('reports malformed and unknown-version values as such', () => {
    assert.throws(() => open(key, 'garbage', 'c'), failsWith('malformed'));
    assert.throws(() => open(key, 'v1.abc.def', 'c'), failsWith('malformed'));
    assert.throws(() => open(key, 'v1.!!!!.????', 'c'), failsWith('malformed'));
    assert.throws(() => open(key, 'v9.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'c'), failsWith('unsupported_version'));
  });

  it('refuses a master key of the wrong size', () => {
    assert.throws(() => seal(randomBytes(16), 'x', 'c'), failsWith('invalid'));
  });
});

describe('deriveKey', () => {
  it('gives a stable 32-byte key per purpose, independent across purposes and master keys', () => {
    const a = deriveKey(key, 'token-signing');
    assert.equal(a.length, 32);
    assert.deepEqual(deriveKey(key, 'token-signing'), a);
    assert.notDeepEqual(deriveKey(key, 'other'), a);
    assert.notDeepEqual(deriveKey(randomBytes(32), 'token-signing'), a);
    assert.notDeepEqual(a, key);
  });
});

describe('loadOrCreateMasterKey', () => {
  it('creates master.key (0600) in a new 0700 directory, then reads the same key back', async () => {
    const dir = freshDir();
    const first = await loadOrCreateMasterKey(dir, {});
    assert.equal(first.created, true);
    assert.equal(first.source, 'file');
    assert.equal(first.key.length, 32);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
    const second = await loadOrCreateMasterKey(dir, {});
    assert.equal(second.created, false);
    assert.deepEqual(second.key, first.key);
  });

  it('lets concurrent starters agree on one key', async () => {
    const dir = freshDir();
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateMasterKey(dir, {})));
    assert.equal(results.filter((r) => r.created).length, 1);
    for (const r of results) assert.deepEqual(r.key, results[0]?.key);
  });

  it('prefers SLUICE_MASTER_KEY and validates it', async () => {
    const envKey = randomBytes(32);
    const loaded = await loadOrCreateMasterKey(freshDir(), { SLUICE_MASTER_KEY: envKey.toString('base64') });
    assert.deepEqual(loaded.key, envKey);
    assert.equal(loaded.source, 'env');
    const urlSafe = await loadOrCreateMasterKey(freshDir(), { SLUICE_MASTER_KEY: envKey.toString('base64url') });
    assert.deepEqual(urlSafe.key, envKey);
    await assert.rejects(loadOrCreateMasterKey(freshDir(), { SLUICE_MASTER_KEY: randomBytes(16).toString('base64') }), failsWith('invalid'));
    await assert.rejects(loadOrCreateMasterKey(freshDir(), { SLUICE_MASTER_KEY: 'not base64 at all!!' }), failsWith('invalid'));
  });

  it('refuses a key file readable by group or others, and a corrupt one', async () => {
    const dir = freshDir();
    await loadOrCreateMasterKey(dir, {});
    const path = join(dir, 'master.key');
    chmodSync(path, 0o644);
    await assert.rejects(loadOrCreateMasterKey(dir, {}), (error: unknown) => {
      failsWith('insecure_permissions')(error);
      assert.match((error as Error).message, /mode 644.*chmod 600/);
      return true;
    });
    chmodSync(path, 0o600);
    writeFileSync(path, 'short\n');
    await assert.rejects(loadOrCreateMasterKey(dir, {}), failsWith('invalid'));
    assert.equal(readFileSync(path, 'utf8'), 'short\n', 'an existing file is never overwritten');
  });
});
