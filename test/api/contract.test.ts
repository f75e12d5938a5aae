import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';
import { assertGolden } from '../support/golden.ts';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}.json`, import.meta.url));

/**
 * Walks all 15 reference endpoints in order and pins each exchange (request, status, headers that
 * matter, body) to a golden sample. Both dialects must produce the same samples.
 */
for (const dialect of testDialects()) {
  describe(`reference contract (${dialect})`, () => {
    test('all 15 endpoints answer in the reference shapes', async () => {
      const h = await startHarness(dialect);
      try {
        const exchanges: unknown[] = [];
        const record = async (name: string, method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
          const res = await h.call(method, url, { body, ...(headers && { headers }) });
          const isJson = String(res.headers['content-type'] ?? '').includes('json');
          exchanges.push({
            name,
            request: { method, url: url.replace(/r001-[-0-9a-f]+/g, '<id>'), ...(body !== undefined && { body }) },
            status: res.statusCode,
            etag: res.headers.etag === undefined ? undefined : '<etag>',
            content_type: String(res.headers['content-type'] ?? ''),
            body: isJson ? JSON.parse(res.body) : res.body,
          });
          return res;
        };

        const created = await record('createVpnServer', 'POST', '/v1/vpn_servers', {
          name: 'my-vpn-server',
          client_ip_pool: '172.16.0.0/16',
          client_authentication: [{ method: 'certificate' }, { method: 'username', identity_provider: { provider_type: 'iam' } }],
          client_dns_server_ips: [{ address: '192.0.2.53' }],
          client_idle_timeout: 600,
          enable_split_tunneling: true,
          port: 1194,
          protocol: 'udp',
          subnets: [{ id: 'gateway-a' }],
        });
        assert.equal(created.statusCode, 201, created.body);
        const server = json<{ id: string }>(created);
        const etag = String(created.headers.etag);
        await record('listVpnServers', 'GET', '/v1/vpn_servers?limit=10&sort=name');
        await record('getVpnServer', 'GET', `/v1/vpn_servers/${server.id}`);
        await record('updateVpnServer', 'PATCH', `/v1/vpn_servers/${server.id}`, { name: 'renamed-server' }, { 'if-match': etag });
        await record('getVpnServerClientConfiguration', 'GET', `/v1/vpn_servers/${server.id}/client_configuration`);

        const route = await record('createVpnServerRoute', 'POST', `/v1/vpn_servers/${server.id}/routes`, { destination: '10.10.0.0/16', action: 'deliver', name: 'to-office' });
        const routeId = json<{ id: string }>(route).id;
        await record('listVpnServerRoutes', 'GET', `/v1/vpn_servers/${server.id}/routes`);
        await record('getVpnServerRoute', 'GET', `/v1/vpn_servers/${server.id}/routes/${routeId}`);
        await record('updateVpnServerRoute', 'PATCH', `/v1/vpn_servers/${server.id}/routes/${routeId}`, { name: 'to-hq' });
        await record('deleteVpnServerRoute', 'DELETE', `/v1/vpn_servers/${server.id}/routes/${routeId}`);

        const start = h.clock.now();
        const alice = await recordEstablished(h.ctx, server.id, { sessionKey: '1000:1', clientIp: '172.16.0.2', remoteIp: '198.51.100.7', remotePort: 50123, commonName: 'alice', username: 'alice', startedAt: start });
        const bob = await recordEstablished(h.ctx, server.id, { sessionKey: '1000:2', clientIp: '172.16.0.3', remoteIp: '198.51.100.8', remotePort: 50124, commonName: 'bob', username: 'bob', startedAt: start + 1 });
        await record('listVpnServerClients', 'GET', `/v1/vpn_servers/${server.id}/clients?limit=1`);
        await record('getVpnServerClient', 'GET', `/v1/vpn_servers/${server.id}/clients/${alice.id}`);
        await record('disconnectVpnClient', 'POST', `/v1/vpn_servers/${server.id}/clients/${alice.id}/disconnect`);
        await record('getVpnServerClient (disconnect pending)', 'GET', `/v1/vpn_servers/${server.id}/clients/${alice.id}`);
        await record('deleteVpnServerClient', 'DELETE', `/v1/vpn_servers/${server.id}/clients/${bob.id}`);
        await record('getVpnServerClient (deleted)', 'GET', `/v1/vpn_servers/${server.id}/clients/${bob.id}`);
        await record('deleteVpnServer', 'DELETE', `/v1/vpn_servers/${server.id}`);
        await record('error body', 'GET', '/v1/vpn_servers?limit=500');

        assertGolden(golden('reference-endpoints'), exchanges);
      } finally {
        await h.close();
      }
    });
  });
}
