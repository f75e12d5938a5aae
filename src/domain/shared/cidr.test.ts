import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../errors/catalogue.ts';
import { parseIpv4Cidr, validateClientIpPool } from './cidr.ts';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    return error.code;
  }
  return 'none';
};

test('parses a network and its range', () => {
  const cidr = parseIpv4Cidr('10.8.0.0/16', 'f');
  assert.equal(cidr.first, 0x0a080000);
  assert.equal(cidr.last, 0x0a08ffff);
});

test('rejects malformed blocks and host bits', () => {
  for (const bad of ['10.8.0.0', '10.8.0.0/33', '300.1.1.1/16', '10.8.0.1/16', 'a.b.c.d/8', '10.8.0.0/16 ', '']) {
    assert.equal(codeOf(() => parseIpv4Cidr(bad, 'f')), 'invalid_cidr', bad);
  }
});

test('client pool prefix must be /9 to /22 and clear of reserved ranges', () => {
  assert.equal(codeOf(() => validateClientIpPool('10.0.0.0/8')), 'client_ip_pool_prefix');
  assert.equal(codeOf(() => validateClientIpPool('10.8.0.0/24')), 'client_ip_pool_prefix');
  assert.equal(codeOf(() => validateClientIpPool('127.0.0.0/16')), 'client_ip_pool_reserved');
  assert.equal(codeOf(() => validateClientIpPool('169.254.0.0/16')), 'client_ip_pool_reserved');
  assert.equal(codeOf(() => validateClientIpPool('224.0.0.0/9')), 'client_ip_pool_reserved');
  assert.equal(codeOf(() => validateClientIpPool('172.16.0.0/22')), 'none');
});

test('every spelling of a block has one canonical form', () => {
  assert.equal(parseIpv4Cidr('0.0.0.0/00', 'f').canonical, '0.0.0.0/0');
  assert.equal(parseIpv4Cidr('0.0.0.0/0', 'f').canonical, '0.0.0.0/0');
  assert.equal(parseIpv4Cidr('10.0.0.0/08', 'f').canonical, '10.0.0.0/8');
  assert.equal(parseIpv4Cidr('192.168.10.0/24', 'f').canonical, '192.168.10.0/24');
  // Leading zeros in an octet are ambiguous (octal to some parsers), so they stay refused.
  assert.equal(codeOf(() => parseIpv4Cidr('010.0.0.0/8', 'f')), 'invalid_cidr');
});
