import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { sweepAuditEvents } from '../../src/domain/audit/retention.ts';
import { clientEventsSince } from '../../src/store/client-events.ts';
import { testDialects } from '../support/dialects.ts';
import { ADMIN_KEY, json, startHarness, type Harness } from '../support/app-harness.ts';

interface Operation {
  id: string;
  method: string;
  path: string;
}

type AuditEvent = {
  id: string;
  request_id: string;
  operation: string;
  method: string;
  path: string;
  outcome: string;
  status_code: number;
  error_code?: string;
  target: { resource_type: string; id?: string; vpn_server_id?: string };
  actor: { user_id?: string; user_name?: string; api_key_id?: string; address: string };
};

const STATE_CHANGING = ['post', 'put', 'patch', 'delete'];

async function stateChangingOperations(h: Harness): Promise<Operation[]> {
  const doc = json<{ paths: Record<string, Record<string, { operationId: string }>> }>(await h.call('GET', '/openapi.json', { token: null }));
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => STATE_CHANGING.includes(method))
      .map(([method, op]) => ({ id: op.operationId, method: method.toUpperCase(), path })),
  );
}

async function eventsOf(h: Harness, query: string): Promise<AuditEvent[]> {
  const res = await h.call('GET', `/v1/audit_events?limit=100&${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return json<{ audit_events: AuditEvent[] }>(res).audit_events;
}

async function freshAdminToken(h: Harness): Promise<string> {
  const res = await h.call('POST', '/identity/token', { token: null, body: `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=${ADMIN_KEY}`, contentType: 'application/x-www-form-urlencoded' });
  return json<{ access_token: string }>(res).access_token;
}

async function eventFor(h: Harness, requestId: string, operation: string): Promise<AuditEvent | undefined> {
  return (await eventsOf(h, `operation=${operation}`)).find((e) => e.request_id === requestId);
}

for (const dialect of testDialects()) {
  describe(`audit trail (${dialect})`, () => {
    test('every state-changing operation in the OpenAPI document is recorded, with who, what, outcome and request id', async () => {
      const h = await startHarness(dialect);
      try {
        const ops = await stateChangingOperations(h);
        assert.ok(ops.length >= 20, `${ops.length} state-changing operations`);
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.30.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        const ids: Record<string, string> = { vpn_server_id: server.id, id: server.id, key_id: 'r001-0' };
        const missing: string[] = [];
        for (const op of ops) {
          // Real server ids where the path has one, made-up ids elsewhere: whether the call
          // succeeds or is rejected, it must be in the trail.
          const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => (op.path.startsWith('/v1/vpn_servers') && name !== 'key_id' && (name === 'vpn_server_id' || !op.path.includes('{vpn_server_id}')) ? ids[name] : 'r001-no-such-thing') ?? 'x');
          const body = op.method === 'DELETE' ? undefined : op.id === 'create_token' ? 'grant_type=nonsense' : {};
          // Logging out ends the sign-in it is called with: use a sign-in of its own, not the walk's.
          // The public calls (a token exchange, a gateway's join) carry no bearer token.
          const token = op.id === 'create_token' || op.id === 'join_gateway' ? null : op.id === 'logout' ? await freshAdminToken(h) : undefined;
          const res = await h.call(op.method, url, { ...(body !== undefined && { body }), ...(token !== undefined && { token }), ...(op.id === 'create_token' && { contentType: 'application/x-www-form-urlencoded' }) });
          const requestId = String(res.headers['x-request-id']);
          const event = await eventFor(h, requestId, op.id);
          if (!event) {
            missing.push(`${op.method} ${op.path} (${op.id}) answered ${res.statusCode}`);
            continue;
          }
          assert.equal(event.method, op.method);
          assert.equal(event.status_code, res.statusCode, op.id);
          assert.equal(event.path, url.split('?')[0]);
          assert.ok(event.target.resource_type.length > 0, op.id);
          if (op.id !== 'create_token' && op.id !== 'join_gateway') assert.equal(event.actor.user_name, 'admin', op.id);
          assert.equal(event.actor.address, '127.0.0.1');
        }
        assert.deepEqual(missing, [], 'state-changing operations without an audit event');
      } finally {
        await h.close();
      }
    });

    test('outcomes: succeeded with the created id, refused with the caller, rejected with the error code; a token exchange names its user and key', async () => {
      const h = await startHarness(dialect);
      try {
        const created = await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.31.0.0/16', client_authentication: [{ method: 'certificate' }] } });
        const server = json<{ id: string }>(created);
        const ok = await eventFor(h, String(created.headers['x-request-id']), 'create_vpn_server');
        assert.equal(ok?.outcome, 'succeeded');
        assert.deepEqual(ok?.target, { resource_type: 'vpn_server', id: server.id, vpn_server_id: server.id });
        assert.match(ok?.actor.api_key_id ?? '', /^r001-/);

        const viewer = await h.tokenFor('Viewer');
        const refused = await h.call('DELETE', `/v1/vpn_servers/${server.id}`, { token: viewer });
        assert.equal(refused.statusCode, 403);
        const r = await eventFor(h, String(refused.headers['x-request-id']), 'delete_vpn_server');
        assert.equal(r?.outcome, 'refused');
        assert.equal(r?.error_code, 'not_authorized');
        assert.match(r?.actor.user_name ?? '', /^user-viewer-/);
        const anonymous = await h.call('POST', '/v1/vpn_servers', { token: null, body: {} });
        const a = await eventFor(h, String(anonymous.headers['x-request-id']), 'create_vpn_server');
        assert.equal(a?.outcome, 'refused');
        assert.equal(a?.actor.user_id, undefined, 'no token, no user');

        const bad = await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: 'not-a-cidr' } });
        const b = await eventFor(h, String(bad.headers['x-request-id']), 'create_vpn_server_route');
        assert.equal(b?.outcome, 'rejected');
        assert.equal(b?.error_code, 'invalid_cidr');
        assert.equal(b?.target.vpn_server_id, server.id);

        const token = await h.call('POST', '/identity/token', { token: null, body: `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=${ADMIN_KEY}`, contentType: 'application/x-www-form-urlencoded' });
        const t = await eventFor(h, String(token.headers['x-request-id']), 'create_token');
        assert.equal(t?.outcome, 'succeeded');
        assert.match(t?.actor.user_id ?? '', /^r001-/);
        assert.match(t?.actor.api_key_id ?? '', /^r001-/);
        const wrong = await h.call('POST', '/identity/token', { token: null, body: 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=wrong-key-0123456789', contentType: 'application/x-www-form-urlencoded' });
        const w = await eventFor(h, String(wrong.headers['x-request-id']), 'create_token');
        assert.equal(w?.outcome, 'rejected');
        assert.equal(w?.error_code, 'invalid_api_key');
        assert.ok(!JSON.stringify(await eventsOf(h, '')).includes('wrong-key-0123456789'), 'a presented key never reaches the trail');

        // Reads are not audited.
        const read = await h.call('GET', `/v1/vpn_servers/${server.id}`);
        assert.equal((await eventsOf(h, '')).filter((e) => e.request_id === read.headers['x-request-id']).length, 0);
      } finally {
        await h.close();
      }
    });

    test('an operator disconnect and delete link their client events to the audit event; a revocation is recorded as such', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.32.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        const c1 = await recordEstablished(h.ctx, server.id, { sessionKey: '1:1', clientIp: '10.32.0.2', remoteIp: '127.0.0.1', remotePort: 4001, commonName: 'alice', username: null, startedAt: h.clock.now() });
        const c2 = await recordEstablished(h.ctx, server.id, { sessionKey: '1:2', clientIp: '10.32.0.3', remoteIp: '127.0.0.1', remotePort: 4002, commonName: 'bob', username: null, startedAt: h.clock.now() });
        const disconnect = await h.call('POST', `/v1/vpn_servers/${server.id}/clients/${c1.id}/disconnect`);
        assert.equal(disconnect.statusCode, 202);
        const d = await eventFor(h, String(disconnect.headers['x-request-id']), 'disconnect_vpn_client');
        assert.deepEqual(d?.target, { resource_type: 'vpn_server_client', id: c1.id, vpn_server_id: server.id });
        const del = await h.call('DELETE', `/v1/vpn_servers/${server.id}/clients/${c2.id}`);
        const e = await eventFor(h, String(del.headers['x-request-id']), 'delete_vpn_server_client');
        const events = await clientEventsSince(h.store.db, server.id, 0, 100);
        const requested = events.find((ev) => ev.type === 'disconnect_requested' && ev.clientId === c1.id);
        assert.equal(requested?.data.audit_event_id, d?.id);
        assert.equal(events.find((ev) => ev.type === 'delete_requested' && ev.clientId === c2.id)?.data.audit_event_id, e?.id);
        const one = await h.call('GET', `/v1/audit_events/${String(requested?.data.audit_event_id)}`);
        assert.equal(json<AuditEvent>(one).operation, 'disconnect_vpn_client');
        assert.equal((await h.call('GET', '/v1/audit_events/r001-nothing')).statusCode, 404);

        // Revoking alice's certificate: the intent says revoke, so the gateway can tell her why.
        const ca = json<{ id: string; crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'audit-ca' } }));
        const srvRes = await h.call('POST', '/v1/vpn_servers', { body: { port: 1195, client_ip_pool: '10.33.0.0/16', client_authentication: [{ method: 'certificate', client_ca: { crn: ca.crn } }] } });
        assert.equal(srvRes.statusCode, 201, srvRes.body);
        const srv = json<{ id: string }>(srvRes);
        const certRes = await h.call('POST', '/v1/certificates', { body: { kind: 'client', common_name: 'carol', issuer: { crn: ca.crn } } });
        assert.equal(certRes.statusCode, 201, certRes.body);
        const cert = json<{ id: string }>(certRes);
        const live = await recordEstablished(h.ctx, srv.id, { sessionKey: '2:1', clientIp: '10.33.0.2', remoteIp: '127.0.0.1', remotePort: 4003, commonName: 'carol', username: null, startedAt: h.clock.now() });
        const revoke = await h.call('POST', `/v1/certificates/${cert.id}/revoke`, { body: {} });
        assert.ok(revoke.statusCode < 300, revoke.body);
        const rv = await eventFor(h, String(revoke.headers['x-request-id']), 'revoke_certificate');
        const carol = (await clientEventsSince(h.store.db, srv.id, 0, 100)).find((ev) => ev.type === 'disconnect_requested' && ev.clientId === live.id);
        assert.deepEqual(carol?.data, { audit_event_id: rv?.id, cause: 'revoke' });
      } finally {
        await h.close();
      }
    });

    test('filters by time, actor, target, operation and outcome; paged like every collection; kept for the retention time', async () => {
      const h = await startHarness(dialect);
      try {
        const viewer = await h.tokenFor('Viewer');
        const s1 = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.34.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        h.clock.advance(60_000);
        const middle = new Date(h.clock.now()).toISOString();
        await h.call('POST', `/v1/vpn_servers/${s1.id}/routes`, { body: { destination: '10.9.0.0/16' } });
        await h.call('PATCH', `/v1/vpn_servers/${s1.id}`, { body: { name: 'renamed' } });
        await h.call('DELETE', `/v1/vpn_servers/${s1.id}`, { token: viewer });
        h.clock.advance(60_000);
        const late = new Date(h.clock.now()).toISOString();
        await h.call('POST', '/v1/users', { body: { name: 'someone' } });

        assert.equal((await eventsOf(h, `target=${s1.id}`)).length, 4, 'create, route, rename, refused delete');
        assert.deepEqual((await eventsOf(h, `since=${middle}&until=${late}`)).map((e) => e.operation).sort(), ['create_vpn_server_route', 'delete_vpn_server', 'update_vpn_server']);
        assert.deepEqual((await eventsOf(h, 'outcome=refused')).map((e) => e.operation), ['delete_vpn_server']);
        assert.equal((await eventsOf(h, 'actor=admin')).length, 4);
        const viewerId = (await eventsOf(h, 'outcome=refused'))[0]?.actor.user_id ?? '';
        assert.equal((await eventsOf(h, `actor=${viewerId}`)).length, 1);
        assert.equal((await eventsOf(h, 'operation=create_user')).length, 1);
        assert.deepEqual((await eventsOf(h, 'sort=created_at')).map((e) => e.operation)[0], 'create_vpn_server');

        const first = json<{ audit_events: AuditEvent[]; next?: { href: string }; total_count: number; limit: number }>(await h.call('GET', '/v1/audit_events?limit=2'));
        assert.equal(first.total_count, 5);
        assert.equal(first.audit_events.length, 2);
        const next = new URL(first.next?.href ?? '');
        const second = json<{ audit_events: AuditEvent[] }>(await h.call('GET', `${next.pathname}${next.search}`));
        assert.equal(second.audit_events.length, 2);
        assert.equal(new Set([...first.audit_events, ...second.audit_events].map((e) => e.id)).size, 4);

        for (const [query, target] of [['since=yesterday', 'since'], ['outcome=maybe', 'outcome'], ['target=BAD ID', 'target'], ['start=!!', 'start']] as const) {
          const res = await h.call('GET', `/v1/audit_events?${query.replace(' ', '%20')}`);
          assert.equal(res.statusCode, 400, query);
          assert.equal(json<{ errors: { target: { name: string } }[] }>(res).errors[0]?.target.name, target);
        }
        assert.equal((await h.call('GET', '/v1/audit_events', { token: await h.tokenFor('Editor') })).statusCode, 403, 'Administrators only');

        h.clock.advance(90 * 86_400_000 - 1);
        assert.equal(await sweepAuditEvents(h.ctx, 90 * 86_400_000), 4, 'older than 90 days');
        const fresh = (await h.identity.exchangeApiKey(ADMIN_KEY)).access.token;
        assert.deepEqual(json<{ audit_events: AuditEvent[] }>(await h.call('GET', '/v1/audit_events', { token: fresh })).audit_events.map((e) => e.operation), ['create_user']);
      } finally {
        await h.close();
      }
    });
  });
}
