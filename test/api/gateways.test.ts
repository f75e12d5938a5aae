import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticateGateway, recordGatewaySeen } from '../../src/domain/gateways/service.ts';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

interface GatewayWire {
  id: string;
  href: string;
  name: string;
  host: string;
  port_range: { min: number; max: number } | null;
  labels: Record<string, string>;
  subnet: { id: string };
  status: string;
  last_seen_at: string | null;
  version: string | null;
  vpn_servers: number;
  connected_clients: number;
  created_at: string;
  join_token?: { token: string; expires_at: string };
}
type ErrorWire = { errors: { code: string; message: string; target?: { name: string } }[] };

const DAY = 24 * 3_600_000;

async function register(h: Harness, body: Record<string, unknown>): Promise<GatewayWire> {
  const res = await h.call('POST', '/v1/gateways', { body });
  assert.equal(res.statusCode, 201, res.body);
  return json<GatewayWire>(res);
}

const join = (h: Harness, token: string) => h.call('POST', '/gateway/join', { token: null, body: { join_token: token } });

for (const dialect of testDialects()) {
  describe(`gateways (${dialect})`, () => {
    test('register → join → authenticate → revoke; tokens and credentials are shown once and stored hashed', async () => {
      const h = await startHarness(dialect);
      try {
        const created = await register(h, { name: 'edge-1', host: 'edge1.example.com', port_range: { min: 1194, max: 1200 }, labels: { region: 'eu' } });
        assert.match(created.id, /^r001-/);
        assert.equal(new URL(created.href).pathname, `/v1/gateways/${created.id}`);
        assert.deepEqual(created.subnet, { id: created.id }, 'the subnet id defaults to the gateway id');
        assert.deepEqual(created.port_range, { min: 1194, max: 1200 });
        assert.deepEqual(created.labels, { region: 'eu' });
        assert.equal(created.status, 'pending');
        assert.equal(created.last_seen_at, null);
        assert.equal(created.version, null);
        assert.equal(created.vpn_servers, 0);
        const token = created.join_token?.token ?? '';
        assert.match(token, /^sjt_[A-Za-z0-9_-]{43}$/);
        assert.equal(Date.parse(created.join_token?.expires_at ?? ''), h.clock.now() + DAY);

        const got = await h.call('GET', `/v1/gateways/${created.id}`);
        assert.equal(got.statusCode, 200);
        assert.equal(json<GatewayWire>(got).join_token, undefined, 'the join token is never shown again');
        assert.match(String(got.headers.etag), /^W\/"r001-.+-1"$/);
        assert.ok(!got.body.includes(token));

        const joined = await join(h, token);
        assert.equal(joined.statusCode, 200, joined.body);
        const { gateway, credential } = json<{ gateway: { id: string; name: string }; credential: string }>(joined);
        assert.deepEqual(gateway, { id: created.id, name: 'edge-1' });
        assert.match(credential, new RegExp(`^sgc_${created.id}_[A-Za-z0-9_-]{43}$`));

        // Only hashes are stored: neither the token nor the credential (nor its secret) is in the row.
        const row = await h.store.db.selectFrom('gateways').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
        const secret = credential.slice(-43);
        assert.equal(row.join_token_hash, null, 'the join token is consumed');
        assert.equal(row.join_expires_at, null);
        assert.match(row.credential_hash ?? '', /^sha256:[0-9a-f]{64}$/);
        assert.ok(!JSON.stringify(row).includes(secret), 'no plaintext credential in the row');
        assert.ok(!JSON.stringify(row).includes(token.slice(4)), 'no plaintext join token in the row');

        const authenticated = await authenticateGateway(h.ctx, credential);
        assert.equal(authenticated?.id, created.id);
        assert.equal(await authenticateGateway(h.ctx, `${credential.slice(0, -1)}${credential.endsWith('A') ? 'B' : 'A'}`), undefined, 'wrong secret');
        assert.equal(await authenticateGateway(h.ctx, 'sgc_nonsense'), undefined, 'malformed');
        assert.equal(await authenticateGateway(h.ctx, `sgc_r001-no-such-gateway_${secret}`), undefined, 'unknown id');

        // Joined but never heard from: disconnected; seen: connected, with its version; 30 s later: disconnected.
        assert.equal(json<GatewayWire>(await h.call('GET', `/v1/gateways/${created.id}`)).status, 'disconnected');
        await recordGatewaySeen(h.ctx, created.id, { version: '1.2.3', at: h.clock.now() });
        const seen = json<GatewayWire>(await h.call('GET', `/v1/gateways/${created.id}`));
        assert.equal(seen.status, 'connected');
        assert.equal(seen.version, '1.2.3');
        assert.equal(seen.last_seen_at, new Date(h.clock.now()).toISOString());
        h.clock.advance(30_001);
        assert.equal(json<GatewayWire>(await h.call('GET', `/v1/gateways/${created.id}`)).status, 'disconnected');

        const deleted = await h.call('DELETE', `/v1/gateways/${created.id}`);
        assert.equal(deleted.statusCode, 204, deleted.body);
        assert.ok(h.gatewayCalls.includes(`revoked ${created.id}`), h.gatewayCalls.join(', '));
        assert.equal(await authenticateGateway(h.ctx, credential), undefined, 'a deleted gateway\u2019s credential no longer works');
        assert.equal((await h.call('GET', `/v1/gateways/${created.id}`)).statusCode, 404);
        assert.equal((await h.call('DELETE', `/v1/gateways/${created.id}`)).statusCode, 404);
      } finally {
        await h.close();
      }
    });

    test('a join token works once and only within 24 hours; a failure does not say why', async () => {
      const h = await startHarness(dialect);
      try {
        const first = await register(h, { name: 'edge-once', host: '192.0.2.7' });
        const token = first.join_token?.token ?? '';
        assert.equal((await join(h, token)).statusCode, 200);
        const again = await join(h, token);
        assert.equal(again.statusCode, 401);
        const used = json<ErrorWire>(again).errors[0];
        assert.equal(used?.code, 'not_authenticated');

        const late = await register(h, { name: 'edge-late', host: 'late.example.com' });
        h.clock.advance(DAY);
        const expired = await join(h, late.join_token?.token ?? '');
        assert.equal(expired.statusCode, 401);
        const unknown = await join(h, `sjt_${'A'.repeat(43)}`);
        assert.equal(unknown.statusCode, 401);
        assert.equal(json<ErrorWire>(expired).errors[0]?.message, used?.message, 'expired and used read alike');
        assert.equal(json<ErrorWire>(unknown).errors[0]?.message, used?.message, 'unknown and used read alike');

        // A new join token re-enrols: the old credential stops, the live connection is told.
        const admin = await h.tokenFor('Administrator'); // a day on, the first access token has expired
        const reissued = await h.call('POST', `/v1/gateways/${late.id}/join_token`, { token: admin });
        assert.equal(reissued.statusCode, 201, reissued.body);
        const fresh = json<{ token: string; expires_at: string }>(reissued);
        assert.equal(Date.parse(fresh.expires_at), h.clock.now() + DAY);
        const { credential } = json<{ credential: string }>(await join(h, fresh.token));
        assert.equal((await authenticateGateway(h.ctx, credential))?.id, late.id);
        const second = json<{ token: string }>(await h.call('POST', `/v1/gateways/${late.id}/join_token`, { token: admin }));
        assert.equal(await authenticateGateway(h.ctx, credential), undefined, 're-enrolment revokes the credential');
        assert.ok(h.gatewayCalls.includes(`revoked ${late.id}`));
        assert.equal((await join(h, fresh.token)).statusCode, 401);
        assert.equal((await join(h, second.token)).statusCode, 200);
        assert.equal((await h.call('POST', '/v1/gateways/r001-nope/join_token', { token: admin })).statusCode, 404);
      } finally {
        await h.close();
      }
    });

    test('failed joins spend the address\u2019s failure budget', async () => {
      const h = await startHarness(dialect, { limits: { keyFailures: { max: 3, windowMs: 60_000 } } });
      try {
        const gw = await register(h, { name: 'edge-budget', host: 'budget.example.com' });
        for (let i = 0; i < 3; i++) assert.equal((await join(h, `sjt_${'B'.repeat(43)}`)).statusCode, 401);
        const refused = await join(h, gw.join_token?.token ?? '');
        assert.equal(refused.statusCode, 429, 'even a good token waits until the budget refills');
        assert.ok(Number(refused.headers['retry-after']) > 0);
        h.clock.advance(60_001);
        assert.equal((await join(h, gw.join_token?.token ?? '')).statusCode, 200);
      } finally {
        await h.close();
      }
    });

    test('roles: a Viewer lists and reads, only an Administrator changes; the join route needs no token', async () => {
      const h = await startHarness(dialect);
      try {
        const gw = await register(h, { name: 'edge-roles', host: 'roles.example.com' });
        const viewer = await h.tokenFor('Viewer');
        const editor = await h.tokenFor('Editor');
        assert.equal((await h.call('GET', '/v1/gateways', { token: viewer })).statusCode, 200);
        assert.equal((await h.call('GET', `/v1/gateways/${gw.id}`, { token: viewer })).statusCode, 200);
        for (const token of [viewer, editor]) {
          const denied = await h.call('POST', '/v1/gateways', { token, body: { name: 'nope', host: 'nope.example.com' } });
          assert.equal(denied.statusCode, 403);
          assert.equal(json<ErrorWire>(denied).errors[0]?.code, 'not_authorized');
          assert.equal((await h.call('PATCH', `/v1/gateways/${gw.id}`, { token, body: { host: 'x.example.com' } })).statusCode, 403);
          assert.equal((await h.call('DELETE', `/v1/gateways/${gw.id}`, { token })).statusCode, 403);
          assert.equal((await h.call('POST', `/v1/gateways/${gw.id}/join_token`, { token })).statusCode, 403);
        }
        assert.equal((await h.call('GET', '/v1/gateways', { token: null })).statusCode, 401);
        assert.equal((await h.call('GET', '/v1/gateways', { token: await h.tokenFor('none') })).statusCode, 403);
      } finally {
        await h.close();
      }
    });

    test('bad input is refused with 400 naming the field; conflicts with 409', async () => {
      const h = await startHarness(dialect);
      try {
        const cases: [Record<string, unknown>, string, string][] = [
          [{ host: 'a.example.com' }, 'missing_field', 'name'],
          [{ name: 'Upper', host: 'a.example.com' }, 'invalid_value', 'name'],
          [{ name: 'a' }, 'missing_field', 'host'],
          [{ name: 'a', host: 'bad host!' }, 'invalid_value', 'host'],
          [{ name: 'a', host: '999.1.2.3' }, 'invalid_value', 'host'],
          [{ name: 'a', host: 'a.example.com', port_range: { min: 0, max: 10 } }, 'invalid_value', 'port_range.min'],
          [{ name: 'a', host: 'a.example.com', port_range: { min: 2000, max: 1000 } }, 'invalid_value', 'port_range'],
          [{ name: 'a', host: 'a.example.com', labels: { k: 5 } }, 'invalid_value', 'labels.k'],
          [{ name: 'a', host: 'a.example.com', labels: { 'bad key!': 'v' } }, 'invalid_value', 'labels'],
          [{ name: 'a', host: 'a.example.com', subnet: { id: 'UPPER' } }, 'invalid_value', 'subnet.id'],
          [{ name: 'a', host: 'a.example.com', extra: 1 }, 'invalid_request', 'extra'],
        ];
        for (const [body, code, field] of cases) {
          const res = await h.call('POST', '/v1/gateways', { body });
          assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
          const error = json<ErrorWire>(res).errors[0];
          assert.equal(error?.code, code, `${JSON.stringify(body)}: ${res.body}`);
          assert.equal(error?.target?.name, field, `${JSON.stringify(body)}: ${res.body}`);
        }
        const gw = await register(h, { name: 'taken', host: 'a.example.com', subnet: { id: 'fra-1' } });
        assert.deepEqual(gw.subnet, { id: 'fra-1' });
        const sameName = await h.call('POST', '/v1/gateways', { body: { name: 'taken', host: 'b.example.com' } });
        assert.equal(sameName.statusCode, 409);
        assert.equal(json<ErrorWire>(sameName).errors[0]?.code, 'name_conflict');
        const sameSubnet = await h.call('POST', '/v1/gateways', { body: { name: 'other', host: 'b.example.com', subnet: { id: 'fra-1' } } });
        assert.equal(sameSubnet.statusCode, 409);
        assert.equal(json<ErrorWire>(sameSubnet).errors[0]?.code, 'subnet_conflict');
        assert.equal(json<ErrorWire>(sameSubnet).errors[0]?.target?.name, 'subnet.id');
        const embedded = await h.call('POST', '/v1/gateways', { body: { name: 'other', host: 'b.example.com', subnet: { id: 'local' } } });
        assert.equal(json<ErrorWire>(embedded).errors[0]?.code, 'subnet_conflict', 'local names the gateway built into sluice serve');

        const patchExtra = await h.call('PATCH', `/v1/gateways/${gw.id}`, { body: { subnet: { id: 'x' } } });
        assert.equal(patchExtra.statusCode, 400, 'the subnet id cannot be patched');
        assert.equal(json<ErrorWire>(patchExtra).errors[0]?.target?.name, 'subnet');
        const joinExtra = await h.call('POST', '/gateway/join', { token: null, body: { join_token: 'x', other: 1 } });
        assert.equal(joinExtra.statusCode, 400);
        const joinMissing = await h.call('POST', '/gateway/join', { token: null, body: {} });
        assert.equal(joinMissing.statusCode, 400);
        assert.equal(json<ErrorWire>(joinMissing).errors[0]?.target?.name, 'join_token');
      } finally {
        await h.close();
      }
    });

    test('PATCH edits name, host, port range and labels (ETag moves); list pages; counts follow the servers placed on the subnet', async () => {
      const h = await startHarness(dialect);
      try {
        const a = await register(h, { name: 'edge-a', host: 'a.example.com', port_range: { min: 1000, max: 1010 }, labels: { x: '1' } });
        const b = await register(h, { name: 'edge-b', host: 'b.example.com', subnet: { id: 'subnet-b' } });
        const before = await h.call('GET', `/v1/gateways/${a.id}`);
        const patched = await h.call('PATCH', `/v1/gateways/${a.id}`, { body: { name: 'edge-a2', host: '2001:db8::1', port_range: null, labels: { y: '2' } }, headers: { 'if-match': String(before.headers.etag) } });
        assert.equal(patched.statusCode, 200, patched.body);
        const after = json<GatewayWire>(patched);
        assert.equal(after.name, 'edge-a2');
        assert.equal(after.host, '2001:db8::1');
        assert.equal(after.port_range, null);
        assert.deepEqual(after.labels, { y: '2' });
        assert.deepEqual(after.subnet, { id: a.id });
        assert.notEqual(patched.headers.etag, before.headers.etag);
        const stale = await h.call('PATCH', `/v1/gateways/${a.id}`, { body: { host: 'c.example.com' }, headers: { 'if-match': String(before.headers.etag) } });
        assert.equal(stale.statusCode, 412);
        assert.equal((await h.call('PATCH', `/v1/gateways/${a.id}`, { body: { name: 'edge-b' } })).statusCode, 409);

        const page1 = json<{ gateways: GatewayWire[]; total_count: number; limit: number; first: { href: string }; next?: { href: string } }>(await h.call('GET', '/v1/gateways?limit=1'));
        assert.equal(page1.total_count, 2);
        assert.equal(page1.gateways.length, 1);
        assert.ok(page1.next, 'a next page');
        const nextUrl = new URL(page1.next.href);
        const page2 = json<{ gateways: GatewayWire[]; next?: unknown }>(await h.call('GET', `${nextUrl.pathname}${nextUrl.search}`));
        assert.equal(page2.next, undefined);
        assert.deepEqual([...page1.gateways, ...page2.gateways].map((g) => g.id).sort(), [a.id, b.id].sort());

        // Two servers on edge-b's subnet (one of them also on edge-a's), one elsewhere.
        const server = async (pool: string, port: number, subnets: string[]) =>
          json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: pool, port, client_authentication: [{ method: 'certificate' }], subnets: subnets.map((id) => ({ id })) } }));
        const s1 = await server('10.61.0.0/16', 2001, ['subnet-b']);
        await server('10.62.0.0/16', 2002, ['subnet-b', a.id]);
        await server('10.63.0.0/16', 2003, ['local']);
        await recordEstablished(h.ctx, s1.id, { sessionKey: '1:1', clientIp: '10.61.0.2', remoteIp: '198.51.100.1', remotePort: 4000, commonName: 'c1', username: null, startedAt: h.clock.now() });
        await recordEstablished(h.ctx, s1.id, { sessionKey: '1:2', clientIp: '10.61.0.3', remoteIp: '198.51.100.2', remotePort: 4001, commonName: 'c2', username: null, startedAt: h.clock.now() });
        const listed = json<{ gateways: GatewayWire[] }>(await h.call('GET', '/v1/gateways')).gateways;
        const byId = new Map(listed.map((g) => [g.id, g]));
        assert.equal(byId.get(b.id)?.vpn_servers, 2);
        assert.equal(byId.get(b.id)?.connected_clients, 2);
        assert.equal(byId.get(a.id)?.vpn_servers, 1);
        assert.equal(byId.get(a.id)?.connected_clients, 0);
        assert.equal(json<GatewayWire>(await h.call('GET', `/v1/gateways/${b.id}`)).vpn_servers, 2);
      } finally {
        await h.close();
      }
    });
  });
}
