import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/server/app.ts';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { testDialects } from '../support/dialects.ts';
import { ADMIN_KEY, json, startHarness, type Harness } from '../support/app-harness.ts';
import type { ErrorBody } from '../../src/server/errors.ts';
import type { FastifyInstance } from 'fastify';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';
const grant = (app: FastifyInstance, apikey: string, remoteAddress = '203.0.113.7') =>
  app.inject({ method: 'POST', url: '/identity/token', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: APIKEY_GRANT, apikey }).toString() });

function assertLimited(res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string): void {
  assert.equal(res.statusCode, 429, `${what}: ${res.body}`);
  const body = json<ErrorBody>(res as never);
  assert.equal(body.errors[0]?.code, 'rate_limited', what);
  assert.equal(body.status_code, 429);
  assert.match(body.trace, /^[0-9a-f-]{36}$/);
  assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/, `${what}: Retry-After`);
}

async function userWithKey(h: Harness, name: string, roles: unknown[] = []): Promise<{ id: string; apikey: string }> {
  const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name, roles } }));
  const { apikey } = json<{ apikey: string }>(await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'k' } }));
  return { id: user.id, apikey };
}

for (const dialect of testDialects()) {
  describe(`rate limits (${dialect})`, () => {
    test('token grants are limited per client address, and the count is in the store (shared by replicas)', async () => {
      const h = await startHarness(dialect, { limits: { tokenGrants: { max: 4, windowMs: 60_000 } } });
      const replica = await buildApp({ ctx: h.ctx, identity: h.identity, certificates: h.certificates, publicHost: 'vpn.example.test', listenHost: '127.0.0.1' }, { logger: false, limits: { ...DEFAULT_LIMITS, tokenGrants: { max: 4, windowMs: 60_000 } } });
      try {
        for (let i = 0; i < 2; i += 1) assert.equal((await grant(h.app, ADMIN_KEY)).statusCode, 200);
        for (let i = 0; i < 2; i += 1) assert.equal((await grant(replica, ADMIN_KEY)).statusCode, 200);
        assertLimited(await grant(replica, ADMIN_KEY), 'fifth grant from one address across two replicas');
        assertLimited(await grant(h.app, ADMIN_KEY), 'and on the first replica');
        assert.equal((await grant(h.app, ADMIN_KEY, '203.0.113.8')).statusCode, 200, 'another address is not affected');
        h.clock.advance(60_000);
        assert.equal((await grant(h.app, ADMIN_KEY)).statusCode, 200, 'the window ends');
      } finally {
        await replica.close();
        await h.close();
      }
    });

    test('failed key lookups lock out the client address and the key prefix, even for a right key', async () => {
      const h = await startHarness(dialect, { limits: { keyFailures: { max: 3, windowMs: 15 * 60_000 } } });
      try {
        for (let i = 0; i < 3; i += 1) assert.equal((await grant(h.app, `wrong-key-${i}-0000000000000000`)).statusCode, 400);
        assertLimited(await grant(h.app, ADMIN_KEY), 'a right key from a locked-out address');
        assert.equal((await grant(h.app, ADMIN_KEY, '198.51.100.1')).statusCode, 200);

        // Many addresses guessing keys that share a prefix: the prefix runs out of budget.
        for (let i = 0; i < 3; i += 1) assert.equal((await grant(h.app, `GUESSPFX-${i}-00000000000000000`, `198.51.100.${10 + i}`)).statusCode, 400);
        assertLimited(await grant(h.app, 'GUESSPFX-x-00000000000000000', '198.51.100.99'), 'a fresh address guessing the same prefix');

        const refresh = () => h.app.inject({ method: 'POST', url: '/identity/token', remoteAddress: '192.0.2.5', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=refresh_token&refresh_token=forged' });
        for (let i = 0; i < 3; i += 1) assert.equal((await refresh()).statusCode, 400);
        assertLimited(await refresh(), 'forged refresh tokens count too');

        h.clock.advance(15 * 60_000);
        assert.equal((await grant(h.app, ADMIN_KEY)).statusCode, 200, 'the lockout ends with its window');
      } finally {
        await h.close();
      }
    });

    test('passcodes are limited per user', async () => {
      const h = await startHarness(dialect, { limits: { passcodes: { max: 3, windowMs: 5 * 60_000 } } });
      try {
        const alice = await userWithKey(h, 'alice', [{ role: 'VPNClient' }]);
        const bob = await userWithKey(h, 'bob', [{ role: 'VPNClient' }]);
        const tokenOf = async (apikey: string) => json<{ access_token: string }>(await grant(h.app, apikey)).access_token;
        const [a1, a2, b] = [await tokenOf(alice.apikey), await tokenOf(alice.apikey), await tokenOf(bob.apikey)];
        for (const token of [a1, a2, a1]) assert.equal((await h.call('POST', '/identity/passcode', { token })).statusCode, 200);
        assertLimited(await h.call('POST', '/identity/passcode', { token: a2 }), 'a fourth passcode for alice, from another sign-in');
        assert.equal((await h.call('POST', '/identity/passcode', { token: b })).statusCode, 200, 'bob has his own budget');
      } finally {
        await h.close();
      }
    });

    test('each access token has a request budget', async () => {
      const h = await startHarness(dialect, { limits: { tokenRequests: { max: 5, windowMs: 60_000 } } });
      try {
        const other = await h.tokenFor('Viewer');
        for (let i = 0; i < 5; i += 1) assert.equal((await h.call('GET', '/v1/vpn_servers')).statusCode, 200);
        const limited = await h.call('GET', '/v1/vpn_servers');
        assertLimited(limited, 'the sixth request with one token');
        assert.equal((await h.call('GET', '/v1/vpn_servers', { token: other })).statusCode, 200, 'another token has its own budget');
        assert.equal((await h.call('GET', '/healthz', { token: null })).statusCode, 200, 'unauthenticated routes are not counted per token');
      } finally {
        await h.close();
      }
    });

    test('failed VPN username authentications lock the user out until an Administrator lifts it', async () => {
      const h = await startHarness(dialect, { limits: { vpnAuthUser: { max: 3, windowMs: 15 * 60_000 }, vpnAuthAddress: { max: 5, windowMs: 15 * 60_000 } } });
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.90.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const dave = await userWithKey(h, 'dave', [{ role: 'VPNClient', vpn_server_id: server.id }]);
        const verify = (passcode: string, address = '198.18.0.9') => h.identity.verifyVpnCredentials(server.id, 'dave', passcode, { remoteAddress: address });
        for (let i = 0; i < 3; i += 1) assert.equal((await verify('WRONG-WRONG-WRONG-WRONG')).ok, false);
        const { passcode } = await h.identity.issuePasscode(dave.id);
        const refused = await verify(passcode, '198.18.0.10');
        assert.deepEqual(refused, { ok: false, reason: 'user is locked out after too many failed attempts' });

        const viewer = await h.tokenFor('Viewer');
        assert.equal((await h.call('GET', '/v1/vpn_lockouts', { token: viewer })).statusCode, 403);
        const listed = json<{ vpn_lockouts: { id: string; kind: string; subject: string; failures: number; locked_until: string }[] }>(await h.call('GET', '/v1/vpn_lockouts'));
        assert.equal(listed.vpn_lockouts.length, 1);
        assert.equal(listed.vpn_lockouts[0]?.kind, 'user');
        assert.equal(listed.vpn_lockouts[0]?.subject, 'dave');
        assert.equal(listed.vpn_lockouts[0]?.failures, 3);
        assert.equal((await h.call('DELETE', `/v1/vpn_lockouts/${listed.vpn_lockouts[0]?.id ?? ''}`)).statusCode, 204);
        assert.equal((await h.call('DELETE', `/v1/vpn_lockouts/${listed.vpn_lockouts[0]?.id ?? ''}`)).statusCode, 404);
        assert.deepEqual(await verify(passcode, '198.18.0.10'), { ok: true, userId: dave.id }, 'lifted: the right passcode works again');

        // An address guessing for several users runs out of its own budget.
        for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) await h.identity.verifyVpnCredentials(server.id, name, 'x', { remoteAddress: '198.18.0.66' });
        const second = await h.identity.issuePasscode(dave.id);
        const fromAddress = await verify(second.passcode, '198.18.0.66');
        assert.equal(fromAddress.ok, false);
        assert.match(fromAddress.ok ? '' : fromAddress.reason, /remote address 198\.18\.0\.66 is locked out/);
        const addressLockout = json<{ vpn_lockouts: { id: string; kind: string; subject: string }[] }>(await h.call('GET', '/v1/vpn_lockouts')).vpn_lockouts.find((l) => l.kind === 'address');
        assert.equal(addressLockout?.subject, '198.18.0.66');
      } finally {
        await h.close();
      }
    });
  });
}
