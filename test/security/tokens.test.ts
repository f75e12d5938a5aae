import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects, type TestDialect } from '../support/dialects.ts';
import { ADMIN_KEY, json, startHarness as startAppHarness, type Harness } from '../support/app-harness.ts';
import type { ErrorBody } from '../../src/server/errors.ts';

interface Pair {
  access_token: string;
  refresh_token: string;
}

const grant = (h: Harness, form: Record<string, string>) =>
  h.app.inject({ method: 'POST', url: '/identity/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
const login = async (h: Harness, apikey = ADMIN_KEY): Promise<Pair> => json<Pair>(await grant(h, { grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey }));
const refresh = (h: Harness, token: string) => grant(h, { grant_type: 'refresh_token', refresh_token: token });
const me = async (h: Harness, token: string): Promise<number> => (await h.call('GET', '/identity/me', { token })).statusCode;

// With no principal cache every request reads the store; with `sluice serve`'s (2 s) a revoked
// token must be refused just as at once: the cache is dropped when its sign-in or user changes.
const variants = testDialects().flatMap((dialect) => [0, 2000].map((principalCacheMs) => ({ dialect, principalCacheMs })));

for (const { dialect, principalCacheMs } of variants) {
  const startHarness = (d: TestDialect) => startAppHarness(d, { principalCacheMs });
  describe(`tokens (${dialect}, principal cache ${principalCacheMs} ms)`, () => {
    test('a refresh token works once; replaying it revokes its whole family', async () => {
      const h = await startHarness(dialect);
      try {
        const first = await login(h);
        const other = await login(h);
        const second = await refresh(h, first.refresh_token);
        assert.equal(second.statusCode, 200, second.body);
        const rotated = json<Pair>(second);
        assert.notEqual(rotated.refresh_token, first.refresh_token, 'a new refresh token comes with every use');
        assert.equal(await me(h, rotated.access_token), 200);

        const replay = await refresh(h, first.refresh_token);
        assert.equal(replay.statusCode, 400);
        assert.equal(json<ErrorBody>(replay).errors[0]?.code, 'invalid_api_key');
        assert.match(json<ErrorBody>(replay).errors[0]?.message ?? '', /already used/);
        assert.equal(await me(h, rotated.access_token), 401, 'the family is revoked: its access tokens too');
        assert.equal((await refresh(h, rotated.refresh_token)).statusCode, 400, 'and its latest refresh token');
        assert.equal(await me(h, first.access_token), 401);
        assert.equal(await me(h, other.access_token), 200, 'another sign-in of the same key is not touched');
      } finally {
        await h.close();
      }
    });

    test('POST /identity/logout revokes the sign-in server-side', async () => {
      const h = await startHarness(dialect);
      try {
        const session = await login(h);
        const other = await login(h);
        const out = await h.call('POST', '/identity/logout', { token: session.access_token });
        assert.equal(out.statusCode, 204, out.body);
        assert.equal(await me(h, session.access_token), 401);
        assert.equal((await refresh(h, session.refresh_token)).statusCode, 400);
        assert.equal(await me(h, other.access_token), 200);
        assert.equal((await h.call('POST', '/identity/logout', { token: null })).statusCode, 401);
      } finally {
        await h.close();
      }
    });

    test('deleting an API key refuses the tokens it was exchanged for at once', async () => {
      const h = await startHarness(dialect);
      try {
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'dave', roles: [{ role: 'Viewer' }] } }));
        const key = json<{ id: string; apikey: string }>(await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'k' } }));
        const session = await login(h, key.apikey);
        assert.equal(await me(h, session.access_token), 200);
        assert.equal((await h.call('DELETE', `/v1/users/${user.id}/api_keys/${key.id}`)).statusCode, 202);
        assert.equal(await me(h, session.access_token), 401);
        assert.equal((await refresh(h, session.refresh_token)).statusCode, 400);
      } finally {
        await h.close();
      }
    });

    test('enabling a user again does not revive tokens issued before the disable', async () => {
      const h = await startHarness(dialect);
      try {
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'carol', roles: [{ role: 'Viewer' }] } }));
        const { apikey } = json<{ apikey: string }>(await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'k' } }));
        const before = await login(h, apikey);
        assert.equal(await me(h, before.access_token), 200);
        h.clock.advance(10);
        assert.equal((await h.call('PATCH', `/v1/users/${user.id}`, { body: { disabled: true } })).statusCode, 200);
        h.clock.advance(10);
        assert.equal((await h.call('PATCH', `/v1/users/${user.id}`, { body: { disabled: false } })).statusCode, 200);
        assert.equal(await me(h, before.access_token), 401, 'the access token from before the disable stays dead');
        assert.equal((await refresh(h, before.refresh_token)).statusCode, 400, 'and so does its refresh token');
        h.clock.advance(10);
        const after = await login(h, apikey);
        assert.equal(await me(h, after.access_token), 200, 'a new sign-in works');
      } finally {
        await h.close();
      }
    });
  });
}
