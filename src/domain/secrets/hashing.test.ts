import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { constantTimeEqual, generatePasscode, generateSecret, hashSecret, normalizePasscode } from './hashing.ts';

describe('hashSecret', () => {
  it('is sha256:<hex> of the UTF-8 text, deterministic for lookup by hash', () => {
    assert.equal(hashSecret('abc'), `sha256:${createHash('sha256').update('abc').digest('hex')}`);
    assert.equal(hashSecret('ключ'), hashSecret('ключ'));
    assert.match(hashSecret(''), /^sha256:[0-9a-f]{64}$/);
  });
});

describe('constantTimeEqual', () => {
  it('agrees with plain equality, whatever the lengths', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
    assert.ok(constantTimeEqual(Buffer.from('x'), 'x'));
  });
});

describe('generateSecret', () => {
  it('encodes the requested randomness as base64url or Crockford base32', () => {
    assert.match(generateSecret(32), /^[A-Za-z0-9_-]{43}$/);
    assert.match(generateSecret(20, 'base32'), /^[0-9A-HJKMNP-TV-Z]{32}$/);
    assert.notEqual(generateSecret(), generateSecret());
    assert.throws(() => generateSecret(8), /at least 16/);
  });
});

describe('passcodes', () => {
  it('are four dash-separated groups of five Crockford characters (100 bits)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const code = generatePasscode();
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
      seen.add(code);
    }
    assert.equal(seen.size, 1000);
  });

  it('use every symbol roughly uniformly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const ch of generatePasscode().replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 32);
    // 40 000 draws over 32 symbols: 1250 expected each; ±25% is many standard deviations wide.
    for (const n of counts.values()) assert.ok(n > 937 && n < 1563, `count ${n}`);
  });

  it('normalise what a person types to what was issued', () => {
    const code = generatePasscode();
    assert.equal(normalizePasscode(code.toLowerCase().replace(/-/g, ' ')), code.replace(/-/g, ''));
    assert.equal(normalizePasscode('oIl0-1'), '01101');
    assert.equal(normalizePasscode(normalizePasscode(code)), normalizePasscode(code));
  });
});
