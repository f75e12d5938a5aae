import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { authMethods, boolean, cidr, integer, ipv4List, list, oneOf } from './parse.ts';

test('integer accepts the range and refuses the rest', () => {
  assert.equal(integer(1, 65535)('443'), 443);
  for (const bad of ['0', '65536', 'abc', '1.5', '']) assert.throws(() => integer(1, 65535)(bad), InvalidArgumentError);
});

test('oneOf is case-insensitive (the reference spells --output JSON)', () => {
  assert.equal(oneOf('json')('JSON'), 'json');
  assert.throws(() => oneOf('udp', 'tcp')('icmp'), /udp, tcp/);
});

test('boolean: bare flag is true, explicit values parse', () => {
  assert.equal(boolean(undefined), true);
  assert.equal(boolean('false'), false);
  assert.throws(() => boolean('maybe'), InvalidArgumentError);
});

test('list is repeatable and comma-separated', () => {
  assert.deepEqual(list('b,c', list('a', undefined)), ['a', 'b', 'c']);
});

test('ipv4List validates addresses and allows at most two', () => {
  assert.deepEqual(ipv4List('1.1.1.1,9.9.9.9', undefined), ['1.1.1.1', '9.9.9.9']);
  assert.throws(() => ipv4List('1.1.1.1,2.2.2.2,3.3.3.3', undefined), /at most 2/);
  assert.throws(() => ipv4List('1.1.1.300', undefined), /not an IPv4/);
});

test('cidr', () => {
  assert.equal(cidr('10.8.0.0/16'), '10.8.0.0/16');
  for (const bad of ['10.8.0.0', '10.8.0.0/33', 'x/8', '10.8.0.0/16/1']) assert.throws(() => cidr(bad), InvalidArgumentError);
});

test('authMethods', () => {
  assert.deepEqual(authMethods('certificate,username'), ['certificate', 'username']);
  assert.deepEqual(authMethods('username,username'), ['username']);
  assert.throws(() => authMethods('password'), /unknown method/);
});
