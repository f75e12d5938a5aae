/**
 * Remote gateways behind replicas: two `sluice serve` on one PostgreSQL, both `--gateway none`,
 * and a real `sluice gateway` dialling only one of them (B). A disconnect accepted by the other
 * replica (A) reaches the gateway through the store's change feed and B; a gateway reads and
 * reports only on the servers placed on it; while its only control plane is away the gateway keeps
 * its users, and a disconnect accepted meanwhile is carried out, once, when it returns (so is one
 * accepted while B's change-feed listener was cut); and a
 * revoked gateway credential is cut off and refused, whichever replica revoked it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import pg from 'pg';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { follow } from '../support/event-stream.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() && testDialects().includes('postgres') ? describe : describe.skip;

/** Fails if `probe` turns false at any point within `ms` (a check that something does not happen). */
async function holds(what: string, probe: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    assert.ok(await probe(), what);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms).unref())]);

/** A raw gateway socket, speaking the wire protocol by hand (src/gateway/remote/wire.ts). */
interface RawGateway {
  socket: WebSocket;
  welcome: Json;
  /** Resolves with the close code and when it came. */
  closed: Promise<{ code: number; at: number }>;
  request(body: Record<string, unknown>): Promise<Json>;
  close(): Promise<void>;
}

const gatewayUrl = (base: string): string => `${base.replace(/^http/, 'ws')}/gateway/connect`;

async function dialRaw(base: string, credential: string): Promise<RawGateway> {
  const socket = new WebSocket(gatewayUrl(base), { headers: { authorization: `Bearer ${credential}` } });
  const replies = new Map<number, (frame: Json) => void>();
  let welcomed: (frame: Json) => void = () => undefined;
  const welcome = new Promise<Json>((resolve) => (welcomed = resolve));
  const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: Date.now() })));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Json;
    if (frame.type === 'welcome') welcomed(frame);
    if (frame.type === 'reply') replies.get(frame.id)?.(frame);
  });
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    10_000,
    'the gateway socket open',
  );
  socket.send(JSON.stringify({ type: 'hello', version: 'test', instance: `raw-${randomBytes(4).toString('hex')}` }));
  let next = 1;
  return {
    socket,
    welcome: await within(welcome, 10_000, 'welcome'),
    closed,
    request: (body) => {
      const id = next++;
      const reply = new Promise<Json>((resolve) => replies.set(id, resolve));
      socket.send(JSON.stringify({ type: 'request', id, body }));
      return within(reply, 10_000, `reply to ${String(body.type)}`);
    },
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.terminate();
      await closed;
    },
  };
}

/** The HTTP status a WebSocket upgrade with this credential is answered with (101 when it opens). */
function upgradeStatus(base: string, credential: string): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(gatewayUrl(base), { headers: { authorization: `Bearer ${credential}` } });
      socket.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        socket.terminate();
      });
      socket.once('open', () => {
        resolve(101);
        socket.terminate();
      });
      socket.once('error', (error) => reject(error));
    }),
    10_000,
    'the upgrade answer',
  );
}

run('a remote gateway behind replicas on one PostgreSQL', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let replicaA: SluiceProcess;
  let replicaB: SluiceProcess;
  let apiA: TestApi;
  let apiB: TestApi;
  let gateway: GatewayProcess | undefined;
  let gatewayRecord: Json;
  let server: Json;
  const raws: RawGateway[] = [];
  const clients: VpnClientProcess[] = [];
  const dataDirs: string[] = [];

  const clientNamed = async (api: TestApi, commonName: string): Promise<Json | undefined> =>
    ((await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?limit=100&common_name=${commonName}`)).clients as Json[])[0];

  const connect = async (commonName: string): Promise<{ client: VpnClientProcess; row: Json }> => {
    const profile = (await apiA.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: commonName })).text;
    const client = startVpnClient(profile);
    clients.push(client);
    await client.connected(30_000);
    const rows = await eventually(`${commonName} listed as connected on both replicas`, async () => {
      const both = await Promise.all([apiA, apiB].map((api) => clientNamed(api, commonName)));
      return both.every((r) => r?.status === 'connected') ? both : undefined;
    });
    assert.equal(rows[0].id, rows[1].id, 'one record, read by both replicas');
    return { client, row: rows[0] };
  };

  /** Registers a gateway and exchanges its join token for a credential, as `sluice gateway` does. */
  const joinedGateway = async (name: string): Promise<{ record: Json; credential: string }> => {
    const record = await apiA.ok('POST', '/v1/gateways', { name, host: '127.0.0.1' });
    const res = await fetch(`${replicaB.url}/gateway/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ join_token: record.join_token.token }) });
    assert.equal(res.status, 200);
    return { record, credential: ((await res.json()) as { credential: string }).credential };
  };

  before(async () => {
    database = await freshDatabase('postgres');
    env = { SLUICE_DATABASE_URL: database.url, SLUICE_MASTER_KEY: randomBytes(32).toString('base64') };
    // Both at once on the new database, as an orchestrator starts replicas.
    const started = await Promise.allSettled([startSluice({ env, args: ['--gateway', 'none'] }), startSluice({ env, args: ['--gateway', 'none'] })]);
    [replicaA, replicaB] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [SluiceProcess, SluiceProcess];
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    dataDirs.push(replicaB.dataDir);
    apiA = await new TestApi(replicaA.url, replicaA.adminApiKey).login();
    apiB = await new TestApi(replicaB.url, replicaB.adminApiKey).login();
    gatewayRecord = await apiA.ok('POST', '/v1/gateways', { name: 'edge-b', host: '127.0.0.1' });
    gateway = await startGateway({ controlPlane: replicaB.url, joinToken: gatewayRecord.join_token.token });
    server = await apiA.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.81.0.0/20', client_authentication: [{ method: 'certificate' }], subnets: [{ id: gatewayRecord.subnet.id }] });
    await eventually('the server running on the gateway, ok for both replicas', async () => {
      const states = await Promise.all([apiA, apiB].map(async (api) => (await api.ok('GET', `/v1/vpn_servers/${server.id}`)) as Json));
      return states.every((s) => s.lifecycle_state === 'stable' && s.health_state === 'ok') ? true : undefined;
    }, 60_000);
    assert.equal(gateway.openvpnPids().length, 1, 'the gateway runs the server placed on it');
  });
  after(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    await replicaB?.stop();
    await replicaA?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  test('a disconnect accepted by the replica the gateway does not dial reaches it through the change feed and the other replica', async (t) => {
    const streams = [await follow(apiA, String(server.id)), await follow(apiB, String(server.id))];
    try {
      const { client: alice, row } = await connect('alice');
      await eventually('connected on both streams', async () => (streams.every((s) => s.events.some((e) => e.client_id === row.id && e.type === 'connected')) ? true : undefined));

      const requested = Date.now();
      assert.equal((await apiA.call('POST', `/v1/vpn_servers/${server.id}/clients/${row.id}/disconnect`)).status, 202);
      await within(alice.exited, 10_000, 'alice halted');
      const halted = Date.now() - requested;
      assert.match(alice.output(), /Halt command was pushed by server/);
      await eventually('alice recorded disconnected for both replicas', async () => {
        const both = await Promise.all([apiA, apiB].map((api) => clientNamed(api, 'alice')));
        return both.every((r) => r?.status === 'disconnected') ? true : undefined;
      }, 10_000);
      const recorded = Date.now() - requested;
      for (const [i, stream] of streams.entries()) {
        const ended = await eventually(`disconnected on replica ${i === 0 ? 'A' : 'B'}’s stream`, async () => stream.events.find((e) => e.client_id === row.id && e.type === 'disconnected'));
        assert.equal(ended.client?.status, 'disconnected');
      }
      const seen = streams.map((s) => s.events.filter((e) => e.client_id === row.id).map((e) => `${e.seq}:${e.type}`));
      assert.deepEqual(seen[0]?.map((x) => x.split(':')[1]), ['connected', 'disconnect_requested', 'disconnected'], 'each event once, in order');
      assert.deepEqual(seen[1], seen[0], 'both replicas stream the same events with the same ids');
      t.diagnostic(`disconnect through A, gateway on B: request → client halted ${halted} ms, → recorded disconnected on both ${recorded} ms`);
    } finally {
      for (const stream of streams) await stream.close();
    }
  });

  test('a gateway can neither read nor act on a server not placed on it', async () => {
    const other = await joinedGateway('edge-other');
    const raw = await dialRaw(replicaB.url, other.credential);
    raws.push(raw);
    assert.equal(raw.welcome.gatewayId, other.record.id);
    const serverId = String(server.id);

    const stored = await raw.request({ type: 'stored_sessions', serverId });
    assert.equal(stored.error?.code, 'not_authorized', JSON.stringify(stored));
    assert.equal(stored.body, undefined);
    const pending = await raw.request({ type: 'pending_kills', serverId });
    assert.equal(pending.error?.code, 'not_authorized', JSON.stringify(pending));
    const forged = await raw.request({
      type: 'session_established',
      serverId,
      session: { sessionKey: '1:99', clientIp: '10.81.0.99', remoteIp: '192.0.2.1', remotePort: 1194, commonName: 'mallory', username: null, startedAt: Date.now() },
    });
    assert.equal(forged.error?.code, 'not_authorized', JSON.stringify(forged));
    const state = await raw.request({ type: 'server_state', serverId, state: { lifecycle: 'failed', health: 'critical', reasons: [] } });
    assert.equal(state.error?.code, 'not_authorized', JSON.stringify(state));
    const read = await raw.request({ type: 'get_server', serverId });
    assert.deepEqual(read.body, { server: null });
    const listed = await raw.request({ type: 'list_servers' });
    assert.deepEqual(listed.body, { serverIds: [] });

    // Nothing of it reached the store, and G still runs and owns the server.
    assert.equal(await clientNamed(apiA, 'mallory'), undefined);
    const s = await apiA.ok('GET', `/v1/vpn_servers/${serverId}`);
    assert.equal(s.health_state, 'ok');
    assert.equal(s.lifecycle_state, 'stable');
    assert.equal(raw.socket.readyState, WebSocket.OPEN, 'refused requests leave the socket open');
    assert.ok(gateway?.process.child.exitCode === null, 'G is untouched');
    await raw.close();
  });

  test('after the listening connections are cut, a disconnect accepted by the other replica still reaches the remote gateway', async (t) => {
    const { client: dan, row } = await connect('dan');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    let requested: number;
    try {
      const name = new URL(database.url).pathname.slice(1);
      const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'sluice-change-feed' and datname = $1`, [name]);
      assert.equal(killed.rowCount, 2, 'each replica listens on one connection');
      requested = Date.now();
      // B is not listening right now: its re-subscription must make up for the notice it missed.
      assert.equal((await apiA.call('POST', `/v1/vpn_servers/${server.id}/clients/${row.id}/disconnect`)).status, 202);
    } finally {
      await admin.end();
    }
    await within(dan.exited, 10_000, 'dan halted');
    const ms = Date.now() - requested;
    assert.match(dan.output(), /Halt command was pushed by server/);
    await eventually('dan recorded disconnected', async () => ((await clientNamed(apiB, 'dan'))?.status === 'disconnected' ? true : undefined), 10_000);
    t.diagnostic(`disconnect through A right after both listeners were cut → client halted ${ms} ms (B re-listens and resyncs)`);
  });

  test('cut off from its only control plane, the gateway keeps its client; a disconnect accepted meanwhile is carried out once when it returns', async (t) => {
    assert.ok(gateway);
    const { client: bob, row } = await connect('bob');
    const streamA = await follow(apiA, String(server.id));
    const port = new URL(replicaB.url).port;
    try {
      await replicaB.stop({ keepDataDir: true });
      const cutAt = Date.now();
      await eventually('the gateway noticed', async () => (/lost the control plane/.test(gateway?.output() ?? '') ? true : undefined), 20_000);

      const accepted = await apiA.call('POST', `/v1/vpn_servers/${server.id}/clients/${row.id}/disconnect`);
      assert.equal(accepted.status, 202, accepted.text);
      const requestedAt = Date.now();
      const recorded = await apiA.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`);
      assert.equal(recorded.status, 'connected', 'recorded as intent: the client is still connected');
      assert.equal(typeof recorded.disconnect_requested_at, 'string');
      await eventually('disconnect_requested on A’s stream', async () => (streamA.events.some((e) => e.client_id === row.id && e.type === 'disconnect_requested') ? true : undefined));

      // A while cut off: nobody can tell the gateway, the client stays, and so does its server.
      await holds('the client stays connected while the gateway is cut off', () => bob.isRunning() && gateway!.openvpnPids().every(alive) && gateway!.process.child.exitCode === null, 5000);
      assert.equal((await apiA.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`)).status, 'connected');

      const restartAt = Date.now();
      replicaB = await startSluice({ dataDir: replicaB.dataDir, env, args: ['--gateway', 'none', '--listen', `127.0.0.1:${port}`] });
      const backAt = Date.now();
      apiB = await new TestApi(replicaB.url, replicaB.adminApiKey).login();
      await gateway.connections(2, 60_000);
      await within(bob.exited, 20_000, 'bob halted after the gateway re-dialled');
      const halted = Date.now() - backAt;
      assert.match(bob.output(), /Halt command was pushed by server/);
      await eventually('bob recorded disconnected for both replicas', async () => {
        const both = await Promise.all([apiA, apiB].map(async (api) => (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`)) as Json));
        return both.every((r) => r.status === 'disconnected') ? true : undefined;
      }, 15_000);
      await eventually('disconnected on A’s stream', async () => (streamA.events.some((e) => e.client_id === row.id && e.type === 'disconnected') ? true : undefined));

      // Every event of bob's, once: the whole history, read from each replica.
      for (const [name, api] of [['A', apiA] as const, ['B', apiB] as const]) {
        const history = await follow(api, String(server.id), 0);
        try {
          const types = await eventually(`bob's history on ${name}`, async () => {
            const mine = history.events.filter((e) => e.client_id === row.id).map((e) => e.type);
            return mine.includes('disconnected') ? mine : undefined;
          });
          assert.equal(types.filter((x) => x === 'connected').length, 1, `one connected on ${name}: ${types.join(', ')}`);
          assert.equal(types.filter((x) => x === 'disconnected').length, 1, `one disconnected on ${name}: ${types.join(', ')}`);
          assert.deepEqual(types, ['connected', 'disconnect_requested', 'disconnected']);
        } finally {
          await history.close();
        }
      }
      assert.deepEqual(streamA.events.filter((e) => e.client_id === row.id).map((e) => e.type), ['disconnect_requested', 'disconnected'], 'A’s live stream (opened after connected): each once');
      t.diagnostic(`cut off for ${backAt - cutAt} ms (disconnect requested ${requestedAt - cutAt} ms in, B's restart took ${backAt - restartAt} ms); client halted ${halted} ms after B was ready again`);
    } finally {
      await streamA.close();
    }
  });

  test('a revoked gateway credential is cut off at once and refused, whichever replica revoked it', async (t) => {
    const cross = await joinedGateway('edge-revoked-via-a');
    const own = await joinedGateway('edge-revoked-via-b');
    const viaA = await dialRaw(replicaB.url, cross.credential);
    const viaB = await dialRaw(replicaB.url, own.credential);
    raws.push(viaA, viaB);
    // Both replicas have written them as seen, so each has had the gateway's session for a while.
    await eventually('both listed as connected', async () => {
      const both = await Promise.all([cross, own].map(async (g) => (await apiA.ok('GET', `/v1/gateways/${g.record.id}`)) as Json));
      return both.every((g) => g.status === 'connected') ? true : undefined;
    });

    let at = Date.now();
    assert.equal((await apiB.call('DELETE', `/v1/gateways/${own.record.id}`)).status, 204);
    const ownClose = await within(viaB.closed, 5000, 'the socket on the revoking replica closed');
    const ownMs = ownClose.at - at;
    assert.equal(ownClose.code, 4003);

    at = Date.now();
    assert.equal((await apiA.call('DELETE', `/v1/gateways/${cross.record.id}`)).status, 204);
    // B hears it on the store's change feed (and would at its next 10 s credential check without).
    const crossClose = await within(viaA.closed, 5000, 'the socket on the other replica closed');
    const crossMs = crossClose.at - at;
    assert.equal(crossClose.code, 4003);

    assert.equal(await upgradeStatus(replicaB.url, own.credential), 401);
    assert.equal(await upgradeStatus(replicaB.url, cross.credential), 401);
    assert.equal(await upgradeStatus(replicaA.url, cross.credential), 401);
    t.diagnostic(`revoked gateway cut off: revoked on its own replica ${ownMs} ms; revoked on the other replica ${crossMs} ms`);

    // G, whose credential stands, is still served.
    assert.equal(gateway?.process.child.exitCode, null);
    assert.equal((await apiA.ok('GET', `/v1/gateways/${gatewayRecord.id}`)).status, 'connected');
    assert.equal(await upgradeStatus(replicaA.url, readFileSync(join(gateway?.dataDir ?? '', 'credential'), 'utf8').trim()), 101, 'G’s credential still opens a socket');
  });
});
