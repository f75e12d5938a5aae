import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKeyAuth } from './auth.ts';
import { ApiError } from './errors.ts';
import { Transport } from './http.ts';

type Call = { url: string; body: string; auth: string | undefined };

/** A fake IAM + API: answers token grants and a protected /v1/ping. */
function fakeServer(options: { refreshWorks: boolean; validTokens: Set<string> }) {
  const calls: Call[] = [];
  let issued = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    calls.push({ url, body: String(init?.body ?? ''), auth: headers.get('authorization') ?? undefined });
    if (url.endsWith('/identity/token')) {
      const form = new URLSearchParams(String(init?.body));
      if (form.get('grant_type') === 'refresh_token' && !options.refreshWorks) return Response.json({ errors: [{ code: 'invalid_api_key', message: 'bad refresh' }] }, { status: 400 });
      issued++;
      const token = `t${issued}`;
      options.validTokens.add(token);
      return Response.json({ access_token: token, refresh_token: `r${issued}`, token_type: 'Bearer', expires_in: 3600, expiration: Math.floor(Date.now() / 1000) + 3600 });
    }
    const bearer = headers.get('authorization')?.replace('Bearer ', '') ?? '';
    if (!options.validTokens.has(bearer)) return Response.json({ errors: [{ code: 'not_authenticated', message: 'expired' }], trace: 'tr-1' }, { status: 401 });
    return Response.json({ ok: true });
  };
  return { calls, fetchImpl };
}

test('an expired cached token is refreshed with the refresh token', async () => {
  const server = fakeServer({ refreshWorks: true, validTokens: new Set() });
  const saved: string[] = [];
  const auth = new ApiKeyAuth({ endpoint: 'http://api', apikey: 'k', fetch: server.fetchImpl, cached: { access_token: 'old', refresh_token: 'r0', expiration: 1 }, onTokens: (t) => void saved.push(t.access_token) });
  assert.equal(await auth.token(), 't1');
  assert.match(server.calls[0]?.body ?? '', /grant_type=refresh_token&refresh_token=r0/);
  assert.deepEqual(saved, ['t1']);
  assert.equal(await auth.token(), 't1', 'a valid token is reused');
  assert.equal(server.calls.length, 1);
});

test('a refused refresh falls back to the API key exchange', async () => {
  const server = fakeServer({ refreshWorks: false, validTokens: new Set() });
  const auth = new ApiKeyAuth({ endpoint: 'http://api', apikey: 'key-1', fetch: server.fetchImpl, cached: { access_token: 'old', refresh_token: 'r0', expiration: 1 } });
  assert.equal(await auth.token(), 't1');
  assert.match(server.calls[1]?.body ?? '', /grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=key-1/);
});

test('a 401 invalidates the token and the call is retried once; every call carries version and generation', async () => {
  const valid = new Set<string>();
  const server = fakeServer({ refreshWorks: true, validTokens: valid });
  const auth = new ApiKeyAuth({ endpoint: 'http://api', apikey: 'k', fetch: server.fetchImpl, cached: { access_token: 'revoked', refresh_token: 'r0', expiration: 9_999_999_999 } });
  const http = new Transport({ endpoint: 'http://api/', auth, fetch: server.fetchImpl });
  assert.deepEqual(await http.json('GET', '/v1/ping'), { ok: true });
  const api = server.calls.filter((c) => c.url.includes('/v1/ping'));
  assert.deepEqual(api.map((c) => c.auth), ['Bearer revoked', 'Bearer t1']);
  for (const call of api) assert.match(call.url, /\?version=\d{4}-\d\d-\d\d&generation=2$/);
});

test('API errors become ApiError with code, message and trace', async () => {
  const server = fakeServer({ refreshWorks: true, validTokens: new Set() });
  const http = new Transport({ endpoint: 'http://api', auth: { token: async () => 'never-valid', invalidate: () => undefined }, fetch: server.fetchImpl });
  await assert.rejects(http.json('GET', '/v1/ping'), (error: unknown) => error instanceof ApiError && error.code === 'not_authenticated' && error.trace === 'tr-1' && error.status === 401);
});
