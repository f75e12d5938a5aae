import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, apiErrorFrom, errorToast, fieldErrors } from './errors.ts';

const body = {
  errors: [{ code: 'name_conflict', message: 'a VPN server named web already exists', target: { name: 'name', type: 'field', value: 'web' } }],
  trace: 'abc-123',
  status_code: 409,
};

test('reads the reference error body', () => {
  const e = apiErrorFrom(409, body);
  assert.equal(e.code, 'name_conflict');
  assert.equal(e.status, 409);
  assert.equal(e.trace, 'abc-123');
  assert.equal(e.message, 'a VPN server named web already exists');
});

test('falls back to the status when the body is not the reference shape', () => {
  assert.equal(apiErrorFrom(502, null, '<html>bad gateway</html>').code, 'http_502');
  assert.equal(apiErrorFrom(502, null, '').message, 'the server failed to answer');
  assert.equal(apiErrorFrom(404, { message: 'x' }).code, 'http_404');
});

test('toast text carries the code, the field and the trace', () => {
  const t = errorToast('Could not create VPN server', apiErrorFrom(409, body));
  assert.equal(t.title, 'Could not create VPN server');
  assert.equal(t.subtitle, 'name_conflict: a VPN server named web already exists (field name)');
  assert.equal(t.caption, 'trace abc-123');
});

test('network failures and plain errors become readable toasts', () => {
  assert.equal(errorToast('X', new TypeError('Failed to fetch')).subtitle, 'network_error: the server could not be reached');
  assert.equal(errorToast('X', new Error('boom')).subtitle, 'boom');
  assert.equal(errorToast('X', 'odd').subtitle, 'odd');
});

test('fieldErrors maps body fields to messages, first one wins', () => {
  const e = new ApiError(400, [
    { code: 'invalid_cidr', message: 'bad pool', target: { name: 'client_ip_pool', type: 'field' } },
    { code: 'other', message: 'second', target: { name: 'client_ip_pool', type: 'field' } },
    { code: 'version_missing', message: 'v', target: { name: 'version', type: 'parameter' } },
  ]);
  assert.deepEqual(fieldErrors(e), { client_ip_pool: 'bad pool (invalid_cidr)' });
  assert.deepEqual(fieldErrors(new Error('x')), {});
});
