import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiUrl, relativeHref } from '../../../src/client/http.ts';
import { Api, needsRefresh, sessionFromTokenAnswer, type KeyValueStore } from './api.ts';
import { ApiError } from './errors.ts';

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function stubFetch(handler: (url: string, init: RequestInit | undefined, n: number) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init });
    return handler(url, init, calls.length);
  }) as typeof fetch;
  return { fetch: f, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const tokens = (n: number, expiresIn = 3600) => ({ access_token: `A${n}`, refresh_token: `R${n}`, token_type: 'Bearer', expires_in: expiresIn });

test('apiUrl adds version and generation to /v1 paths only, keeps existing params', () => {
  assert.equal(apiUrl('/v1/vpn_servers'), '/v1/vpn_servers?version=2026-11-25&generation=2');
  assert.equal(apiUrl('/v1/x?start=abc&version=2026-11-25&generation=2', { limit: 5, name: undefined }), '/v1/x?start=abc&version=2026-11-25&generation=2&limit=5');
  assert.equal(apiUrl('/identity/me'), '/identity/me');
});

test('relativeHref strips the origin of a next link', () => {
  assert.equal(relativeHref('http://h:1/v1/vpn_servers?start=x&limit=2'), '/v1/vpn_servers?start=x&limit=2');
});

test('token answers: expiration wins over expires_in; refresh margin', () => {
  assert.equal(sessionFromTokenAnswer({ access_token: 'a', expires_in: 10 }, 1000).expiresAt, 11_000);
  assert.equal(sessionFromTokenAnswer({ access_token: 'a', expires_in: 10, expiration: 50 }, 1000).expiresAt, 50_000);
  assert.throws(() => sessionFromTokenAnswer({}, 0), ApiError);
  assert.equal(needsRefresh({ accessToken: 'a', refreshToken: undefined, expiresAt: 100_000 }, 50_000), true);
  assert.equal(needsRefresh({ accessToken: 'a', refreshToken: undefined, expiresAt: 100_000 }, 10_000), false);
});

test('sign-in posts the IAM api-key grant form-encoded and stores the session in the given storage', async () => {
  const store = new MemoryStore();
  const { fetch, calls } = stubFetch(() => json(200, tokens(1)));
  const changes: boolean[] = [];
  const api = new Api({ fetch, storage: store, now: () => 0, onSessionChange: (s) => changes.push(s) });
  await api.signIn('key&=1');
  assert.equal(calls[0]?.url, '/identity/token');
  assert.equal(calls[0]?.init?.body, 'grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=key%26%3D1');
  assert.equal((calls[0]?.init?.headers as Record<string, string>)['Content-Type'], 'application/x-www-form-urlencoded');
  assert.ok(store.getItem('sluice.session')?.includes('A1'));
  assert.deepEqual(changes, [true]);
  assert.equal(new Api({ fetch, storage: store }).signedIn, true, 'a reload in the same tab stays signed in');
  api.signOut();
  assert.equal(store.getItem('sluice.session'), null);
  assert.deepEqual(changes, [true, false]);
  const logout = calls.at(-1);
  assert.equal(logout?.url, '/identity/logout', 'signing out ends the session on the server too');
  assert.equal((logout?.init?.headers as Record<string, string>).Authorization, 'Bearer A1');
});

test('a refused API key surfaces the error code', async () => {
  const { fetch } = stubFetch(() => json(400, { errors: [{ code: 'invalid_api_key', message: 'the API key is not valid' }], trace: 't', status_code: 400 }));
  const api = new Api({ fetch });
  await assert.rejects(api.signIn('nope'), (e: unknown) => e instanceof ApiError && e.code === 'invalid_api_key');
  assert.equal(api.signedIn, false);
});

test('requests carry the bearer token; a 401 refreshes once and retries', async () => {
  const { fetch, calls } = stubFetch((url, init) => {
    if (url === '/identity/token') {
      const body = String(init?.body);
      return json(200, body.includes('refresh_token=R1') ? tokens(2) : tokens(1));
    }
    const auth = (init?.headers as Record<string, string>).Authorization;
    return auth === 'Bearer A2' ? json(200, { ok: true }) : json(401, { errors: [{ code: 'not_authenticated', message: 'expired' }] });
  });
  const api = new Api({ fetch, now: () => 0 });
  await api.signIn('k');
  assert.deepEqual(await api.client.http.json('GET', '/v1/vpn_servers'), { ok: true });
  assert.equal(calls.filter((c) => c.url === '/identity/token').length, 2);
  assert.ok(calls[1]?.url.startsWith('/v1/vpn_servers?version=2026-11-25&generation=2'));
});

test('refreshes before expiry without a failing request first', async () => {
  let now = 0;
  const { fetch, calls } = stubFetch((url) => (url === '/identity/token' ? json(200, tokens(calls.length, 120)) : json(200, {})));
  const api = new Api({ fetch, now: () => now });
  await api.signIn('k');
  now = 90_000;
  await api.client.http.json('GET', '/v1/vpn_servers');
  assert.deepEqual(
    calls.map((c) => c.url.split('?')[0]),
    ['/identity/token', '/identity/token', '/v1/vpn_servers'],
  );
});

test('a refused refresh signs out and the call fails with not_authenticated', async () => {
  const { fetch } = stubFetch((url, init) => {
    if (url === '/identity/token') return String(init?.body).includes('refresh') ? json(400, { errors: [{ code: 'invalid_api_key', message: 'no' }] }) : json(200, tokens(1));
    return json(401, { errors: [{ code: 'not_authenticated', message: 'expired' }] });
  });
  const changes: boolean[] = [];
  const api = new Api({ fetch, now: () => 0, onSessionChange: (s) => changes.push(s) });
  await api.signIn('k');
  await assert.rejects(api.client.http.json('GET', '/v1/vpn_servers'), (e: unknown) => e instanceof ApiError && e.status === 401);
  assert.equal(api.signedIn, false);
  assert.deepEqual(changes, [true, false]);
});

test('PATCH uses merge-patch JSON; 202 with an empty body resolves undefined', async () => {
  const { fetch, calls } = stubFetch((url) => (url === '/identity/token' ? json(200, tokens(1)) : new Response(null, { status: 202 })));
  const api = new Api({ fetch, now: () => 0 });
  await api.signIn('k');
  assert.equal(await api.client.http.json('PATCH', '/v1/vpn_servers/x', { body: { name: 'y' } }), undefined);
  assert.equal((calls[1]?.init?.headers as Record<string, string>)['Content-Type'], 'application/merge-patch+json');
  assert.equal(calls[1]?.init?.body, '{"name":"y"}');
});

test('listing all clients follows next links across pages', async () => {
  const { fetch, calls } = stubFetch((url) => {
    if (url === '/identity/token') return json(200, tokens(1));
    if (url.includes('start=p2')) return json(200, { clients: [{ id: 'c' }] });
    return json(200, { clients: [{ id: 'a' }, { id: 'b' }], next: { href: 'http://x/v1/vpn_servers/s/clients?start=p2&limit=100&version=2026-11-25&generation=2' } });
  });
  const api = new Api({ fetch, now: () => 0 });
  await api.signIn('k');
  const items = await api.client.listAllVpnServerClients('s');
  assert.deepEqual(items.map((i) => i.id), ['a', 'b', 'c']);
  assert.ok(calls[1]?.url.includes('limit=100'));
});
