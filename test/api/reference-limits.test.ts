import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../src/errors/catalogue.ts';
import { createRoute, MAX_ROUTES } from '../../src/domain/vpn-server-routes/service.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';

interface ErrorBody {
  errors: { code: string; message: string; target?: { name: string; type: string; value?: string } }[];
  status_code: number;
}

type Case = [label: string, method: string, url: string, body: unknown, status: number, code: string, target: { name: string; type: string }];

const valid = { client_ip_pool: '10.30.0.0/16', client_authentication: [{ method: 'certificate' }] };
const field = (name: string) => ({ name, type: 'field' });
const parameter = (name: string) => ({ name, type: 'parameter' });

for (const dialect of testDialects()) {
  describe(`reference limits and patterns (${dialect})`, () => {
    test('each limit is refused with the reference code and a target naming the input', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string; client_idle_timeout: number; port: number }>(await h.call('POST', '/v1/vpn_servers', { body: valid }));
        assert.equal(server.client_idle_timeout, 600, 'client_idle_timeout defaults to 600');
        assert.equal(server.port, 443, 'port defaults to 443');
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'limits-user' } }));
        const create = (extra: object) => ({ ...valid, client_ip_pool: '10.31.0.0/16', port: 9000, ...extra });
        const cases: Case[] = [
          ['name with a space', 'POST', '/v1/vpn_servers', create({ name: 'Bad Name' }), 400, 'invalid_value', field('name')],
          ['name starting with a digit', 'POST', '/v1/vpn_servers', create({ name: '1st' }), 400, 'invalid_value', field('name')],
          ['name ending in a hyphen', 'POST', '/v1/vpn_servers', create({ name: 'office-' }), 400, 'invalid_value', field('name')],
          ['name of 64 characters', 'POST', '/v1/vpn_servers', create({ name: `a${'b'.repeat(63)}` }), 400, 'invalid_value', field('name')],
          ['id with capitals', 'GET', '/v1/vpn_servers/R001-X', undefined, 400, 'invalid_value', parameter('id')],
          ['id of 65 characters', 'GET', `/v1/vpn_servers/${'a'.repeat(65)}`, undefined, 400, 'invalid_value', parameter('id')],
          ['client id with a dot', 'GET', `/v1/vpn_servers/${server.id}/clients/a.b`, undefined, 400, 'invalid_value', parameter('id')],
          ['route id with a space', 'GET', `/v1/vpn_servers/${server.id}/routes/a%20b`, undefined, 400, 'invalid_value', parameter('id')],
          ['certificate id with capitals', 'GET', '/v1/certificates/ABC', undefined, 400, 'invalid_value', parameter('id')],
          ['limit 0', 'GET', '/v1/vpn_servers?limit=0', undefined, 400, 'invalid_limit', parameter('limit')],
          ['limit 101', 'GET', '/v1/vpn_servers?limit=101', undefined, 400, 'invalid_limit', parameter('limit')],
          ['limit 101 on routes', 'GET', `/v1/vpn_servers/${server.id}/routes?limit=101`, undefined, 400, 'invalid_limit', parameter('limit')],
          ['sort by an unknown key', 'GET', `/v1/vpn_servers/${server.id}/routes?sort=destination`, undefined, 400, 'invalid_sort', parameter('sort')],
          ['idle timeout -1', 'POST', '/v1/vpn_servers', create({ client_idle_timeout: -1 }), 400, 'invalid_value', field('client_idle_timeout')],
          ['idle timeout 28801', 'POST', '/v1/vpn_servers', create({ client_idle_timeout: 28_801 }), 400, 'invalid_value', field('client_idle_timeout')],
          ['pool /8', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '10.0.0.0/8' }), 400, 'client_ip_pool_prefix', field('client_ip_pool')],
          ['pool /23', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '10.8.0.0/23' }), 400, 'client_ip_pool_prefix', field('client_ip_pool')],
          ['pool in loopback', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '127.0.0.0/16' }), 400, 'client_ip_pool_reserved', field('client_ip_pool')],
          ['pool in link-local', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '169.254.0.0/16' }), 400, 'client_ip_pool_reserved', field('client_ip_pool')],
          ['pool in multicast', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '224.0.0.0/9' }), 400, 'client_ip_pool_reserved', field('client_ip_pool')],
          ['pool not a CIDR', 'POST', '/v1/vpn_servers', create({ client_ip_pool: '10.8.0.0/33' }), 400, 'invalid_cidr', field('client_ip_pool')],
          ['three DNS servers', 'POST', '/v1/vpn_servers', create({ client_dns_server_ips: [{ address: '192.0.2.1' }, { address: '192.0.2.2' }, { address: '192.0.2.3' }] }), 400, 'invalid_value', field('client_dns_server_ips')],
          ['three subnets', 'POST', '/v1/vpn_servers', create({ subnets: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }), 400, 'invalid_value', field('subnets')],
          ['no subnets', 'POST', '/v1/vpn_servers', create({ subnets: [] }), 400, 'invalid_value', field('subnets')],
          ['no client authentication', 'POST', '/v1/vpn_servers', create({ client_authentication: [] }), 400, 'invalid_value', field('client_authentication')],
          ['port 0', 'POST', '/v1/vpn_servers', create({ port: 0 }), 400, 'invalid_value', field('port')],
          ['port 65536', 'POST', '/v1/vpn_servers', create({ port: 65_536 }), 400, 'invalid_value', field('port')],
          ['subnet id off the id pattern', 'POST', '/v1/vpn_servers', create({ subnets: [{ id: 'Gateway A' }] }), 400, 'invalid_value', field('subnets[0].id')],
          ['security group id off the id pattern', 'POST', '/v1/vpn_servers', create({ security_groups: [{ id: 'SG!' }] }), 400, 'invalid_value', field('security_groups[0].id')],
          ['resource group id off the id pattern', 'POST', '/v1/vpn_servers', create({ resource_group: { id: 'Default Group' } }), 400, 'invalid_value', field('resource_group.id')],
          ['resource group filter off the id pattern', 'GET', '/v1/vpn_servers?resource_group.id=Bad%20Id', undefined, 400, 'invalid_value', parameter('resource_group.id')],
          ['malformed certificate CRN', 'POST', '/v1/vpn_servers', create({ certificate: { crn: 'my-cert' } }), 400, 'invalid_value', field('certificate.crn')],
          ['route destination with a two-digit /0', 'POST', `/v1/vpn_servers/${server.id}/routes`, { destination: '0.0.0.0/00' }, 400, 'invalid_cidr', field('destination')],
          ['route name off the pattern', 'POST', `/v1/vpn_servers/${server.id}/routes`, { destination: '10.50.0.0/16', name: 'Office LAN' }, 400, 'invalid_value', field('name')],
          ['certificate name off the pattern', 'POST', '/v1/certificates', { kind: 'ca', name: 'My CA', common_name: 'x' }, 400, 'invalid_value', field('name')],
          ['API key name off the pattern', 'POST', `/v1/users/${user.id}/api_keys`, { name: 'My Laptop' }, 400, 'invalid_value', field('name')],
          // A union is explained through the branch the body's tag field names, not the first one.
          ['username method with an unknown provider', 'POST', '/v1/vpn_servers', create({ client_authentication: [{ method: 'username', identity_provider: { provider_type: 'ldap' } }] }), 400, 'invalid_value', field('client_authentication[0].identity_provider.provider_type')],
          ['imported certificate without PEM', 'POST', '/v1/certificates', { kind: 'imported', certificate_pem: 'not a certificate at all, just words' }, 400, 'certificate_invalid', field('certificate_pem')],
          ['issued certificate without an issuer', 'POST', '/v1/certificates', { kind: 'client', common_name: 'alice' }, 400, 'missing_field', field('issuer')],
          ['role bound to a malformed server id', 'POST', '/v1/users', { name: 'limits-user-2', roles: [{ role: 'Viewer', vpn_server_id: 'Server 1' }] }, 400, 'invalid_value', field('roles[0].vpn_server_id')],
        ];
        const wrong: string[] = [];
        for (const [label, method, url, body, status, code, target] of cases) {
          const res = await h.call(method, url, body === undefined ? {} : { body });
          const error = json<ErrorBody>(res).errors?.[0];
          const got = { status: res.statusCode, code: error?.code, target: error?.target && { name: error.target.name, type: error.target.type } };
          if (!(got.status === status && got.code === code && JSON.stringify(got.target) === JSON.stringify(target))) wrong.push(`${label}: ${JSON.stringify(got)}`);
        }
        assert.deepEqual(wrong, []);
        const count = (await h.store.db.selectFrom('vpn_servers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n;
        assert.equal(Number(count), 1, 'no refused create wrote a server');
      } finally {
        await h.close();
      }
    });

    test('a route destination is unique as a network, whatever its spelling', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: valid }));
        const first = await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: '0.0.0.0/0' } });
        assert.equal(first.statusCode, 201, first.body);
        const again = await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: '0.0.0.0/00' } });
        assert.equal(again.statusCode, 400, again.body);
        // Below the API too (e.g. another caller of the domain), spellings are canonicalised.
        await assert.rejects(createRoute(h.ctx, server.id, { destination: '0.0.0.0/00' }), (error: unknown) => error instanceof SluiceError && error.code === 'destination_conflict');
        const route = await createRoute(h.ctx, server.id, { destination: '10.0.0.0/08' });
        assert.equal(route.destination, '10.0.0.0/8', 'the canonical spelling is stored');
        const routes = json<{ routes: { destination: string }[] }>(await h.call('GET', `/v1/vpn_servers/${server.id}/routes`)).routes;
        assert.deepEqual(routes.map((r) => r.destination).sort(), ['0.0.0.0/0', '10.0.0.0/8']);
      } finally {
        await h.close();
      }
    });

    test(`a server has at most ${MAX_ROUTES} routes`, async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: valid }));
        for (let n = 0; n < MAX_ROUTES; n++) {
          const res = await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: `10.${n}.0.0/16` } });
          assert.equal(res.statusCode, 201, res.body);
        }
        const over = await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: '10.200.0.0/16' } });
        assert.equal(over.statusCode, 409);
        const error = json<ErrorBody>(over).errors[0];
        assert.equal(error?.code, 'too_many_routes');
        assert.deepEqual(error?.target, { name: 'vpn_server_id', type: 'parameter', value: server.id });
      } finally {
        await h.close();
      }
    });
  });
}
