import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIpv4, isIpv4CidrSyntax, readIpv4Cidr, subBlock } from './cidr.ts';

test('a network block: range, mask and one canonical spelling', () => {
  assert.deepEqual(readIpv4Cidr('172.16.0.0/12'), { ok: true, network: '172.16.0.0', prefix: 12, canonical: '172.16.0.0/12', netmask: '255.240.0.0', first: 0xac100000, last: 0xac1fffff });
  const all = readIpv4Cidr('0.0.0.0/00');
  assert.ok(all.ok);
  assert.equal(all.canonical, '0.0.0.0/0');
  assert.equal(all.last, 2 ** 32 - 1);
  assert.equal(all.netmask, '0.0.0.0');
});

test('each problem is named: syntax, prefix over 32, host bits (with the network meant)', () => {
  for (const bad of ['10.8.0.0', '300.1.1.1/16', 'a.b.c.d/8', '10.8.0.0/16 ', '', '10.8.0.0/16/1', '010.0.0.0/8', '10.8.0.0/123', '1.2.3/8']) {
    assert.deepEqual(readIpv4Cidr(bad), { ok: false, problem: 'syntax' }, bad);
  }
  assert.deepEqual(readIpv4Cidr('10.8.0.0/33'), { ok: false, problem: 'prefix', prefix: 33 });
  assert.deepEqual(readIpv4Cidr('10.8.0.1/16'), { ok: false, problem: 'host_bits', network: '10.8.0.0', prefix: 16 });
});

test('addresses and typed blocks', () => {
  assert.equal(isIpv4('255.255.255.255'), true);
  assert.equal(isIpv4('1.1.1.300'), false);
  assert.equal(isIpv4('01.1.1.1'), false);
  assert.equal(isIpv4CidrSyntax('10.8.0.1/16'), true, 'host bits are the API\u2019s to refuse');
  assert.equal(isIpv4CidrSyntax('10.8.0.0/33'), false);
});

test('a block split into equal parts: each part, none overlapping, too small refused', () => {
  const pool = readIpv4Cidr('10.70.0.0/20');
  assert.ok(pool.ok);
  assert.equal(subBlock(pool, 0, 2), '10.70.0.0/21');
  assert.equal(subBlock(pool, 1, 2), '10.70.8.0/21');
  assert.equal(subBlock(pool, 3, 4), '10.70.12.0/22');
  assert.equal(subBlock(pool, 2, 2), undefined, 'no third half');
  assert.equal(subBlock(pool, 0, 3), undefined, 'parts are a power of two');
  const tiny = readIpv4Cidr('10.70.0.0/32');
  assert.ok(tiny.ok);
  assert.equal(subBlock(tiny, 0, 2), undefined);
});
