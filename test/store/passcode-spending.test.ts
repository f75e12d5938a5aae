import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityService } from '../../src/domain/identity/service.ts';
import { TokenSigner } from '../../src/domain/identity/tokens.ts';
import { openStore } from '../../src/store/database.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

/** Concurrent decisions spend their passcodes in batches; a passcode still backs one connection only. */
for (const dialect of testDialects()) {
  describe(`passcodes spent by concurrent decisions (${dialect})`, () => {
    let h: Harness;
    let serverId: string;
    let users = 0;
    before(async () => {
      // No lockouts: the refusals here are the point, not a reason to stop asking.
      h = await startHarness(dialect, { limits: { vpnAuthUser: null, vpnAuthAddress: null } });
      const response = await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.72.0.0/16', client_authentication: [{ method: 'username' }] } });
      assert.equal(response.statusCode, 201, response.body);
      serverId = json<{ id: string }>(response).id;
    });
    after(() => h.close());

    /** A user who may connect to the server, with `count` fresh passcodes. */
    const userWithPasscodes = async (count: number): Promise<{ name: string; passcodes: string[] }> => {
      users += 1;
      const user = await h.identity.createUser(`vpn-user-${users}`, [{ role: 'VPNClient', vpnServerId: serverId }]);
      await h.identity.createApiKey(user.id, 'key');
      const passcodes: string[] = [];
      for (let i = 0; i < count; i += 1) passcodes.push((await h.identity.issuePasscode(user.id)).passcode);
      return { name: user.name, passcodes };
    };
    const verify = (identity: IdentityService, username: string, passcode: string, session: number) =>
      identity.verifyVpnCredentials(serverId, username, passcode, { sessionKey: `900:${session}` });
    const allowed = (results: Array<{ ok: boolean }>): number => results.filter((r) => r.ok).length;

    test('decisions at once with one passcode: exactly one wins', async () => {
      const { name, passcodes } = await userWithPasscodes(1);
      const [passcode] = passcodes as [string];
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => verify(h.identity, name, passcode, i)));
      assert.equal(allowed(results), 1);
      assert.equal((await verify(h.identity, name, passcode, 99)).ok, false);
    });

    test('decisions at once with their own passcodes all win, in fewer writes than decisions, each spent on its own attempt', async () => {
      const { name, passcodes } = await userWithPasscodes(20);
      const batchesBefore = h.identity.passcodes.batches;
      const results = await Promise.all(passcodes.map((p, i) => verify(h.identity, name, p, 100 + i)));
      assert.equal(allowed(results), 20);
      assert.ok(h.identity.passcodes.batches - batchesBefore < 20, `${h.identity.passcodes.batches - batchesBefore} writes for 20 decisions`);
      const spentOn = await h.store.db.selectFrom('passcodes').select('used_by_session').where('used_by_server', '=', serverId).where('used_by_session', 'like', '900:1__').execute();
      assert.deepEqual(spentOn.map((r) => r.used_by_session).sort(), passcodes.map((_, i) => `900:${100 + i}`).sort());
    });

    test("another user's passcode does not win beside its owner's attempt", async () => {
      const owner = await userWithPasscodes(1);
      const other = await userWithPasscodes(0);
      const [passcode] = owner.passcodes as [string];
      const [stranger, rightful] = await Promise.all([verify(h.identity, other.name, passcode, 200), verify(h.identity, owner.name, passcode, 201)]);
      assert.equal(stranger.ok, false);
      assert.equal(rightful.ok, true);
    });

    test('the user, their role bindings and API keys read at once: role on this server and a key are both needed', async () => {
      const elsewhere = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { port: 1390, client_ip_pool: '10.73.0.0/16', client_authentication: [{ method: 'username' }] } }));
      const both = await h.identity.createUser('vpn-two-roles', [{ role: 'VPNClient', vpnServerId: elsewhere.id }, { role: 'VPNClient', vpnServerId: serverId }]);
      await h.identity.createApiKey(both.id, 'key');
      assert.deepEqual(await h.identity.vpnAccessOf(serverId, both.name), { ok: true, user: both });
      const onlyElsewhere = await h.identity.createUser('vpn-role-elsewhere', [{ role: 'VPNClient', vpnServerId: elsewhere.id }]);
      await h.identity.createApiKey(onlyElsewhere.id, 'key');
      assert.deepEqual(await h.identity.vpnAccessOf(serverId, onlyElsewhere.name), { ok: false, reason: 'user lacks the VPNClient role for this server' });
      await h.identity.createUser('vpn-no-key', [{ role: 'VPNClient', vpnServerId: serverId }]);
      assert.deepEqual(await h.identity.vpnAccessOf(serverId, 'vpn-no-key'), { ok: false, reason: 'user has no API key' });
      assert.deepEqual(await h.identity.vpnAccessOf(serverId, 'nobody'), { ok: false, reason: 'unknown or disabled user' });
    });

    test('decisions at once for different users read together, each with its own verdict, and see a change made just before', async () => {
      const ok = await userWithPasscodes(3);
      const noRole = await h.identity.createUser('vpn-batch-no-role', []);
      await h.identity.createApiKey(noRole.id, 'key');
      const disabled = await userWithPasscodes(1);
      const disabledUser = (await h.identity.listUsers()).find((u) => u.name === disabled.name);
      assert.ok(disabledUser);
      await h.identity.updateUser(disabledUser.id, { disabled: true }, 'test');
      const readsBefore = h.identity.decisionReads.batches;
      const results = await Promise.all([
        ...ok.passcodes.map((p, i) => verify(h.identity, ok.name, p, 400 + i)),
        verify(h.identity, noRole.name, 'whatever', 410),
        verify(h.identity, disabled.name, disabled.passcodes[0] ?? '', 411),
        verify(h.identity, 'vpn-nobody', 'whatever', 412),
      ]);
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.reason)),
        ['ok', 'ok', 'ok', 'user lacks the VPNClient role for this server', 'unknown or disabled user', 'unknown or disabled user'],
      );
      assert.ok(h.identity.decisionReads.batches - readsBefore < results.length, `${h.identity.decisionReads.batches - readsBefore} reads for ${results.length} decisions`);
    });

    if (dialect === 'postgres') {
      test('two replicas spending one passcode at once: exactly one wins', async () => {
        const other = await openStore(h.databaseUrl);
        try {
          const replica = new IdentityService({ ...h.ctx, store: other }, new TokenSigner(new Uint8Array(32).fill(9), { access: 3600, refresh: 86_400 }), { passcodeTtlSeconds: 300, principalCacheMs: 0 });
          for (let round = 0; round < 5; round += 1) {
            const { name, passcodes } = await userWithPasscodes(1);
            const [passcode] = passcodes as [string];
            const results = await Promise.all([0, 1, 2, 3].map((i) => verify(i % 2 === 0 ? h.identity : replica, name, passcode, 300 + 10 * round + i)));
            assert.equal(allowed(results), 1, `round ${round}`);
          }
        } finally {
          await other.close();
        }
      });
    }
  });
}
