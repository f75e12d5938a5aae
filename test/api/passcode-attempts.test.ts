import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';

for (const dialect of testDialects()) {
  describe(`passcodes spent on unanswered attempts (${dialect})`, () => {
    test('an attempt ended unanswered gives its passcode back to the same user, once per such attempt, until it expires', async () => {
      const h = await startHarness(dialect);
      try {
        const body = { client_authentication: [{ method: 'username' }] };
        const a = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { ...body, client_ip_pool: '10.53.0.0/16', port: 1003 } }));
        const b = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { ...body, client_ip_pool: '10.54.0.0/16', port: 1004 } }));
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'dora', roles: [{ role: 'VPNClient' }] } }));
        const eve = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'eve', roles: [{ role: 'VPNClient' }] } }));
        // A VPN user needs an API key to be let in at all (it is how they fetch passcodes).
        for (const id of [user.id, eve.id]) await h.call('POST', `/v1/users/${id}/api_keys`, { body: { name: 'laptop' } });
        const { passcode } = await h.identity.issuePasscode(user.id);

        assert.deepEqual(await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1700:4' }), { ok: true, userId: user.id });
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1700:5' })).ok, false, 'spent');

        // Another server's attempt with that key, or another attempt of this server, releases nothing.
        assert.equal(await h.identity.releaseAttempts(b.id, ['1700:4']), 0);
        assert.equal(await h.identity.releaseAttempts(a.id, ['1700:5', '1700:6']), 0);
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1700:7' })).ok, false);

        // The gateway ended attempt 1700:4 before it became a session: the retry succeeds.
        assert.equal(await h.identity.releaseAttempts(a.id, ['1700:4']), 1);
        assert.deepEqual(await h.identity.verifyVpnCredentials(a.id, 'eve', passcode, { sessionKey: '1700:8' }), { ok: false, reason: 'passcode is wrong, used or expired' }, 'only its own user may use it');
        assert.deepEqual(await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1701:0' }), { ok: true, userId: user.id });
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1701:1' })).ok, false, 'spent again by the retry');
        assert.equal(await h.identity.releaseAttempts(a.id, ['1700:4']), 0, 'the old attempt no longer holds it');

        // Released after it expired: stays spent.
        assert.equal(await h.identity.releaseAttempts(a.id, ['1701:0']), 1);
        const second = await h.identity.issuePasscode(user.id);
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', second.passcode, { sessionKey: '1702:0' })).ok, true);
        h.clock.advance(300_000);
        assert.equal(await h.identity.releaseAttempts(a.id, ['1702:0']), 0);
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', second.passcode, { sessionKey: '1702:1' })).ok, false);
        assert.equal((await h.identity.verifyVpnCredentials(a.id, 'dora', passcode, { sessionKey: '1702:2' })).ok, false, 'expired');
      } finally {
        await h.close();
      }
    });
  });
}
