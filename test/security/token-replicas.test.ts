/**
 * Replicas keep what a token speaks for in a cache of their own (`sluice serve`: 2 s). A sign-in
 * ended or a user disabled on one replica must stop working on the others at once, not when their
 * cache runs out: the change is announced on the store's change feed (PostgreSQL only; SQLite has
 * one process).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityService } from '../../src/domain/identity/service.ts';
import { TokenSigner } from '../../src/domain/identity/tokens.ts';
import { openStore } from '../../src/store/database.ts';
import { startHarness } from '../support/app-harness.ts';
import { testDialects } from '../support/dialects.ts';
import { eventually } from '../support/openvpn-client.ts';

/** Long enough that only a notice, never the cache running out, explains a refusal in the test. */
const CACHE_MS = 120_000;

if (testDialects().includes('postgres')) {
  describe('a revocation on one replica holds on the others at once (postgres)', () => {
    test('logout and disabling a user, each on replica A, are refused by replica B within seconds', async () => {
      const a = await startHarness('postgres', { principalCacheMs: CACHE_MS });
      const otherStore = await openStore(a.databaseUrl);
      const subscription = { close: () => undefined };
      try {
        // The same signing key as the harness: both replicas verify each other's tokens.
        const b = new IdentityService({ ...a.ctx, store: otherStore }, new TokenSigner(new Uint8Array(32).fill(9), { access: 3600, refresh: 86_400 }), {
          passcodeTtlSeconds: 300,
          principalCacheMs: CACHE_MS,
        });
        Object.assign(subscription, await otherStore.changes.subscribe('principals', b.principalChanges));
        const user = await a.identity.createUser('replicated-user', []);
        const { apikey } = await a.identity.createApiKey(user.id, 'key');
        const refusedOnB = (token: string) => async () => ((await b.authenticate(token).then(() => false, () => true)) ? true : undefined);

        const first = await a.identity.exchangeApiKey(apikey);
        assert.equal((await b.authenticate(first.access.token)).userId, user.id, 'B has it cached now');
        await a.identity.logout(first.access.token);
        await eventually('B refuses the logged-out token', refusedOnB(first.access.token), 5000, 20);

        const second = await a.identity.exchangeApiKey(apikey);
        assert.equal((await b.authenticate(second.access.token)).userId, user.id);
        await a.identity.updateUser(user.id, { disabled: true }, 'test');
        await eventually("B refuses the disabled user's token", refusedOnB(second.access.token), 5000, 20);
      } finally {
        subscription.close();
        await otherStore.close();
        await a.close();
      }
    });
  });
}
