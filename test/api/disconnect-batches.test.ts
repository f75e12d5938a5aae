import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { openStore } from '../../src/store/database.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness } from '../support/app-harness.ts';

const session = (n: number, at: number) => ({
  sessionKey: `700:${n}`,
  clientIp: `10.55.0.${n + 1}`,
  remoteIp: '203.0.113.7',
  remotePort: 41000 + n,
  commonName: null,
  username: `user${n}`,
  startedAt: at,
});

const INTENT_WRITE = /^update vpn_server_clients set intent = /;

/**
 * Concurrent single disconnects share transactions (domain/clients/lifecycle.ts): each request
 * still hears its own verdict, only after its own intent is committed, and its gateway hears it.
 */
for (const dialect of testDialects()) {
  describe(`concurrent single disconnects (${dialect})`, () => {
    test('written in fewer transactions than requests, each answered with its own verdict after its intent is durable', async () => {
      let intentWrites = 0;
      const h = await startHarness(dialect, { observe: (_kind, _ms, text) => void (INTENT_WRITE.test(text) && intentWrites++) });
      const committed = await openStore(h.databaseUrl);
      try {
        const create = (pool: string, port?: number) =>
          h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: pool, client_authentication: [{ method: 'username' }], ...(port !== undefined && { port }) } });
        const server = json<{ id: string }>(await create('10.55.0.0/16'));
        const other = json<{ id: string }>(await create('10.56.0.0/16', 1391));
        const clients = [];
        for (let n = 1; n <= 10; n++) clients.push(await recordEstablished(h.ctx, server.id, session(n, h.clock.now() + n)));
        const elsewhere = await recordEstablished(h.ctx, other.id, { ...session(11, h.clock.now()), clientIp: '10.56.0.2' });
        const [first] = clients;
        assert.ok(first);

        /** The intent as a second connection sees it: only what was committed. */
        const committedIntent = async (id: string) => (await committed.db.selectFrom('vpn_server_clients').select('intent').where('id', '=', id).executeTakeFirst())?.intent ?? null;
        const disconnect = async (serverId: string, clientId: string) => {
          const response = await h.call('POST', `/v1/vpn_servers/${serverId}/clients/${clientId}/disconnect`);
          return { status: response.statusCode, intent: await committedIntent(clientId) };
        };
        const asks: [string, string][] = [
          ...clients.map((c): [string, string] => [server.id, c.id]),
          [server.id, first.id], // the same client twice: one intent, one event, both accepted
          [server.id, 'r001-00000000-0000-4000-8000-000000000000'], // no such record
          [server.id, elsewhere.id], // a record of another server
        ];
        intentWrites = 0;
        const answers = await Promise.all(asks.map(([serverId, clientId]) => disconnect(serverId, clientId)));

        assert.deepEqual(
          answers.map((a) => a.status),
          [...clients.map(() => 202), 202, 404, 404],
        );
        for (const answer of answers.slice(0, 11)) assert.equal(answer.intent, 'disconnect', 'committed before the 202');
        assert.equal(await committedIntent(elsewhere.id), null, 'a record of another server is left alone');
        assert.ok(intentWrites < clients.length, `${intentWrites} intent writes for ${clients.length} requests`);
        const heard = (id: string) => h.gatewayCalls.filter((call) => call === `intent ${server.id} ${id}`).length;
        for (const c of clients.slice(1)) assert.equal(heard(c.id), 1, `the gateway heard of ${c.id} once`);
        // Asked twice: told once per batch its requests landed in (one or two); the agent kills once.
        assert.ok(heard(first.id) >= 1 && heard(first.id) <= 2, `the gateway heard of the client asked twice ${heard(first.id)} times`);
        const events = await h.store.db.selectFrom('client_events').select('client_id').where('type', '=', 'disconnect_requested').where('vpn_server_id', '=', server.id).execute();
        assert.deepEqual(events.map((e) => e.client_id).sort(), clients.map((c) => c.id).sort(), 'one disconnect_requested event per client');
      } finally {
        await committed.close();
        await h.close();
      }
    });
  });
}
