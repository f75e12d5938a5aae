import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { SessionIngest } from '../../src/domain/clients/ingest.ts';
import { SluiceError } from '../../src/errors/catalogue.ts';
import type { EstablishedSession } from '../../src/domain/clients/model.ts';
import { testDialects, type TestDialect } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

const session = (n: number, at: number): EstablishedSession => ({
  sessionKey: `700:${n}`,
  clientIp: `10.70.${n >> 8}.${n & 255}`,
  remoteIp: '203.0.113.7',
  remotePort: 30000 + n,
  commonName: `cn${n}`,
  username: null,
  startedAt: at,
});
const end = (n: number, at: number) => ({ sessionKey: `700:${n}`, endedAt: at, bytesSent: n, bytesReceived: 2 * n });

async function newServer(h: Harness, body: Record<string, unknown> = {}): Promise<string> {
  const response = await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.70.0.0/16', client_authentication: [{ method: 'certificate' }], ...body } });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ id: string }>(response).id;
}

/** Polls until `check` holds; fails after the deadline. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A second connection: it sees only what was committed. */
interface Reader {
  statusOf(serverId: string, sessionKey: string): Promise<string | undefined>;
  close(): Promise<void>;
}

async function reader(dialect: TestDialect, url: string): Promise<Reader> {
  const text = 'select status from vpn_server_clients where vpn_server_id = $1 and session_key = $2';
  if (dialect === 'sqlite') {
    const db = new SqliteDatabase(url, { readonly: true });
    const statement = db.prepare<[string, string], { status: string }>(text.replace(/\$\d/g, '?'));
    return { statusOf: async (s, k) => statement.get(s, k)?.status, close: async () => void db.close() };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return { statusOf: async (s, k) => (await client.query<{ status: string }>(text, [s, k])).rows[0]?.status, close: () => client.end() };
}

/**
 * Holds the store so that a batch cannot commit until released: SQLite's one connection is taken by
 * an open transaction; on PostgreSQL another connection holds a lock the batch's row lock waits for.
 */
async function blockWrites(dialect: TestDialect, h: Harness): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const done = h.store.db.transaction().execute(async () => {
      holding();
      await gate;
    });
    await held;
    return async () => {
      release();
      await done;
    };
  }
  const client = new pg.Client({ connectionString: h.databaseUrl });
  await client.connect();
  await client.query('begin');
  await client.query('lock table vpn_server_clients in exclusive mode');
  return async () => {
    await client.query('commit');
    await client.end();
  };
}

for (const dialect of testDialects()) {
  describe(`session facts by group commit (${dialect})`, () => {
    test('facts of many sessions, ends right behind starts, keep per-session order across batches', async () => {
      const h = await startHarness(dialect);
      try {
        const serverId = await newServer(h);
        const ingest = new SessionIngest(h.ctx, { maxBatch: 64, maxDelayMs: 2 });
        const n = 400;
        const now = h.clock.now();
        const acks: Promise<unknown>[] = [];
        // Nobody waits for an ESTABLISHED before sending its end: order is the store's job here.
        for (let i = 0; i < n; i++) {
          acks.push(ingest.established(serverId, session(i, now + i)));
          if (i >= 3) acks.push(ingest.ended(serverId, end(i - 3, now + i)));
        }
        for (let i = n - 3; i < n; i++) acks.push(ingest.ended(serverId, end(i, now + n)));
        const results = await Promise.all(acks);
        assert.ok(results.every((r) => r !== undefined), 'every fact found its record');
        assert.ok(ingest.batches < 2 * n / 4, `facts were batched (${ingest.batches} batches for ${2 * n} facts)`);
        assert.ok(ingest.batches >= (2 * n) / 64, 'no batch exceeds its size');
        const rows = await sql<{ status: string; n: number }>`select status, count(*) as n from vpn_server_clients where vpn_server_id = ${serverId} group by status`.execute(h.store.db);
        assert.deepEqual(rows.rows.map((r) => [r.status, Number(r.n)]), [['disconnected', n]]);
        const events = await sql<{ client_id: string; type: string }>`select client_id, type from client_events where vpn_server_id = ${serverId} order by seq`.execute(h.store.db);
        const seen = new Map<string, string[]>();
        for (const e of events.rows) seen.set(e.client_id, [...(seen.get(e.client_id) ?? []), e.type]);
        assert.equal(seen.size, n);
        for (const types of seen.values()) assert.deepEqual(types, ['connected', 'disconnected']);
        const bytes = await sql<{ bytes_sent: number; bytes_received: number }>`select bytes_sent, bytes_received from vpn_server_clients where session_key = ${'700:7'}`.execute(h.store.db);
        assert.deepEqual(bytes.rows.map((r) => [Number(r.bytes_sent), Number(r.bytes_received)]), [[7, 14]]);
        // A replayed start of an ended session changes nothing.
        const again = await ingest.established(serverId, session(5, now + 10 * n));
        assert.equal(again.status, 'disconnected');
        const count = await sql<{ n: number }>`select count(*) as n from vpn_server_clients where vpn_server_id = ${serverId}`.execute(h.store.db);
        assert.equal(Number(count.rows[0]?.n), n);
      } finally {
        await h.close();
      }
    });

    test('a delete requested while live, and retention 0, remove the record at the end, in the same batch as its start', async () => {
      const h = await startHarness(dialect);
      try {
        const keep0 = await newServer(h, { client_auto_delete_timeout: 0 });
        const ingest = new SessionIngest(h.ctx, { maxDelayMs: 50 });
        const now = h.clock.now();
        const [started, ended] = await Promise.all([ingest.established(keep0, session(1, now)), ingest.ended(keep0, end(1, now + 5))]);
        assert.equal(started.status, 'connected');
        assert.equal(ended?.status, 'disconnected');
        assert.equal(ingest.batches, 1);
        const rows = await sql<{ n: number }>`select count(*) as n from vpn_server_clients where vpn_server_id = ${keep0}`.execute(h.store.db);
        assert.equal(Number(rows.rows[0]?.n), 0);
        const events = await sql<{ type: string; actor: string | null }>`select type, actor from client_events where vpn_server_id = ${keep0} order by seq`.execute(h.store.db);
        assert.deepEqual(events.rows.map((e) => [e.type, e.actor]), [['connected', null], ['disconnected', null], ['deleted', 'retention']]);

        const serverId = await newServer(h, { port: 1194 });
        const live = await ingest.established(serverId, session(2, now));
        assert.equal((await h.call('DELETE', `/v1/vpn_servers/${serverId}/clients/${live.id}`)).statusCode, 202);
        const gone = await ingest.ended(serverId, end(2, now + 9));
        assert.equal(gone?.intent, 'delete');
        const left = await sql<{ n: number }>`select count(*) as n from vpn_server_clients where vpn_server_id = ${serverId}`.execute(h.store.db);
        assert.equal(Number(left.rows[0]?.n), 0);
        assert.equal(await ingest.ended(serverId, end(99, now)), undefined, 'the end of a session never seen is no error');
      } finally {
        await h.close();
      }
    });

    test('nothing is acknowledged before its batch commits', async () => {
      const h = await startHarness(dialect);
      const look = await reader(dialect, h.databaseUrl);
      try {
        const serverId = await newServer(h);
        const ingest = new SessionIngest(h.ctx, { maxDelayMs: 1 });
        const release = await blockWrites(dialect, h);
        let acked = false;
        const ack = ingest.established(serverId, session(1, h.clock.now())).then((client) => {
          acked = true;
          return client;
        });
        await until('the batch to be under way', () => ingest.writing(serverId));
        // The batch is written but cannot commit: many turns of the event loop later, still no answer.
        for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(acked, false, 'acknowledged before its commit');
        assert.equal(await look.statusOf(serverId, '700:1'), undefined);
        await release();
        const client = await ack;
        assert.equal(client.status, 'connected');
        assert.equal(await look.statusOf(serverId, '700:1'), 'connected', 'visible to another connection once acknowledged');
      } finally {
        await look.close();
        await h.close();
      }
    });

    test('a failing batch: the other facts are stored, the bad one alone is refused with the reason', async () => {
      const h = await startHarness(dialect);
      try {
        const serverId = await newServer(h);
        const ingest = new SessionIngest(h.ctx, { maxDelayMs: 20 });
        const now = h.clock.now();
        // NOT NULL client_ip: the store refuses this row, and with it the batch's transaction.
        const bad = { ...session(3, now), clientIp: null } as unknown as EstablishedSession;
        const outcomes = await Promise.allSettled([
          ingest.established(serverId, session(1, now)),
          ingest.established(serverId, session(2, now)),
          ingest.established(serverId, bad),
          ingest.ended(serverId, end(1, now + 1)),
          ingest.established(serverId, session(4, now)),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        const refused = outcomes[2];
        assert.ok(refused?.status === 'rejected' && refused.reason instanceof SluiceError);
        assert.equal(refused.reason.code, 'service_error');
        assert.match(refused.reason.message, /session 700:3: established fact not stored: .*client_ip/i);
        const rows = await sql<{ session_key: string; status: string }>`select session_key, status from vpn_server_clients where vpn_server_id = ${serverId} order by session_key`.execute(h.store.db);
        assert.deepEqual(rows.rows.map((r) => [r.session_key, r.status]), [['700:1', 'disconnected'], ['700:2', 'connected'], ['700:4', 'connected']]);
        assert.equal(ingest.committed, 4);
        assert.equal(ingest.pending, 0);
      } finally {
        await h.close();
      }
    });
  });
}
