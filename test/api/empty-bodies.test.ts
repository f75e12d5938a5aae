import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

interface ErrorBody {
  errors: { code: string; message: string; target?: { name: string; type: string } }[];
}

/** Content types HTTP clients send on a POST without a body (IBM's SDK core sends the first). */
const EMPTY_BODY_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'];

async function serverWithClient(h: Harness, n: number) {
  const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: `10.${40 + n}.0.0/16`, port: 2000 + n, client_authentication: [{ method: 'certificate' }] } }));
  const client = await recordEstablished(h.ctx, server.id, { sessionKey: `1:${n}`, clientIp: `10.${40 + n}.0.2`, remoteIp: '198.51.100.7', remotePort: 50000 + n, commonName: 'alice', username: null, startedAt: h.clock.now() });
  return { serverId: server.id, clientId: client.id };
}

for (const dialect of testDialects()) {
  describe(`empty request bodies (${dialect})`, () => {
    test('a body-less POST is accepted with an empty body whatever its Content-Type', async () => {
      const h = await startHarness(dialect);
      try {
        for (const [n, type] of EMPTY_BODY_TYPES.entries()) {
          const { serverId, clientId } = await serverWithClient(h, n);
          const res = await h.call('POST', `/v1/vpn_servers/${serverId}/clients/${clientId}/disconnect`, { headers: { 'content-type': type } });
          assert.equal(res.statusCode, 202, `disconnect with ${type}: ${res.body}`);
          const client = json<{ disconnect_requested_at?: string }>(await h.call('GET', `/v1/vpn_servers/${serverId}/clients/${clientId}`));
          assert.ok(client.disconnect_requested_at, `the disconnect with ${type} was recorded`);
        }
        const passcode = await h.call('POST', '/identity/passcode', { headers: { 'content-type': 'application/json' } });
        assert.equal(passcode.statusCode, 200, passcode.body);

        const ca = json<{ crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'Empty Body CA' } }));
        const leaf = json<{ id: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'client', common_name: 'bob', issuer: { crn: ca.crn } } }));
        const revoked = await h.call('POST', `/v1/certificates/${leaf.id}/revoke`, { headers: { 'content-type': 'application/json' } });
        assert.equal(revoked.statusCode, 200, revoked.body);
        assert.ok(json<{ revoked_at?: string }>(revoked).revoked_at);
        const leaf2 = json<{ id: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'client', common_name: 'carol', issuer: { crn: ca.crn } } }));
        const noType = await h.call('POST', `/v1/certificates/${leaf2.id}/revoke`);
        assert.equal(noType.statusCode, 200, noType.body);
      } finally {
        await h.close();
      }
    });

    test('a body that is present but malformed, or of a foreign type, is still refused', async () => {
      const h = await startHarness(dialect);
      try {
        const { serverId, clientId } = await serverWithClient(h, 9);
        const url = `/v1/vpn_servers/${serverId}/clients/${clientId}/disconnect`;
        const malformed = await h.call('POST', url, { body: '{"reason":', contentType: 'application/json' });
        assert.equal(malformed.statusCode, 400, malformed.body);
        assert.equal(json<ErrorBody>(malformed).errors[0]?.code, 'invalid_request');
        const poisoned = await h.call('POST', url, { body: '{"__proto__":{"x":1}}', contentType: 'application/json' });
        assert.equal(poisoned.statusCode, 400, poisoned.body);
        const foreign = await h.call('POST', url, { body: '<disconnect/>', contentType: 'application/xml' });
        assert.equal(foreign.statusCode, 415, foreign.body);
        assert.deepEqual(json<ErrorBody>(foreign).errors[0]?.target, { name: 'Content-Type', type: 'header', value: 'application/xml' });
        const client = json<{ disconnect_requested_at?: string }>(await h.call('GET', `/v1/vpn_servers/${serverId}/clients/${clientId}`));
        assert.equal(client.disconnect_requested_at, undefined, 'a refused request changed nothing');
      } finally {
        await h.close();
      }
    });

    test('a route that needs a body says so when the body is empty', async () => {
      const h = await startHarness(dialect);
      try {
        const { serverId } = await serverWithClient(h, 10);
        for (const [method, url] of [['POST', `/v1/vpn_servers/${serverId}/clients/disconnect`], ['POST', '/v1/certificates'], ['POST', `/v1/vpn_servers/${serverId}/routes`]] as const) {
          const res = await h.call(method, url, { headers: { 'content-type': 'application/json' } });
          assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
          const error = json<ErrorBody>(res).errors[0];
          assert.equal(error?.code, 'missing_field', `${method} ${url}`);
          assert.deepEqual(error?.target, { name: 'body', type: 'field' }, `${method} ${url}`);
        }
        // Creating a server with no body names the first required field, as with `{}`.
        const create = await h.call('POST', '/v1/vpn_servers', { headers: { 'content-type': 'application/json' } });
        assert.equal(create.statusCode, 400);
        assert.equal(json<ErrorBody>(create).errors[0]?.code, 'missing_field');
      } finally {
        await h.close();
      }
    });
  });
}
