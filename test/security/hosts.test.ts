import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';
import type { ErrorBody } from '../../src/server/errors.ts';

interface Collection {
  first: { href: string };
}

for (const dialect of testDialects()) {
  describe(`Host header and hrefs (${dialect})`, () => {
    test('a malformed Host is a 400 naming the header, never a 500 or framework internals', async () => {
      const h = await startHarness(dialect);
      try {
        for (const host of ['exa mple', '[::1', 'evil.example:99999', '%zz', 'x@y', 'a/b', 'host:0', '[zz::1]:80']) {
          for (const url of ['/v1/vpn_servers', '/no/such/path', '/healthz']) {
            const res = await h.call('GET', url, { headers: { host } });
            assert.equal(res.statusCode, 400, `${JSON.stringify(host)} ${url}: ${res.body}`);
            const body = json<ErrorBody>(res);
            assert.equal(body.errors[0]?.code, 'invalid_request');
            assert.deepEqual(body.errors[0]?.target && { name: body.errors[0].target.name, type: body.errors[0].target.type }, { name: 'Host', type: 'header' });
            assert.doesNotMatch(res.body, /FST_|serializ/i);
          }
        }
      } finally {
        await h.close();
      }
    });

    test('hrefs never carry a Host this service does not answer for', async () => {
      const h = await startHarness(dialect);
      try {
        const evil = json<Collection>(await h.call('GET', '/v1/vpn_servers', { headers: { host: 'evil.example' } }));
        assert.doesNotMatch(evil.first.href, /evil/);
        const missing = json<ErrorBody>(await h.call('GET', '/v1/vpn_servers/r001-nope', { headers: { host: 'evil.example:8443' } }));
        assert.doesNotMatch(missing.errors[0]?.more_info ?? '', /evil/);
        const local = json<Collection>(await h.call('GET', '/v1/vpn_servers', { headers: { host: 'localhost:8080' } }));
        assert.match(local.first.href, /^http:\/\/localhost:8080\/v1\/vpn_servers\?/);
        const ownPublic = json<Collection>(await h.call('GET', '/v1/vpn_servers', { headers: { host: 'vpn.example.test:9443' } }));
        assert.match(ownPublic.first.href, /^http:\/\/vpn\.example\.test:9443\//);
      } finally {
        await h.close();
      }
    });

    test('with a public URL every href is built on it, whatever the Host', async () => {
      const h = await startHarness(dialect, { publicUrl: 'https://api.vpn.example.com' });
      try {
        const list = json<Collection>(await h.call('GET', '/v1/vpn_servers', { headers: { host: 'localhost:8080' } }));
        assert.match(list.first.href, /^https:\/\/api\.vpn\.example\.com\/v1\/vpn_servers\?/);
        const missing = json<ErrorBody>(await h.call('GET', '/v1/vpn_servers/r001-nope', { headers: { host: 'evil.example' } }));
        assert.equal(missing.errors[0]?.more_info, 'https://api.vpn.example.com/errors#not_found');
      } finally {
        await h.close();
      }
    });
  });
}
