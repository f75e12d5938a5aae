import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

interface ErrorBody {
  errors: { code: string; message: string; target?: { name: string; type: string } }[];
  trace: string;
  status_code: number;
}

const validServer = { client_ip_pool: '10.30.0.0/16', client_authentication: [{ method: 'certificate' }] };

async function snapshot(h: Harness): Promise<string> {
  const tables = ['vpn_servers', 'vpn_server_routes', 'vpn_server_clients', 'users', 'api_keys', 'certificates'];
  const counts = await Promise.all(tables.map(async (t) => (await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(h.store.db)).rows[0]?.n));
  const servers = await h.store.db.selectFrom('vpn_servers').select(['id', 'revision', 'name']).orderBy('id').execute();
  return JSON.stringify({ counts: counts.map(Number), servers });
}

for (const dialect of testDialects()) {
  describe(`bad input (${dialect})`, () => {
    test('each rejection names the offending field with a precise code', async () => {
      const h = await startHarness(dialect);
      try {
        const created = await h.call('POST', '/v1/vpn_servers', { body: validServer });
        const server = json<{ id: string }>(created);
        const cases: [string, string, unknown, number, string, string?][] = [
          ['POST', '/v1/vpn_servers', { ...validServer, client_ip_pool: '10.0.0.0/8' }, 400, 'client_ip_pool_prefix', 'client_ip_pool'],
          ['POST', '/v1/vpn_servers', { ...validServer, client_ip_pool: '127.0.0.0/16' }, 400, 'client_ip_pool_reserved', 'client_ip_pool'],
          ['POST', '/v1/vpn_servers', { ...validServer, client_ip_pool: '10.30.1.0/16' }, 400, 'invalid_cidr', 'client_ip_pool'],
          ['POST', '/v1/vpn_servers', { client_authentication: [{ method: 'certificate' }] }, 400, 'missing_field', 'client_ip_pool'],
          ['POST', '/v1/vpn_servers', { ...validServer, port: '443' }, 400, 'invalid_value', 'port'],
          ['POST', '/v1/vpn_servers', { ...validServer, protocol: 'sctp' }, 400, 'invalid_value', 'protocol'],
          ['POST', '/v1/vpn_servers', { ...validServer, client_dns_server_ips: [{ address: '300.1.1.1' }] }, 400, 'invalid_value', 'client_dns_server_ips[0].address'],
          ['POST', '/v1/vpn_servers', { ...validServer, colour: 'red' }, 400, 'invalid_request', 'colour'],
          ['POST', '/v1/vpn_servers', { ...validServer, certificate: { crn: 'crn:v1:nope' } }, 400, 'invalid_value', 'certificate.crn'],
          ['POST', '/v1/vpn_servers', { ...validServer, certificate: { crn: 'crn:v1:sluice:private:secrets-manager:local:a/0::secret:nope' } }, 400, 'certificate_not_found', 'certificate.crn'],
          ['POST', '/v1/vpn_servers', { ...validServer, name: 'Bad Name' }, 400, 'invalid_value', 'name'],
          ['GET', '/v1/vpn_servers?limit=0', undefined, 400, 'invalid_limit', 'limit'],
          ['GET', '/v1/vpn_servers?limit=101', undefined, 400, 'invalid_limit', 'limit'],
          ['GET', '/v1/vpn_servers?sort=colour', undefined, 400, 'invalid_sort', 'sort'],
          ['GET', '/v1/vpn_servers?start=garbage!', undefined, 400, 'invalid_start', 'start'],
          ['GET', `/v1/vpn_servers/${server.id}/clients?sort=name`, undefined, 400, 'invalid_sort', 'sort'],
          ['POST', `/v1/vpn_servers/${server.id}/routes`, { destination: '10.0.0.0/33' }, 400, 'invalid_cidr', 'destination'],
        ];
        for (const [method, url, body, status, code, target] of cases) {
          const res = await h.call(method, url, { body });
          const error = json<ErrorBody>(res);
          assert.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
          assert.equal(error.errors[0]?.code, code, `${method} ${url} ${JSON.stringify(body)}`);
          if (target) assert.equal(error.errors[0]?.target?.name, target, `${method} ${url} ${JSON.stringify(body)}`);
          assert.equal(error.status_code, status);
          assert.match(error.trace, /^[0-9a-f-]{36}$/);
        }
        const noVersion = await h.call('GET', '/v1/vpn_servers?generation=2&version=');
        assert.equal(json<ErrorBody>(noVersion).errors[0]?.code, 'version_missing');
        const badJson = await h.call('POST', '/v1/vpn_servers', { body: '{"client_ip_pool":' });
        assert.equal(badJson.statusCode, 400);
        const wrongType = await h.call('POST', '/v1/vpn_servers', { body: 'x', contentType: 'text/xml' });
        assert.equal(wrongType.statusCode, 415);
        const huge = await h.call('POST', '/v1/vpn_servers', { body: JSON.stringify({ ...validServer, name: 'x'.repeat(2_000_000) }) });
        assert.equal(huge.statusCode, 413);
        const etag = String(created.headers.etag);
        const stale = await h.call('PATCH', `/v1/vpn_servers/${server.id}`, { body: { name: 'a' }, headers: { 'if-match': 'W/"stale"' } });
        assert.equal(stale.statusCode, 412);
        const needsIfMatch = await h.call('PATCH', `/v1/vpn_servers/${server.id}`, { body: { client_dns_server_ips: [] } });
        assert.equal(json<ErrorBody>(needsIfMatch).errors[0]?.code, 'if_match_required');
        const ok = await h.call('PATCH', `/v1/vpn_servers/${server.id}`, { body: { client_dns_server_ips: [] }, headers: { 'if-match': etag } });
        assert.equal(ok.statusCode, 200, ok.body);
        const duplicate = await h.call('POST', '/v1/vpn_servers', { body: { ...validServer, client_ip_pool: '10.40.0.0/16', name: json<{ name: string }>(ok).name, port: 9999 } });
        assert.equal(json<ErrorBody>(duplicate).errors[0]?.code, 'name_conflict');
        const samePort = await h.call('POST', '/v1/vpn_servers', { body: { ...validServer, client_ip_pool: '10.40.0.0/16' } });
        assert.equal(json<ErrorBody>(samePort).errors[0]?.code, 'port_conflict');
      } finally {
        await h.close();
      }
    });

    test('random bodies and query strings never cause a 5xx and leave the store unchanged when refused', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: validServer }));
        const route = json<{ id: string }>(await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: '10.9.0.0/16' } }));
        const targets: [string, string][] = [
          ['POST', '/v1/vpn_servers'],
          ['GET', '/v1/vpn_servers'],
          ['PATCH', `/v1/vpn_servers/${server.id}`],
          ['GET', `/v1/vpn_servers/${server.id}/clients`],
          ['POST', `/v1/vpn_servers/${server.id}/clients/disconnect`],
          ['POST', `/v1/vpn_servers/${server.id}/routes`],
          ['PATCH', `/v1/vpn_servers/${server.id}/routes/${route.id}`],
          ['POST', '/v1/certificates'],
          ['POST', '/v1/users'],
          ['POST', '/identity/token'],
        ];
        const key = fc.oneof(fc.constantFrom('name', 'client_ip_pool', 'port', 'protocol', 'client_authentication', 'destination', 'kind', 'limit', 'start', 'sort', 'status', 'username', 'version', 'common_name', 'subnets'), fc.string());
        const body = fc.oneof(fc.jsonValue(), fc.dictionary(key, fc.jsonValue()), fc.string(), fc.constant(''));
        const query = fc.dictionary(key, fc.oneof(fc.string(), fc.integer().map(String), fc.constant('')));
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...targets), body, query, async ([method, path], payload, params) => {
            const before = await snapshot(h);
            const qs = new URLSearchParams({ version: '2026-11-25', ...params }).toString();
            const res = await h.call(method, `${path}?${qs}`, method === 'GET' ? {} : { body: typeof payload === 'string' ? payload : JSON.stringify(payload) });
            assert.ok(res.statusCode < 500, `${method} ${path}?${qs} ${JSON.stringify(payload)} → ${res.statusCode} ${res.body}`);
            if (res.statusCode >= 400) {
              assert.equal(await snapshot(h), before, `store changed by a refused ${method} ${path}`);
              const error = json<ErrorBody>(res);
              assert.ok(error.errors[0]?.code && error.trace, res.body);
            }
          }),
          { numRuns: dialect === 'sqlite' ? 400 : 150 },
        );
      } finally {
        await h.close();
      }
    });
  });
}
