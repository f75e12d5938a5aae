/**
 * The data plane end to end, in network namespaces this test makes (support/lab.ts): `sluice
 * serve` in the gateway namespace with real tun devices and its nftables tables, stock OpenVPN
 * clients in client namespaces using profiles from the API (changed only by command-line flags),
 * and real TCP to small servers in the networks behind. On SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { adminPgUrl, freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { allowedSetName, tableName } from '../../src/gateway/dataplane/names.ts';
import { ADDRESSES, Lab, dataplaneSuiteSkipReason, type Place } from './support/lab.ts';
import { relayPostgres } from './support/pg-relay.ts';

const skip = dataplaneSuiteSkipReason();
const run = skip === undefined ? describe : describe.skip;
const PORT = 8080;

for (const dialect of testDialects()) {
  run(`data plane in network namespaces (${dialect})`, () => {
    let lab: Lab;
    let dir: string;
    let database: TestDatabase | undefined;
    let pg: Awaited<ReturnType<typeof relayPostgres>> | undefined;
    let env: Record<string, string>;
    let sluice: SluiceProcess | undefined;
    let api: TestApi;
    let relays = 0;
    const clients: VpnClientProcess[] = [];

    /** `sluice serve` in the gateway namespace, reached through a unix socket relay. */
    async function serve(extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<{ process: SluiceProcess; api: TestApi }> {
      const process = await startSluice({ netns: lab.ns.gateway, dataDir: join(dir, 'data'), env: { ...env, ...extra.env }, ...(extra.args && { args: extra.args }) });
      const socket = join(dir, `api-${++relays}.sock`);
      const relayed = await lab.helper('gateway').send('relay', { path: socket, host: '127.0.0.1', port: Number(new URL(process.url).port) });
      assert.ok(relayed.ok, relayed.error);
      return { process, api: await new TestApi(process.url, process.adminApiKey, socket).login() };
    }

    async function createServer(body: Record<string, unknown>): Promise<Json> {
      const server = await api.ok('POST', '/v1/vpn_servers', { client_authentication: [{ method: 'certificate' }], ...body });
      return eventually(
        `server ${server.id} stable and healthy`,
        async () => {
          const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
          return s.lifecycle_state === 'stable' && s.health_state === 'ok' ? s : undefined;
        },
        30_000,
      );
    }

    const addRoute = (serverId: string, body: Record<string, unknown>): Promise<Json> => api.ok('POST', `/v1/vpn_servers/${serverId}/routes`, body);

    async function connectClient(place: Place, profile: string, options: { credentials?: { username: string; password: string }; extraArgs?: string[] } = {}): Promise<VpnClientProcess> {
      const client = startVpnClient(profile, options.credentials, { netns: lab.ns[place], extraArgs: options.extraArgs ?? [] });
      clients.push(client);
      // Generous: on a loaded machine a TLS handshake can miss OpenVPN's first retry window.
      await client.connected(60_000);
      return client;
    }

    async function clientRow(serverId: string, filter: string): Promise<Json> {
      return eventually(`client ${filter} listed`, async () => (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?status=connected&${filter}`)).clients[0], 15_000);
    }

    /**
     * Polls TCP from `place` until it is (or is not) answered within `deadlineMs` of `since`; returns
     * when the first probe showing it started (the change happened before that). A probe that
     * should fail waits a full second, so a slow answer is not taken for a dropped one.
     */
    async function reachableWithin(place: Place, host: string, want: boolean, since: number, deadlineMs: number): Promise<number> {
      for (;;) {
        const started = Date.now();
        const result = await lab.helper(place).connect(host, PORT, want ? 250 : 1000);
        if (result.ok === want) {
          assert.ok(started - since <= deadlineMs, `${host} from ${place}: ${want ? 'reachable' : 'unreachable'} only after ${started - since} ms (deadline ${deadlineMs} ms)`);
          return started - since;
        }
        if (Date.now() - since > deadlineMs) throw new Error(`${host} from ${place}: still ${want ? 'unreachable' : 'reachable'} after ${deadlineMs} ms (${result.error ?? result.seen})\n${diagnosis(place)}`);
      }
    }

    /** What the gateway and the client have, for a failure message. */
    function diagnosis(place: Place): string {
      const tables = lab.tables().filter((t) => t.includes('sluice_'));
      const listings = tables.map((t) => lab.nft('list', 'table', ...t.split(' '))).join('\n');
      const log = sluice?.output().split('\n').filter((l) => /gateway/.test(l)).slice(-40).join('\n') ?? '';
      return `${place} routes:\n${lab.ip(place, 'route')}\ngateway:\n${listings}\nlog:\n${log}`;
    }

    const stopClient = async (client: VpnClientProcess): Promise<void> => {
      await client.stop();
      clients.splice(clients.indexOf(client), 1);
    };

    before(async () => {
      lab = Lab.create();
      dir = mkdtempSync(join(tmpdir(), 'sluice-dp-'));
      chmodSync(dir, 0o700);
      env = { SLUICE_DATAPLANE: 'nftables', SLUICE_OPENVPN_ARGS: '', SLUICE_PUBLIC_HOST: ADDRESSES.gatewayPublic, SLUICE_SWEEP_INTERVAL_MS: '500' };
      if (dialect === 'postgres') {
        database = await freshDatabase('postgres');
        pg = await relayPostgres(dir, new URL(adminPgUrl()));
        env.SLUICE_DATABASE_URL = pg.url(new URL(database.url).pathname.slice(1));
      }
      ({ process: sluice, api } = await serve());
      for (const place of ['behind1', 'behind2'] as const) assert.ok((await lab.helper(place).send('listen', { port: PORT })).ok);
    });

    after(async () => {
      await Promise.all(clients.map((c) => c.stop()));
      await sluice?.stop({ keepDataDir: true });
      lab?.destroy();
      await pg?.close();
      await database?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('split tunnel: translate shows the gateway, deliver the client; drop and unrouted are dropped at the gateway', async () => {
      const server = await createServer({ client_ip_pool: '100.64.0.0/22', port: 1194, enable_split_tunneling: true });
      await addRoute(server.id, { destination: '198.18.1.0/24', action: 'deliver', name: 'behind-one' });
      await addRoute(server.id, { destination: '198.18.1.128/25', action: 'drop', name: 'carved-out' });
      await addRoute(server.id, { destination: '198.18.2.0/24', action: 'translate', name: 'behind-two' });
      const table = tableName(server.id);
      assert.ok(lab.tables().includes(`inet ${table}`), 'the server has its table');

      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind1, PORT)).ok, false, 'without the tunnel nothing behind the gateway is reachable');
      const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'alice' })).text;
      // The user adds a route the server does not push: into the tunnel it goes, and no further.
      const client = await connectClient('clientA', profile, { extraArgs: ['--route', '198.18.3.0', '255.255.255.0'] });
      const row = await clientRow(server.id, 'common_name=alice');

      const translated = await eventually('translate reachable', async () => {
        const r = await lab.helper('clientA').connect(ADDRESSES.behind2, PORT);
        return r.ok ? r : undefined;
      });
      assert.equal(translated.seen, ADDRESSES.gatewayToBehind2, 'translate: the network behind sees the gateway');
      const delivered = await lab.helper('clientA').connect(ADDRESSES.behind1, PORT);
      assert.equal(delivered.ok, true, `deliver: reachable (${delivered.error})`);
      assert.equal(delivered.seen, row.client_ip.address, 'deliver: the network behind sees the client');

      const stale = lab.counter(table, 'unrouted');
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind1Dropped, PORT)).error, 'timeout', 'a drop route inside a deliver route wins (longest prefix)');
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.unrouted, PORT)).error, 'timeout', 'no route: dropped');
      assert.ok(lab.counter(table, 'unrouted') > stale, 'the unrouted packets reached the gateway and were dropped there');
      assert.match(lab.run('clientA', 'ip', 'route', 'get', ADDRESSES.unrouted), /dev tun/, 'the client sent them into the tunnel');

      const routes = await eventually(
        'per-route counters',
        async () => {
          const list = (await api.ok('GET', `/v1/vpn_servers/${server.id}/routes`)).routes as Json[];
          return list.every((r) => typeof r.packets === 'number' && r.packets > 0) ? list : undefined;
        },
        30_000,
      );
      for (const r of routes) assert.ok(r.bytes > r.packets && r.counted_at, `${r.name}: ${r.packets} packets, ${r.bytes} bytes`);
      const live = await eventually(
        'live byte counts of the connected client',
        async () => {
          const c = await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`);
          return c.status === 'connected' && c.bytes_received > 0 && c.bytes_sent > 0 ? c : undefined;
        },
        30_000,
      );
      assert.equal(live.status, 'connected');
      await stopClient(client);
    });

    test('full tunnel: unrouted is dropped; routes created and deleted while connected take effect within a second', async () => {
      const server = await createServer({ client_ip_pool: '100.64.4.0/22', port: 1195, enable_split_tunneling: false });
      await addRoute(server.id, { destination: '198.18.2.0/24', action: 'translate' });
      const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'alice' })).text;
      const client = await connectClient('clientA', profile);
      assert.match(lab.run('clientA', 'ip', 'route', 'get', ADDRESSES.behind1), /dev tun/, 'full tunnel: everything goes into the tunnel');
      await reachableWithin('clientA', ADDRESSES.behind2, true, Date.now(), 15_000);
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind1, PORT)).error, 'timeout', 'no route: dropped, full tunnel or not');

      const timings: Record<string, number> = {};
      let since = Date.now();
      const deliver = await addRoute(server.id, { destination: '198.18.1.0/24', action: 'deliver' });
      timings.create_deliver = await reachableWithin('clientA', ADDRESSES.behind1, true, since, 1000);
      since = Date.now();
      const drop = await addRoute(server.id, { destination: '198.18.1.0/25', action: 'drop' });
      timings.create_drop = await reachableWithin('clientA', ADDRESSES.behind1, false, since, 1000);
      since = Date.now();
      await api.ok('DELETE', `/v1/vpn_servers/${server.id}/routes/${drop.id}`);
      timings.delete_drop = await reachableWithin('clientA', ADDRESSES.behind1, true, since, 1000);
      since = Date.now();
      await api.ok('DELETE', `/v1/vpn_servers/${server.id}/routes/${deliver.id}`);
      timings.delete_deliver = await reachableWithin('clientA', ADDRESSES.behind1, false, since, 1000);
      process.stdout.write(`# measured: route change → effect on a connected client (ms) ${JSON.stringify(timings)}\n`);
      assert.ok(client.isRunning(), 'without reconnecting');
      await stopClient(client);
    });

    test('access: a route limited to alice is hers; bob cannot use it though it is pushed to him; the limit moves at once; a disconnect leaves nothing passing', async () => {
      const server = await createServer({ client_ip_pool: '100.64.8.0/22', port: 1196, enable_split_tunneling: true, client_authentication: [{ method: 'username' }] });
      const limited = await addRoute(server.id, { destination: '198.18.1.0/24', action: 'deliver', access: { users: ['alice'] } });
      await addRoute(server.id, { destination: '198.18.2.0/24', action: 'translate' });
      const profile = (await api.call('GET', `/v1/vpn_servers/${server.id}/client_configuration`)).text;
      const login = async (name: string): Promise<{ username: string; password: string }> => {
        const user = await api.ok('POST', '/v1/users', { name, roles: [{ role: 'VPNClient', vpn_server_id: server.id }] });
        const key = await api.ok('POST', `/v1/users/${user.id}/api_keys`, { name: 'laptop' });
        const own = await new TestApi(api.base, key.apikey, join(dir, `api-${relays}.sock`)).login();
        return { username: name, password: (await own.ok('POST', '/identity/passcode')).passcode };
      };
      await connectClient('clientA', profile, { credentials: await login('alice') });
      const bob = await connectClient('clientB', profile, { credentials: await login('bob') });
      const bobRow = await clientRow(server.id, 'username=bob');
      const table = tableName(server.id);

      await reachableWithin('clientA', ADDRESSES.behind1, true, Date.now(), 15_000);
      assert.match(lab.run('clientB', 'ip', 'route', 'get', ADDRESSES.behind1), /dev tun/, 'the route is pushed to bob too');
      assert.equal((await lab.helper('clientB').connect(ADDRESSES.behind1, PORT)).error, 'timeout', 'but bob may not use it');
      assert.equal((await lab.helper('clientB').connect(ADDRESSES.behind2, PORT)).ok, true, 'a route without access is everyone\'s');
      await eventually('denied packets counted', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}/routes/${limited.id}`)).denied_packets > 0 ? true : undefined), 30_000);

      const since = Date.now();
      await api.ok('PATCH', `/v1/vpn_servers/${server.id}/routes/${limited.id}`, { access: { users: ['bob'] } });
      const moved = { bob: await reachableWithin('clientB', ADDRESSES.behind1, true, since, 1000), alice: await reachableWithin('clientA', ADDRESSES.behind1, false, since, 1000) };
      process.stdout.write(`# measured: access change → effect (ms) ${JSON.stringify(moved)}\n`);

      // Bob holds a connection to behind-1, then is disconnected.
      assert.ok((await lab.helper('clientB').send('open', { name: 'bob', host: ADDRESSES.behind1, port: PORT })).ok);
      const address = bobRow.client_ip.address as string;
      assert.ok(lab.setElements(table, 'sessions').includes(address));
      assert.ok(lab.setElements(table, allowedSetName(limited.id)).includes(address));
      await api.ok('POST', `/v1/vpn_servers/${server.id}/clients/${bobRow.id}/disconnect`);
      await eventually('bob\'s address out of every set', async () => (lab.setElements(table, 'sessions').includes(address) || lab.setElements(table, allowedSetName(limited.id)).includes(address) ? undefined : true), 10_000, 20);
      const record = await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${bobRow.id}`);
      assert.equal(record.status, 'connected', 'removed at once, before OpenVPN reports the end (≈5 s after a kill)');
      await bob.exited;
      assert.throws(() => lab.ip('clientB', 'link', 'show', 'tun0'), 'the client\'s tunnel is gone');
      const before = lab.counter(table, 'stale');
      await eventually(
        'behind-1 writing to bob\'s old flow is dropped at the gateway',
        async () => {
          await lab.helper('behind1').send('push', { port: PORT, data: 'anyone there?\n' });
          return lab.counter(table, 'stale') > before ? true : undefined;
        },
        10_000,
        200,
      );
      await eventually('bob disconnected', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${bobRow.id}`)).status === 'disconnected' ? true : undefined), 20_000);
    });

    test('a restart of sluice serve keeps traffic flowing, restores a table changed by hand and removes the tables of servers deleted meanwhile', async () => {
      const list = (await api.ok('GET', '/v1/vpn_servers?limit=100')).vpn_servers as Json[];
      const server = list.find((s) => s.port === 1196);
      assert.ok(server, 'the access test\'s server, alice still connected');
      const table = tableName(server.id);
      const doomed = await createServer({ client_ip_pool: '100.64.12.0/22', port: 1197 });
      assert.ok(lab.tables().includes(`inet ${tableName(doomed.id)}`));
      // Alice's tunnel may still be settling from the access test (a REAUTH, a re-pushed route):
      // retry the connection until one holds, with a deadline.
      let opened: { ok: boolean; error?: string } = { ok: false, error: 'not tried' };
      await eventually(
        'alice holds a connection to behind-2',
        async () => {
          opened = await lab.helper('clientA').send('open', { name: 'alice', host: ADDRESSES.behind2, port: PORT });
          return opened.ok ? true : undefined;
        },
        20_000,
        250,
      ).catch(() => undefined);
      assert.ok(opened.ok, `${opened.error} ${JSON.stringify(lab.setElements(table, 'sessions'))} ${lab.run('clientA', 'ip', 'addr')} ${lab.nft('list', 'table', 'inet', table)}`);

      await sluice?.stop({ keepDataDir: true });
      sluice = undefined;
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind2, PORT)).ok, true, 'while sluice serve is down the ruleset stays in the kernel');
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind1, PORT)).error, 'timeout', 'and still enforces alice\'s lost access');
      lab.nft('flush', 'chain', 'inet', table, 'from_clients');
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind1, PORT)).ok, true, 'a hand edit opened a hole');

      // Meanwhile a control plane without a gateway deletes a server: its table is left behind.
      const apiOnly = await serve({ args: ['--gateway', 'none'] });
      await apiOnly.api.ok('DELETE', `/v1/vpn_servers/${doomed.id}`);
      await eventually('deleted', async () => ((await apiOnly.api.call('GET', `/v1/vpn_servers/${doomed.id}`)).status === 404 ? true : undefined));
      await apiOnly.process.stop({ keepDataDir: true });
      const doomedPid = apiOnly.process.openvpnPidOf(doomed.id);
      if (doomedPid !== undefined) await killAll([doomedPid]);
      assert.ok(lab.tables().includes(`inet ${tableName(doomed.id)}`));

      ({ process: sluice, api } = await serve());
      const served = Date.now();
      const restored = await reachableWithin('clientA', ADDRESSES.behind1, false, served, 15_000);
      process.stdout.write(`# measured: sluice serve ready → drifted table restored in ${restored} ms\n`);
      assert.ok(!lab.tables().includes(`inet ${tableName(doomed.id)}`), 'the deleted server\'s table is gone');
      assert.ok(lab.tables().includes('inet lab_host'), 'the host\'s own table is untouched');
      const before = (await lab.helper('clientA').send<{ received: number }>('received', { name: 'alice' })).received;
      await lab.helper('behind2').send('push', { port: PORT, data: 'still here\n' });
      await eventually('alice\'s connection from before the restart still carries data', async () => {
        const now = await lab.helper('clientA').send<{ received: number; closed: boolean }>('received', { name: 'alice' });
        return now.received > before && !now.closed ? true : undefined;
      });
      assert.equal((await lab.helper('clientA').connect(ADDRESSES.behind2, PORT)).ok, true);
    });

    test('deleting a server removes its table', async () => {
      const server = await createServer({ client_ip_pool: '100.64.16.0/22', port: 1198 });
      const table = `inet ${tableName(server.id)}`;
      assert.ok(lab.tables().includes(table));
      await api.ok('DELETE', `/v1/vpn_servers/${server.id}`);
      await eventually('table removed', async () => (lab.tables().includes(table) ? undefined : true), 20_000);
    });

    test('without nft the server still runs its sessions and says dataplane_unavailable', async () => {
      const crippled = await startSluice({ netns: lab.ns.gateway, env: { ...env, SLUICE_NFT_BINARY: '/nonexistent/nft', SLUICE_DATABASE_URL: '' } });
      try {
        const socket = join(dir, 'api-crippled.sock');
        assert.ok((await lab.helper('gateway').send('relay', { path: socket, host: '127.0.0.1', port: Number(new URL(crippled.url).port) })).ok);
        const own = await new TestApi(crippled.url, crippled.adminApiKey, socket).login();
        const server = await own.ok('POST', '/v1/vpn_servers', { client_ip_pool: '100.64.20.0/22', port: 1199, client_authentication: [{ method: 'certificate' }] });
        const degraded = await eventually(
          'degraded',
          async () => {
            const s = await own.ok('GET', `/v1/vpn_servers/${server.id}`);
            return s.lifecycle_state === 'stable' && s.health_state === 'degraded' ? s : undefined;
          },
          30_000,
        );
        assert.equal(degraded.health_reasons[0].code, 'dataplane_unavailable');
        assert.match(degraded.health_reasons[0].message, /\/nonexistent\/nft was not found/);
        const profile = (await own.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'carol' })).text;
        const carol = await connectClient('clientB', profile);
        await eventually('carol listed', async () => ((await own.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients.length === 1 ? true : undefined));
        await stopClient(carol);
      } finally {
        await crippled.stop();
      }
    });
  });
}
