/**
 * Two `sluice serve` replicas on one PostgreSQL, as docs/operations.md describes: A runs the
 * gateway, B runs with `--gateway none`. A disconnect accepted by B must reach the client as fast
 * as one accepted by A (the gateway's replica hears it through the store's change feed), also when
 * A's listening connection was cut just before; server changes made on B (create, revoke,
 * delete) must reach A's gateway too; both replicas' client event streams carry every event, in
 * the same order, whichever replica wrote it; and the retention sweep runs on one replica, moving
 * to the other when that one is killed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { follow } from '../support/event-stream.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { Scrape } from '../support/prometheus.ts';

const run = openvpnAvailable() && testDialects().includes('postgres') ? describe : describe.skip;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

run('replicas on one PostgreSQL, the gateway on one of them', () => {
  let database: TestDatabase;
  let withGateway: SluiceProcess;
  let withoutGateway: SluiceProcess;
  let apiA: TestApi;
  let apiB: TestApi;
  const clients: VpnClientProcess[] = [];

  before(async () => {
    database = await freshDatabase('postgres');
    const env = { SLUICE_DATABASE_URL: database.url, SLUICE_MASTER_KEY: randomBytes(32).toString('base64') };
    withGateway = await startSluice({ env });
    withoutGateway = await startSluice({ env, args: ['--gateway', 'none'] });
    apiA = await new TestApi(withGateway.url, withGateway.adminApiKey).login();
    apiB = await new TestApi(withoutGateway.url, withoutGateway.adminApiKey).login();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await withoutGateway?.stop();
    await withGateway?.stop();
    await database?.drop();
  });

  /** Connects a client, disconnects it through `api`; returns ms from the request to its exit. */
  async function disconnectThrough(api: TestApi, serverId: string, name: string, before?: () => Promise<void>): Promise<number> {
    const profile = (await apiA.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: name })).text;
    const client = startVpnClient(profile);
    clients.push(client);
    await client.connected();
    const row = await eventually(`${name} listed`, async () => ((await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?status=connected&common_name=${name}`)).clients as Json[])[0]);
    await before?.();
    const started = Date.now();
    assert.equal((await api.call('POST', `/v1/vpn_servers/${serverId}/clients/${row.id}/disconnect`)).status, 202);
    await Promise.race([client.exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} still connected 5 s after its disconnect was accepted`)), 5000))]);
    const ms = Date.now() - started;
    assert.match(client.output(), /Halt command was pushed by server/);
    await eventually(`${name} disconnected for both replicas`, async () => {
      const [a, b] = await Promise.all([apiA, apiB].map(async (x) => (await x.ok('GET', `/v1/vpn_servers/${serverId}/clients/${row.id}`)).status));
      return a === 'disconnected' && b === 'disconnected' ? true : undefined;
    });
    return ms;
  }

  test('a disconnect accepted by the replica without the gateway ends the client as fast as one accepted by the gateway’s replica', async () => {
    const server = await apiA.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.75.0.0/20', client_authentication: [{ method: 'certificate' }] });
    await eventually('server ok', async () => ((await apiB.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined));
    const viaA: number[] = [];
    const viaB: number[] = [];
    for (let round = 0; round < 4; round++) {
      // Alternate who goes first so drift on a shared machine favours neither.
      const order = round % 2 === 0 ? ['B', 'A'] : ['A', 'B'];
      for (const which of order) {
        const ms = await disconnectThrough(which === 'A' ? apiA : apiB, String(server.id), `r${round}-${which.toLowerCase()}`);
        (which === 'A' ? viaA : viaB).push(ms);
      }
    }
    process.stdout.write(`# measured: disconnect → client exit, median via gateway replica ${median(viaA)} ms (${viaA.join(', ')}), via the other ${median(viaB)} ms (${viaB.join(', ')}); ratio ${(median(viaB) / median(viaA)).toFixed(2)}\n`);
  });

  test('server changes made on the replica without the gateway reach it: create, revoke, delete', async () => {
    const server = await apiB.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.76.0.0/20', client_authentication: [{ method: 'certificate' }] });
    await eventually('created on B, running on A', async () => ((await apiB.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined));
    const pid = withGateway.openvpnPidOf(String(server.id));
    assert.ok(pid !== undefined && alive(pid));

    const profile = (await apiB.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'rex' })).text;
    const rex = startVpnClient(profile);
    clients.push(rex);
    await rex.connected();
    const certs = (await apiB.ok('GET', '/v1/certificates?limit=100')).certificates as Json[];
    const rexCert = certs.find((c) => c.kind === 'client' && c.common_name === 'rex');
    await apiB.ok('POST', `/v1/certificates/${rexCert.id}/revoke`, {});
    await Promise.race([rex.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('revoked client still connected')), 5000))]);
    // The gateway got the new CRL: the certificate cannot come back.
    await eventually('revocation in the CRL on A', async () => {
      const again = startVpnClient(profile);
      clients.push(again);
      const connected = await Promise.race([again.exited.then(() => false), again.connected().then(() => true, () => false)]);
      await again.stop();
      return connected ? undefined : true;
    });

    assert.equal((await apiB.call('DELETE', `/v1/vpn_servers/${server.id}`)).status, 202);
    await eventually('openvpn on A stopped', async () => (!alive(pid) ? true : undefined));
    await eventually('gone for A', async () => ((await apiA.call('GET', `/v1/vpn_servers/${server.id}`)).status === 404 ? true : undefined));
  });

  test('a client is listed on both replicas; disconnected through the replica without the gateway, it turns disconnected on both replicas’ event streams, in one order', async () => {
    const server = await apiB.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.77.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const id = String(server.id);
    await eventually('server ok', async () => ((await apiB.ok('GET', `/v1/vpn_servers/${id}`)).health_state === 'ok' ? true : undefined));
    const streams = [await follow(apiA, id), await follow(apiB, id)];
    try {
      const profile = (await apiB.call('POST', `/v1/vpn_servers/${id}/client_profile`, { common_name: 'sol' })).text;
      const sol = startVpnClient(profile);
      clients.push(sol);
      await sol.connected();
      const ids = await eventually('listed as connected on both replicas', async () => {
        const rows = await Promise.all([apiA, apiB].map(async (api) => ((await api.ok('GET', `/v1/vpn_servers/${id}/clients?status=connected&common_name=sol`)).clients as Json[])[0]?.id as string | undefined));
        return rows.every((r) => r !== undefined) ? rows : undefined;
      });
      assert.equal(ids[0], ids[1]);
      const clientId = String(ids[0]);
      // The gateway's replica wrote `connected`; the other replica's stream has it from the change feed.
      await eventually('connected on both streams', async () => (streams.every((s) => s.events.some((e) => e.client_id === clientId && e.type === 'connected')) ? true : undefined));

      assert.equal((await apiB.call('POST', `/v1/vpn_servers/${id}/clients/${clientId}/disconnect`)).status, 202);
      await Promise.race([sol.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('sol still connected 5 s after its disconnect was accepted')), 5000))]);
      assert.match(sol.output(), /Halt command was pushed by server/);
      for (const [i, stream] of streams.entries()) {
        const ended = await eventually(`disconnected on ${i === 0 ? 'the gateway replica’s' : 'the other replica’s'} stream`, async () => stream.events.find((e) => e.client_id === clientId && e.type === 'disconnected'));
        assert.equal(ended.client?.status, 'disconnected');
      }
      const seen = streams.map((s) => s.events.filter((e) => e.client_id === clientId).map((e) => `${e.seq}:${e.type}`));
      assert.deepEqual(seen[0]?.map((x) => x.split(':')[1]), ['connected', 'disconnect_requested', 'disconnected'], 'each event once, in order');
      assert.deepEqual(seen[1], seen[0], 'both replicas stream the same events with the same ids');
    } finally {
      for (const stream of streams) await stream.close();
    }
  });

  test('after the gateway replica’s listening connection is cut, a disconnect accepted meanwhile is still carried out at once', async () => {
    const server = ((await apiA.ok('GET', '/v1/vpn_servers?limit=10')).vpn_servers as Json[]).find((s) => s.health_state === 'ok');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const name = new URL(database.url).pathname.slice(1);
      const cut = async (): Promise<void> => {
        const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'sluice-change-feed' and datname = $1`, [name]);
        assert.equal(killed.rowCount, 2, 'each replica listens on one connection');
      };
      // The other replica's listener was cut too: its event stream still gets every event (resync).
      const stream = await follow(apiB, String(server.id));
      const ms = await disconnectThrough(apiB, String(server.id), 'after-cut', cut);
      await eventually('the end on the other replica’s stream', async () => (stream.events.some((e) => e.type === 'disconnected') ? true : undefined));
      assert.deepEqual(stream.events.map((e) => e.type), ['connected', 'disconnect_requested', 'disconnected']);
      await stream.close();
      process.stdout.write(`# measured: disconnect via the other replica right after the listener was cut → client exit ${ms} ms (reconnect and resync)\n`);
      // And the listener is back for the next one.
      await disconnectThrough(apiB, String(server.id), 'after-reconnect');
    } finally {
      await admin.end();
    }
  });

  test('kill -9 of the replica running the retention sweep: the other takes it over at once', async () => {
    const held = async (p: SluiceProcess, api: TestApi): Promise<number> => {
      const res = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${api.bearer()}` } });
      return new Scrape(await res.text()).value('sluice_singleton_held', { job: 'retention' });
    };
    const pair = [
      { p: withGateway, api: apiA },
      { p: withoutGateway, api: apiB },
    ];
    const states = await eventually('exactly one replica holds the singleton', async () => {
      const values = await Promise.all(pair.map((x) => held(x.p, x.api)));
      return values.filter((v) => v === 1).length === 1 && values.filter((v) => v === 0).length === 1 ? values : undefined;
    });
    const holder = pair[states.indexOf(1)]!;
    const other = pair[states.indexOf(0)]!;
    const killedAt = Date.now();
    process.kill(holder.p.pid, 'SIGKILL');
    await eventually('the other replica holds it', async () => ((await held(other.p, other.api)) === 1 ? true : undefined), 30_000);
    process.stdout.write(`# measured: singleton moved ${Date.now() - killedAt} ms after kill -9 of its holder\n`);
    assert.match(other.p.output(), /singleton held: this replica runs the retention sweep/);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const locks = await admin.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and classid = 21324 and objid = 2 and granted`);
      assert.equal(locks.rows[0]?.n, 1, 'one holder in the database');
    } finally {
      await admin.end();
    }
  });
});
