/**
 * A network partition between a gateway and its control plane, for real. The gateway (`sluice
 * gateway`, its OpenVPN and its clients) runs in a network namespace of this test's; the control
 * plane (`sluice serve` on SQLite) stays on the host's loopback. Their only path:
 *
 *   gateway ns  cp0 198.18.0.1/30 ── veth ── 198.18.0.2/30 cp0  bridge ns (net helper: expose)
 *                                                                 │ unix socket (a file)
 *                                                    host: relay ─┴→ 127.0.0.1:<serve port>
 *
 * No namespace has a route to the host's interfaces. The partition is an nftables table inside the
 * gateway namespace dropping everything on cp0 for 30 s. The clients reach OpenVPN on the
 * namespace's loopback, so the partition does not touch their tunnels. Shown: the clients stay
 * connected; both ends notice the loss, and the gateway is listed `disconnected` 30 s after it was
 * last heard; disconnects requested meanwhile are carried out when the gateway returns;
 * a client that left meanwhile has its end recorded once, dated during the partition; every event
 * of the client event stream (live and history) comes exactly once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataplaneSuiteSkipReason, netHelperIn, scratchNamespace, type ScratchNamespace } from '../dataplane/support/lab.ts';
import { relayUnixToTcp } from '../dataplane/support/pg-relay.ts';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { createReadyServer } from '../support/vpn-servers.ts';
import { follow, type Stream, type StreamEvent } from '../support/event-stream.ts';
import { eventually, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const skip = dataplaneSuiteSkipReason();
const GATEWAY_SIDE = '198.18.0.1';
const BRIDGE_SIDE = '198.18.0.2';
const BRIDGE_PORT = 8080;
const LINK = 'cp0';
const PARTITION_MS = 30_000;
/**
 * A gateway is listed `disconnected` 30 s after it was last heard, which is before the partition
 * began: by its end, give or take a poll.
 */
const LISTED_WITHIN_MS = PARTITION_MS + 3_000;

const PARTITION_RULES = `table inet partition {
  chain in { type filter hook input priority 0; iifname "${LINK}" drop; }
  chain out { type filter hook output priority 0; oifname "${LINK}" drop; }
}
`;

/** Two namespaces of ours joined by one veth: the gateway's and the bridge's, nothing else. */
function buildTopology(): { gw: ScratchNamespace; bridge: ScratchNamespace } {
  const gw = scratchNamespace();
  const bridge = scratchNamespace();
  execFileSync('ip', ['link', 'add', LINK, 'netns', gw.name, 'type', 'veth', 'peer', 'name', LINK, 'netns', bridge.name]);
  for (const [ns, address] of [[gw, GATEWAY_SIDE], [bridge, BRIDGE_SIDE]] as const) {
    ns.run('ip', ['link', 'set', 'lo', 'up']);
    ns.run('ip', ['addr', 'add', `${address}/30`, 'dev', LINK]);
    ns.run('ip', ['link', 'set', LINK, 'up']);
  }
  return { gw, bridge };
}

/** Runs `body` while the gateway's namespace drops all traffic on its link; heals even when `body` fails. */
async function partitioned<T>(gw: ScratchNamespace, body: (since: number) => Promise<T>): Promise<{ result: T; since: number; healedAt: number }> {
  const since = Date.now();
  gw.run('nft', ['-f', '-'], PARTITION_RULES);
  let result: T;
  try {
    result = await body(since);
  } finally {
    gw.run('nft', ['delete', 'table', 'inet', 'partition']);
  }
  return { result, since, healedAt: Date.now() };
}

/** The client's events on a stream, as their types in order. */
const typesOf = (events: StreamEvent[], clientId: string): string[] => events.filter((e) => e.client_id === clientId).map((e) => e.type);

describe('a network partition between a gateway and its control plane', { skip }, () => {
  let dir: string;
  let gw: ScratchNamespace | undefined;
  let bridge: ScratchNamespace | undefined;
  let relay: { close(): Promise<void> } | undefined;
  let sluice: SluiceProcess | undefined;
  let api: TestApi;
  let gateway: GatewayProcess | undefined;
  let gatewayRecord: Json;
  let server: Json;
  let stream: Stream | undefined;
  const clients: VpnClientProcess[] = [];

  const serverPath = (): string => `/v1/vpn_servers/${server.id}`;
  const clientRecord = async (id: string): Promise<Json> => api.ok('GET', `${serverPath()}/clients/${id}`);
  const gatewayStatus = async (): Promise<string> => String((await api.ok('GET', `/v1/gateways/${gatewayRecord.id}`)).status);

  /** A stock OpenVPN client in the gateway's namespace, on its loopback: outside the partition. */
  const connect = async (commonName: string): Promise<{ client: VpnClientProcess; id: string }> => {
    const profile = (await api.call('POST', `${serverPath()}/client_profile`, { common_name: commonName })).text;
    const client = startVpnClient(profile, undefined, { netns: gw?.name, extraArgs: ['--dev', 'null', '--ifconfig-noexec', '--route-noexec'] });
    clients.push(client);
    await client.connected(30_000);
    const row = await eventually(`${commonName} listed as connected`, async () => {
      const rows = (await api.ok('GET', `${serverPath()}/clients?limit=100&common_name=${commonName}`)).clients as Json[];
      return rows[0]?.status === 'connected' ? rows[0] : undefined;
    });
    return { client, id: String(row.id) };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-partition-'));
    ({ gw, bridge } = buildTopology());
    // The network rule, checked: the gateway's only route is the /30 to the bridge.
    assert.deepEqual(gw.run('ip', ['-4', 'route', 'show']).trim().split('\n'), [`198.18.0.0/30 dev ${LINK} proto kernel scope link src ${GATEWAY_SIDE} `.trim()]);

    sluice = await startSluice();
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    const socket = join(dir, 'control-plane.sock');
    relay = await relayUnixToTcp(socket, '127.0.0.1', Number(new URL(sluice.url).port));
    const exposed = await netHelperIn(bridge).send('expose', { host: BRIDGE_SIDE, port: BRIDGE_PORT, path: socket });
    assert.ok(exposed.ok, exposed.error);

    gatewayRecord = await api.ok('POST', '/v1/gateways', { name: 'edge-partitioned', host: '127.0.0.1' });
    gateway = await startGateway({ controlPlane: `http://${BRIDGE_SIDE}:${BRIDGE_PORT}`, joinToken: gatewayRecord.join_token.token, netns: gw.name });
    // TCP: the gateway's OpenVPN sees a client leave at once (UDP would wait for the keepalive).
    server = await createReadyServer(api, { protocol: 'tcp', client_ip_pool: '100.64.80.0/20', client_authentication: [{ method: 'certificate' }], subnets: [{ id: gatewayRecord.subnet.id }] });
    assert.equal(gateway.openvpnPids().length, 1, 'the gateway runs the server placed on it');
  });

  after(async () => {
    await stream?.close();
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    // Removing a namespace kills whatever still runs in it (the bridge's helper, any straggler).
    gw?.remove();
    bridge?.remove();
    await relay?.close();
    await sluice?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('clients stay up for 30 s of dropped traffic; what happened meanwhile is carried out and recorded once on return', { timeout: 240_000 }, async (t) => {
    assert.ok(gw && gateway);
    const running = gateway;
    stream = await follow(api, String(server.id));
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    const dave = await connect('dave');
    const aliceBefore = await clientRecord(alice.id);
    assert.equal(await gatewayStatus(), 'connected');
    const openvpnLog = join(running.dataDir, 'gateway', String(server.id), 'openvpn.log');
    const lostCount = (): number => (running.output().match(/lost the control plane|the control plane went silent/g) ?? []).length;
    assert.equal(lostCount(), 0);

    const { result: during, since: partitionAt, healedAt: back } = await partitioned(gw, async (cutAt) => {
      // At once: the control plane still holds the socket, so bob's kill notice goes into the void.
      assert.equal((await api.call('POST', `${serverPath()}/clients/${bob.id}/disconnect`)).status, 202);
      assert.equal((await clientRecord(bob.id)).status, 'connected', 'recorded as an intent only');
      await carol.client.stop();
      await eventually('carol gone from the gateway’s OpenVPN', async () => (/carol\/[\d.]+:\d+ .*(Connection reset|client-instance exiting)/.test(readFileSync(openvpnLog, 'utf8')) ? true : undefined));
      const carolLeftAt = Date.now();

      await eventually('the gateway noticed', async () => (lostCount() > 0 ? true : undefined), 25_000, 100);
      const gatewayNoticedMs = Date.now() - cutAt;
      const degraded = await eventually('the control plane noticed: the server degraded, its gateway disconnected', async () => {
        const s = await api.ok('GET', serverPath());
        return s.health_state === 'degraded' ? s : undefined;
      }, 25_000, 100);
      const controlPlaneNoticedMs = Date.now() - cutAt;
      assert.match(JSON.stringify(degraded), /gateway_disconnected/);
      const lastSeen = String((await api.ok('GET', `/v1/gateways/${gatewayRecord.id}`)).last_seen_at);
      assert.ok(Date.parse(lastSeen) <= cutAt + 1000, `last seen ${lastSeen}: when it was last heard, before the partition, not when it was cut off`);

      // Now there is no socket at all: dave's disconnect can only wait in the store.
      assert.equal((await api.call('POST', `${serverPath()}/clients/${dave.id}/disconnect`)).status, 202);

      // Until the partition has lasted its 30 s, and the gateway is listed disconnected: every
      // tunnel (their keepalives run over the namespace's loopback) and the gateway's OpenVPN stay.
      const stillUp = (): boolean => [alice, bob, dave].every((c) => c.client.isRunning()) && running.openvpnPids().every(alive) && running.process.child.exitCode === null;
      let listedDisconnectedMs: number | undefined;
      const listedMs = await eventually('30 s of partition, the gateway listed disconnected', async () => {
        assert.ok(stillUp(), 'the clients and the gateway’s OpenVPN stay up while cut off');
        if (listedDisconnectedMs === undefined && (await gatewayStatus()) === 'disconnected') listedDisconnectedMs = Date.now() - cutAt;
        return listedDisconnectedMs !== undefined && Date.now() - cutAt >= PARTITION_MS ? listedDisconnectedMs : undefined;
      }, LISTED_WITHIN_MS, 200);
      for (const c of [alice, bob, dave]) assert.equal((await clientRecord(c.id)).status, 'connected', 'nothing decided while cut off');
      return { carolLeftAt, gatewayNoticedMs, controlPlaneNoticedMs, listedMs };
    });

    await running.connections(2, 60_000);
    const reconnectMs = Date.now() - back;
    await Promise.all([bob, dave].map(async ({ client }) => {
      const code = await Promise.race([client.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref())]);
      assert.notEqual(code, 'timeout', `halted after the return:\n${client.output().slice(-2000)}`);
      assert.match(client.output(), /Halt command was pushed by server/);
    }));
    const haltedMs = Date.now() - back;
    await eventually('bob and dave recorded disconnected', async () => {
      const rows = await Promise.all([bob, dave].map((c) => clientRecord(c.id)));
      return rows.every((r) => r.status === 'disconnected') ? true : undefined;
    }, 15_000);
    const recordedMs = Date.now() - back;

    const carolRow = await eventually('carol’s end recorded', async () => {
      const row = await clientRecord(carol.id);
      return row.status === 'disconnected' ? row : undefined;
    }, 15_000);
    const endedAt = Date.parse(String(carolRow.disconnected_at));
    assert.ok(endedAt >= partitionAt && endedAt <= during.carolLeftAt, `carol's end dated when she left, during the partition (${carolRow.disconnected_at})`);

    // alice never noticed: one session, one record, still running.
    const aliceAfter = await clientRecord(alice.id);
    assert.equal(aliceAfter.status, 'connected');
    assert.equal(aliceAfter.created_at, aliceBefore.created_at);
    assert.ok(alice.client.isRunning());
    assert.equal(alice.client.output().match(/Initialization Sequence Completed/g)?.length, 1, 'alice’s tunnel was never re-established');
    assert.doesNotMatch(alice.client.output(), /SIGUSR1|Restart pause/);
    const rows = (await api.ok('GET', `${serverPath()}/clients?limit=100`)).clients as Json[];
    assert.deepEqual(rows.map((r) => `${r.common_name}:${r.status}`).sort(), ['alice:connected', 'bob:disconnected', 'carol:disconnected', 'dave:disconnected']);
    await eventually('the gateway listed connected and the server ok again', async () => {
      const s = await api.ok('GET', serverPath());
      return s.health_state === 'ok' && (await gatewayStatus()) === 'connected' ? true : undefined;
    }, 30_000);

    // Each fact exactly once, on the live stream (open all along) and in the history.
    const expected: Record<string, string[]> = {
      [alice.id]: ['connected'],
      [bob.id]: ['connected', 'disconnect_requested', 'disconnected'],
      [carol.id]: ['connected', 'disconnected'],
      [dave.id]: ['connected', 'disconnect_requested', 'disconnected'],
    };
    const live = stream;
    await eventually('every event on the live stream', async () => (Object.entries(expected).every(([id, types]) => typesOf(live.events, id).length >= types.length) ? true : undefined));
    const history = await follow(api, String(server.id), 0);
    try {
      await eventually('the whole history', async () => (Object.entries(expected).every(([id, types]) => typesOf(history.events, id).length >= types.length) ? true : undefined));
      for (const [name, events] of [['live stream', live.events], ['history', history.events]] as const) {
        for (const [id, types] of Object.entries(expected)) assert.deepEqual(typesOf(events, id), types, `${name}: each event of ${id} once, in order`);
        assert.equal(new Set(events.map((e) => e.seq)).size, events.length, `${name}: no event id twice`);
      }
      assert.deepEqual(history.events.map((e) => e.seq), live.events.map((e) => e.seq), 'the history is what the live stream saw');
    } finally {
      await history.close();
    }

    t.diagnostic(`partition held ${back - partitionAt} ms; noticed by the gateway after ${during.gatewayNoticedMs} ms, by the control plane (server degraded) after ${during.controlPlaneNoticedMs} ms, gateway listed disconnected after ${during.listedMs} ms`);
    t.diagnostic(`after the partition ended: gateway reconnected in ${reconnectMs} ms, disconnects carried out (clients halted) in ${haltedMs} ms, recorded disconnected in ${recordedMs} ms`);
  });
});
