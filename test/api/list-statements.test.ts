/**
 * What one `GET /v1/vpn_servers/{id}/clients` costs the store once its caches are warm (the
 * token's principal, `total_count`): the page and nothing else. On PostgreSQL every statement is a
 * round trip and a pool connection. The per-token request budget is off here: its counts are
 * merged into the store once a second by a timer, not per request.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import type { ErrorBody } from '../../src/server/errors.ts';

for (const dialect of testDialects()) {
  describe(`store statements per client list request (${dialect})`, () => {
    test('a warm list reads only its page; an empty page checks the server; an unknown server is a 404', async () => {
      let statements: string[] | undefined;
      const h = await startHarness(dialect, { principalCacheMs: 2000, limits: { tokenRequests: null }, observe: (_kind, _ms, text) => statements?.push(text) });
      const counted = async (url: string) => {
        statements = [];
        const response = await h.call('GET', url);
        const seen = statements;
        statements = undefined;
        return { response, seen };
      };
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.50.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const empty = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.60.0.0/16', client_authentication: [{ method: 'username' }], port: 1195 } }));
        for (let i = 0; i < 3; i++) {
          await recordEstablished(h.ctx, server.id, { sessionKey: `k${i}`, clientIp: `10.50.0.${i + 2}`, remoteIp: '203.0.113.9', remotePort: 4000 + i, commonName: null, username: 'u', startedAt: h.clock.now() + i });
        }
        const list = `/v1/vpn_servers/${server.id}/clients`;
        assert.equal((await counted(list)).response.statusCode, 200, 'the first request fills the caches');

        const warm = await counted(list);
        assert.equal(warm.response.statusCode, 200);
        assert.equal(json<{ clients: unknown[] }>(warm.response).clients.length, 3);
        assert.equal(warm.seen.length, 1, warm.seen.join('\n'));
        assert.match(warm.seen[0] ?? '', /^select \* from "vpn_server_clients" .* limit/);

        await counted(`/v1/vpn_servers/${empty.id}/clients`);
        const none = await counted(`/v1/vpn_servers/${empty.id}/clients`);
        assert.equal(none.response.statusCode, 200);
        assert.deepEqual(json<{ clients: unknown[]; total_count: number }>(none.response).clients, []);
        assert.equal(none.seen.length, 2, 'an empty page: the page, then the server');

        const unknown = await counted('/v1/vpn_servers/r006-00000000-0000-4000-8000-000000000000/clients');
        assert.equal(unknown.response.statusCode, 404);
        assert.equal(json<ErrorBody>(unknown.response).errors[0]?.code, 'not_found');
      } finally {
        await h.close();
      }
    });
  });
}
