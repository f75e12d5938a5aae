import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { recordEnded, recordEstablished, sweepExpiredClients } from '../../src/domain/clients/lifecycle.ts';
import { applySessionFacts } from '../../src/domain/clients/ingest.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';

const session = (n: number, at: number, username = `user${n}`) => ({
  sessionKey: `500:${n}`,
  clientIp: `10.50.0.${n + 1}`,
  remoteIp: '203.0.113.9',
  remotePort: 40000 + n,
  commonName: null,
  username,
  startedAt: at,
});

for (const dialect of testDialects()) {
  describe(`client lifecycle (${dialect})`, () => {
    test('disconnect records an intent, the end makes it disconnected, retention deletes it', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(
          await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.50.0.0/16', client_authentication: [{ method: 'username' }], client_auto_delete_timeout_seconds: 2 } }),
        );
        const client = await recordEstablished(h.ctx, server.id, session(1, h.clock.now()));
        assert.equal((await recordEstablished(h.ctx, server.id, session(1, h.clock.now()))).id, client.id, 'replayed facts are idempotent');
        const url = `/v1/vpn_servers/${server.id}/clients/${client.id}`;
        assert.equal((await h.call('POST', `${url}/disconnect`)).statusCode, 202);
        assert.ok(h.gatewayCalls.includes(`intent ${server.id} ${client.id}`));
        const pending = json(await h.call('GET', url));
        assert.equal(pending.status, 'connected');
        assert.ok(pending.disconnect_requested_at);
        h.clock.advance(5300);
        await recordEnded(h.ctx, server.id, { sessionKey: '500:1', endedAt: h.clock.now(), bytesSent: 10, bytesReceived: 20 });
        const ended = json(await h.call('GET', url));
        assert.equal(ended.status, 'disconnected');
        assert.equal(ended.disconnected_at, new Date(h.clock.now()).toISOString());
        assert.equal(ended.bytes_received, 20);
        assert.equal((await h.call('POST', `${url}/disconnect`)).statusCode, 202, 'disconnecting a disconnected client is a no-op');
        h.clock.advance(1999);
        assert.equal(await sweepExpiredClients(h.ctx), 0);
        h.clock.advance(1);
        assert.equal(await sweepExpiredClients(h.ctx), 1);
        assert.equal((await h.call('GET', url)).statusCode, 404);
      } finally {
        await h.close();
      }
    });

    test('delete hides the record at once; a timeout of 0 deletes at disconnect; bulk disconnect by user', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(
          await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.50.0.0/16', client_authentication: [{ method: 'username' }], client_auto_delete_timeout: 0 } }),
        );
        const a = await recordEstablished(h.ctx, server.id, session(1, h.clock.now(), 'alice'));
        const b = await recordEstablished(h.ctx, server.id, session(2, h.clock.now() + 1, 'alice'));
        const c = await recordEstablished(h.ctx, server.id, session(3, h.clock.now() + 2, 'carol'));
        assert.equal((await h.call('DELETE', `/v1/vpn_servers/${server.id}/clients/${c.id}`)).statusCode, 202);
        assert.equal((await h.call('GET', `/v1/vpn_servers/${server.id}/clients/${c.id}`)).statusCode, 404);
        assert.equal(json<{ total_count: number }>(await h.call('GET', `/v1/vpn_servers/${server.id}/clients`)).total_count, 2);
        const bulk = json<{ clients: { id: string; result: string }[] }>(await h.call('POST', `/v1/vpn_servers/${server.id}/clients/disconnect`, { body: { username: 'alice' } }));
        assert.deepEqual(bulk.clients.map((r) => r.id).sort(), [a.id, b.id].sort());
        assert.ok(bulk.clients.every((r) => r.result === 'accepted'));
        await recordEnded(h.ctx, server.id, { sessionKey: '500:1', endedAt: h.clock.now(), bytesSent: 0, bytesReceived: 0 });
        assert.equal((await h.call('GET', `/v1/vpn_servers/${server.id}/clients/${a.id}`)).statusCode, 404, 'timeout 0 = deleted at disconnect');
        await recordEnded(h.ctx, server.id, { sessionKey: '500:3', endedAt: h.clock.now(), bytesSent: 0, bytesReceived: 0 });
        const left = await h.store.db.selectFrom('vpn_server_clients').select('id').execute();
        assert.deepEqual(left.map((r) => r.id), [b.id], 'the deleted session is gone once it ended');
        const filtered = json<{ clients: { id: string }[] }>(await h.call('GET', `/v1/vpn_servers/${server.id}/clients?status=connected&username=alice`));
        assert.deepEqual(filtered.clients.map((x) => x.id), [b.id]);
      } finally {
        await h.close();
      }
    });

    test('a bulk disconnect of hundreds of sessions writes one intent and one event per session and one notice', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.50.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const count = 300;
        const facts = Array.from({ length: count + 2 }, (_, n) => ({ kind: 'established' as const, session: { ...session(n, h.clock.now() + n, n === count ? 'bob' : 'alice') } }));
        const records = await applySessionFacts(h.ctx, server.id, facts);
        const [bob, deleted] = [records[count], records[count + 1]];
        assert.ok(bob && deleted);
        assert.equal((await h.call('DELETE', `/v1/vpn_servers/${server.id}/clients/${deleted.id}`)).statusCode, 202);
        const alices = records.slice(0, count).map((r) => r?.id ?? '');
        const notices: number[] = [];
        const port = h.ctx.gateway;
        const clientIntents = port.clientIntents.bind(port);
        port.clientIntents = (serverId, clients) => {
          notices.push(clients.length);
          clientIntents(serverId, clients);
        };
        const disconnect = async () =>
          json<{ clients: { id: string; result: string }[] }>(await h.call('POST', `/v1/vpn_servers/${server.id}/clients/disconnect`, { body: { username: 'alice' } })).clients;
        const first = await disconnect();
        assert.deepEqual(first.map((r) => r.id).sort(), [...alices].sort(), 'every live session of alice, not the deleted one nor bob');
        assert.ok(first.every((r) => r.result === 'accepted'));
        const second = await disconnect();
        assert.ok(second.length === count && second.every((r) => r.result === 'accepted'), 'asking again is accepted and changes nothing');
        assert.deepEqual(notices, [count, count], 'each request reaches the gateway as one notice');
        for (const id of alices) assert.ok(h.gatewayCalls.includes(`intent ${server.id} ${id}`));

        const rows = await h.store.db.selectFrom('vpn_server_clients').select(['id', 'intent', 'intent_at', 'intent_by', 'intent_cause']).where('id', 'in', alices).execute();
        assert.equal(rows.length, count);
        const intentAt = rows[0]?.intent_at;
        assert.ok(rows.every((r) => r.intent === 'disconnect' && r.intent_cause === 'operator' && r.intent_at === intentAt && r.intent_by === rows[0]?.intent_by && r.intent_by !== null));
        assert.equal((await h.store.db.selectFrom('vpn_server_clients').select('intent').where('id', '=', bob.id).executeTakeFirstOrThrow()).intent, null);
        const events = await h.store.db.selectFrom('client_events').select(['client_id', 'actor', 'data', 'at']).where('type', '=', 'disconnect_requested').execute();
        assert.equal(events.length, count, 'one event per session, none for the repeated request');
        assert.deepEqual(events.map((e) => e.client_id).sort(), [...alices].sort());
        const links = new Set(events.map((e) => (JSON.parse(e.data) as { audit_event_id?: string }).audit_event_id));
        assert.equal(links.size, 1, 'every event links the one audited request');
        assert.ok(events.every((e) => e.actor === rows[0]?.intent_by && e.at === intentAt));
      } finally {
        await h.close();
      }
    });

    test('disabling a user disconnects their live sessions on every server and refuses new passcodes', async () => {
      const h = await startHarness(dialect);
      try {
        const body = { client_authentication: [{ method: 'username' }] };
        const a = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { ...body, client_ip_pool: '10.51.0.0/16', port: 1001 } }));
        const b = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { ...body, client_ip_pool: '10.52.0.0/16', port: 1002 } }));
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'mallory', roles: [{ role: 'VPNClient' }] } }));
        const onA = await recordEstablished(h.ctx, a.id, session(1, h.clock.now(), 'mallory'));
        const onB = await recordEstablished(h.ctx, b.id, session(2, h.clock.now(), 'mallory'));
        const other = await recordEstablished(h.ctx, b.id, session(3, h.clock.now(), 'trent'));
        const { passcode } = await h.identity.issuePasscode(user.id);
        assert.equal((await h.call('PATCH', `/v1/users/${user.id}`, { body: { disabled: true } })).statusCode, 200);
        for (const [server, client] of [[a.id, onA.id], [b.id, onB.id]] as const) {
          assert.ok(json(await h.call('GET', `/v1/vpn_servers/${server}/clients/${client}`)).disconnect_requested_at, 'disconnect requested');
          assert.ok(h.gatewayCalls.includes(`intent ${server} ${client}`));
        }
        assert.equal(json(await h.call('GET', `/v1/vpn_servers/${b.id}/clients/${other.id}`)).disconnect_requested_at, undefined);
        assert.deepEqual(await h.identity.verifyVpnCredentials(a.id, 'mallory', passcode), { ok: false, reason: 'unknown or disabled user' });
      } finally {
        await h.close();
      }
    });

    test('clients page by created_at with next links that cover every record once', async () => {
      const h = await startHarness(dialect);
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.50.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const start = h.clock.now();
        for (let i = 0; i < 23; i++) await recordEstablished(h.ctx, server.id, session(i, start + Math.floor(i / 3)));
        const seen: string[] = [];
        let next: string | undefined = `/v1/vpn_servers/${server.id}/clients?limit=5&sort=created_at`;
        while (next) {
          const page: { clients: { id: string }[]; next?: { href: string }; total_count: number } = json(await h.call('GET', next));
          assert.equal(page.total_count, 23);
          seen.push(...page.clients.map((x) => x.id));
          next = page.next ? new URL(page.next.href).pathname + new URL(page.next.href).search : undefined;
        }
        assert.equal(seen.length, 23);
        assert.equal(new Set(seen).size, 23);
      } finally {
        await h.close();
      }
    });

    const sqliteOnly = dialect === 'sqlite' ? test : undefined;
    sqliteOnly?.('the retention sweep and the pending-intent lookup use their indexes (SQLite plans)', async () => {
      const h = await startHarness(dialect);
      try {
        const plan = await sql<{ detail: string }>`explain query plan select id from vpn_server_clients where delete_after <= ${1} limit 1000`.execute(h.store.db);
        assert.match(plan.rows.map((r) => r.detail).join(' '), /USING INDEX vpn_server_clients_expiry/);
        // As clientsWithIntent asks: the server id bound, the status a literal.
        const pending = await sql<{ detail: string }>`explain query plan select * from vpn_server_clients where intent is not null and vpn_server_id = ${'x'} and status = 'connected'`.execute(h.store.db);
        assert.match(pending.rows.map((r) => r.detail).join(' '), /USING INDEX vpn_server_clients_pending/);
      } finally {
        await h.close();
      }
    });
  });
}
