/**
 * High availability: one VPN server on two gateway hosts (two real `sluice gateway` processes on
 * their own loopback addresses, each with its own OpenVPN), real clients with the profile that
 * names both. Then one gateway host dies (`kill -9` of the gateway and its OpenVPN): its clients
 * reconnect to the other by OpenVPN's own retry, the server says `degraded`, the records follow —
 * old sessions ended, new ones connected, none twice — and the gateway returns and reconciles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;
const ADDRESSES = ['127.0.0.2', '127.0.0.3'] as const;
const CLIENTS = 6;

interface Edge {
  record: Json;
  address: string;
  process: GatewayProcess;
}

const connectedTo = (client: VpnClientProcess): string | undefined => [...client.output().matchAll(/Peer Connection Initiated with \[AF_INET\]([\d.]+):\d+/g)].at(-1)?.[1];
const connections = (client: VpnClientProcess): number => client.output().split('Initialization Sequence Completed').length - 1;

run('a VPN server on two gateways (high availability)', () => {
  let sluice: SluiceProcess;
  let api: TestApi;
  const edges: Edge[] = [];
  const clients = new Map<string, VpnClientProcess>();
  let server: Json;

  const startEdge = async (record: Json, address: string, dataDir?: string): Promise<GatewayProcess> =>
    startGateway({ controlPlane: sluice.url, ...(dataDir ? { dataDir } : { joinToken: record.join_token.token }), env: { SLUICE_GATEWAY_LISTEN_ADDRESS: address, SLUICE_GATEWAY_DEVICE_TAG: address.slice(-1) } });
  const serverState = async (): Promise<Json> => api.ok('GET', `/v1/vpn_servers/${server.id}`);
  const records = async (): Promise<Json[]> => (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?limit=100`)).clients;

  before(async () => {
    sluice = await startSluice();
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    for (const [i, address] of ADDRESSES.entries()) {
      const record = await api.ok('POST', '/v1/gateways', { name: `edge-${i}`, host: address });
      edges.push({ record, address, process: await startEdge(record, address) });
    }
  });
  after(async () => {
    await Promise.all([...clients.values()].map((c) => c.stop()));
    for (const edge of edges) {
      await edge.process.stop();
      rmSync(edge.process.dataDir, { recursive: true, force: true });
    }
    await sluice?.stop();
  });

  test('both gateways serve it with half the pool each; the profile names both; a disconnect finds the session', async () => {
    server = await api.ok('POST', '/v1/vpn_servers', {
      port: await freeUdpPort(),
      client_ip_pool: '10.81.0.0/20',
      client_authentication: [{ method: 'certificate' }],
      subnets: edges.map((edge) => ({ id: edge.record.subnet.id })),
    });
    let last: Json;
    await eventually('the server ok on both gateways', async () => {
      last = await serverState();
      return last.lifecycle_state === 'stable' && last.health_state === 'ok' ? last : undefined;
    }, 60_000).catch((error: unknown) => {
      const logs = edges.map((edge) => {
        try {
          return readFileSync(join(edge.process.dataDir, 'gateway', String(server.id), 'openvpn.log'), 'utf8').slice(-2000) + readFileSync(join(edge.process.dataDir, 'gateway', String(server.id), 'server.conf'), 'utf8');
        } catch (e) {
          return String(e);
        }
      });
      throw new Error(`${String(error)}; last state ${JSON.stringify(last)}\n${logs.join('\n----\n')}`);
    });
    for (const edge of edges) assert.equal(edge.process.openvpnPids().length, 1, `${edge.address} runs an OpenVPN for the server`);
    assert.equal((await serverState()).hostname, ADDRESSES[0], 'hostname: the first gateway’s host');

    const profile = (await api.call('GET', `/v1/vpn_servers/${server.id}/client_configuration`)).text;
    for (const address of ADDRESSES) assert.match(profile, new RegExp(`^remote ${address.replace(/\./g, '\\.')} ${server.port}$`, 'm'));
    assert.match(profile, /^remote-random$/m);

    for (let i = 0; i < CLIENTS; i += 1) {
      const issued = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: `ha-${i}` })).text;
      const client = startVpnClient(issued, undefined, { persistent: true });
      clients.set(`ha-${i}`, client);
    }
    await Promise.all([...clients.values()].map((c) => c.connected(30_000)));
    const listed = await eventually('every client listed', async () => {
      const rows = (await records()).filter((r) => r.status === 'connected');
      return rows.length === CLIENTS ? rows : undefined;
    });
    assert.equal(new Set(listed.map((r) => r.client_ip.address)).size, CLIENTS, 'no address handed out twice');
    for (const row of listed) {
      const client = clients.get(row.common_name);
      const half = connectedTo(client!) === ADDRESSES[0] ? /^10\.81\.[0-7]\./ : /^10\.81\.(8|9|1[0-5])\./;
      assert.match(row.client_ip.address, half, `${row.common_name} got an address from its gateway's half of the pool`);
    }

    const [victim] = listed;
    assert.equal((await api.call('POST', `/v1/vpn_servers/${server.id}/clients/${victim.id}/disconnect`)).status, 202);
    const halted = clients.get(victim.common_name)!;
    await eventually('the disconnected client halted', async () => (halted.isRunning() ? undefined : true), 10_000);
    clients.delete(victim.common_name);
    await eventually('its record disconnected', async () => ((await records()).find((r) => r.id === victim.id)?.status === 'disconnected' ? true : undefined), 10_000);
  });

  test('kill -9 of one gateway host: its clients move to the other, the server is degraded, the records follow', async (t) => {
    const on = (address: string): string[] => [...clients].filter(([, c]) => connectedTo(c) === address).map(([name]) => name);
    const dying = edges.reduce((a, b) => (on(a.address).length >= on(b.address).length ? a : b));
    const moving = on(dying.address);
    assert.ok(moving.length > 0, 'the gateway that dies carries clients');
    const before = new Map(moving.map((name) => [name, connections(clients.get(name)!)]));

    const killedAt = Date.now();
    const openvpn = dying.process.openvpnPids();
    process.kill(dying.process.pid, 'SIGKILL');
    for (const pid of openvpn) process.kill(pid, 'SIGKILL');

    const degraded = await eventually('the server degraded', async () => {
      const s = await serverState();
      return s.health_state === 'degraded' ? s : undefined;
    }, 20_000);
    assert.equal(degraded.health_reasons[0]?.code, 'gateway_disconnected');
    assert.match(degraded.health_reasons[0]?.message, new RegExp(String(dying.record.name)));

    await eventually('every client of the dead gateway reconnected through the other', async () =>
      moving.every((name) => {
        const client = clients.get(name)!;
        return connections(client) > (before.get(name) ?? 0) && connectedTo(client) !== dying.address;
      }) ? true : undefined, 90_000, 200);
    t.diagnostic(`failover: ${moving.length} client(s) reconnected to the other gateway ${Date.now() - killedAt} ms after kill -9 (keepalive 4 12)`);

    await eventually('records: each client connected once, the old sessions ended', async () => {
      const rows = await records();
      const connected = rows.filter((r) => r.status === 'connected');
      const names = connected.map((r) => r.common_name).sort();
      const ended = rows.filter((r) => moving.includes(r.common_name) && r.status === 'disconnected');
      return names.length === clients.size && new Set(names).size === names.length && ended.length === moving.length ? true : undefined;
    }, 20_000);
  });

  test('the gateway returns, reconciles, and the server is ok again', async () => {
    const dead = edges.find((edge) => edge.process.process.child.exitCode !== null || edge.process.process.child.signalCode !== null);
    assert.ok(dead);
    dead.process = await startEdge(dead.record, dead.address, dead.process.dataDir);
    await eventually('the server ok again', async () => ((await serverState()).health_state === 'ok' ? true : undefined), 60_000);
    assert.equal(dead.process.openvpnPids().length, 1);
    const connected = (await records()).filter((r) => r.status === 'connected');
    assert.equal(connected.length, clients.size, 'no phantom, no lost session');
  });
});
