/**
 * A gateway on its own host: a real `sluice gateway` process dials a real `sluice serve`, runs the
 * VPN server placed on it with a real OpenVPN, and real clients connect through it. The control
 * plane lists them and disconnects them; while the control plane is away the gateway keeps its
 * users connected and reports what happened when it returns; a revoked gateway is cut off.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { alive, killAll, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { createReadyServer } from '../support/vpn-servers.ts';
import { eventually, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;

const createServer = (api: TestApi, body: Record<string, unknown>): Promise<Json> => createReadyServer(api, { client_authentication: [{ method: 'certificate' }], ...body });

const clientsOf = async (api: TestApi, serverId: string): Promise<Json[]> => (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=100`)).clients;
const clientNamed = async (api: TestApi, serverId: string, commonName: string): Promise<Json | undefined> => (await clientsOf(api, serverId)).find((c) => c.common_name === commonName);

run('a gateway on its own host', () => {
  let sluice: SluiceProcess;
  let api: TestApi;
  let gateway: GatewayProcess | undefined;
  let gatewayRecord: Json;
  let remoteServer: Json;
  const clients: VpnClientProcess[] = [];

  const connect = async (serverId: string, commonName: string): Promise<VpnClientProcess> => {
    const profile = (await api.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: commonName })).text;
    const client = startVpnClient(profile);
    clients.push(client);
    await client.connected(30_000);
    return client;
  };

  before(async () => {
    sluice = await startSluice({ env: { SLUICE_SWEEP_INTERVAL_MS: '200' } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    await sluice?.stop();
  });

  test('joins with a one-time token, runs only the server placed on it, and its clients are listed and disconnected', async (t) => {
    gatewayRecord = await api.ok('POST', '/v1/gateways', { name: 'edge-1', host: '127.0.0.1' });
    assert.match(gatewayRecord.join_token.token, /^sjt_/);
    gateway = await startGateway({ controlPlane: sluice.url, joinToken: gatewayRecord.join_token.token });
    assert.equal(statSync(join(gateway.dataDir, 'credential')).mode & 0o777, 0o600, 'the credential is readable by its owner only');
    const spent = await fetch(`${sluice.url}/gateway/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ join_token: gatewayRecord.join_token.token }) });
    assert.equal(spent.status, 401, 'a join token is good for one join');

    remoteServer = await createServer(api, { client_ip_pool: '10.71.0.0/20', subnets: [{ id: gatewayRecord.subnet.id }] });
    const localServer = await createServer(api, { client_ip_pool: '10.72.0.0/20' });
    assert.equal(gateway.openvpnPids().length, 1, 'the gateway runs the server placed on it');
    assert.equal(sluice.openvpnPids().length, 1, 'the embedded gateway runs only the other one');
    assert.notEqual(gateway.openvpnPids()[0], sluice.openvpnPidOf(String(localServer.id)));

    const listed = await eventually('the gateway listed as connected', async () => {
      const g = await api.ok('GET', `/v1/gateways/${gatewayRecord.id}`);
      return g.status === 'connected' && g.vpn_servers === 1 ? g : undefined;
    });
    assert.equal(typeof listed.version, 'string');

    const alice = await connect(String(remoteServer.id), 'alice');
    const row = await eventually('alice listed', () => clientNamed(api, String(remoteServer.id), 'alice'));
    assert.equal(row.status, 'connected');
    assert.equal(row.remote_ip.address, '127.0.0.1');
    const requested = Date.now();
    assert.equal((await api.call('POST', `/v1/vpn_servers/${remoteServer.id}/clients/${row.id}/disconnect`)).status, 202);
    await eventually('alice halted', async () => (alice.isRunning() ? undefined : true), 10_000);
    await eventually('alice recorded disconnected', async () => ((await clientNamed(api, String(remoteServer.id), 'alice'))?.status === 'disconnected' ? true : undefined), 10_000);
    t.diagnostic(`disconnect through a gateway host: request → record disconnected in ${Date.now() - requested} ms`);
  });

  test('while the control plane is away the gateway keeps its users, and reports what ended meanwhile when it returns', async () => {
    // TCP: the gateway's OpenVPN sees a client leave at once (UDP would wait for the keepalive).
    const tcpServer = await createServer(api, { client_ip_pool: '10.73.0.0/20', protocol: 'tcp', subnets: [{ id: gatewayRecord.subnet.id }] });
    const bob = await connect(String(tcpServer.id), 'bob');
    const carol = await connect(String(tcpServer.id), 'carol');
    await eventually('bob and carol listed', async () => ((await clientsOf(api, String(tcpServer.id))).filter((c) => c.status === 'connected').length === 2 ? true : undefined));
    const port = new URL(sluice.url).port;
    const openvpnLog = join(gateway?.dataDir ?? '', 'gateway', String(tcpServer.id), 'openvpn.log');

    await sluice.stop({ keepDataDir: true });
    await bob.stop();
    // The gateway's OpenVPN has seen bob go while no control plane listens: the fact waits on the gateway.
    await eventually('bob gone from the gateway', async () => (/bob\/[\d.]+:\d+ .*(Connection reset|client-instance exiting)/.test(readFileSync(openvpnLog, 'utf8')) ? true : undefined));
    assert.ok(carol.isRunning(), 'a user stays connected while the control plane is away');
    for (const pid of gateway?.openvpnPids() ?? []) assert.ok(alive(pid), "the gateway's OpenVPN keeps serving");

    const dataDir = sluice.dataDir;
    sluice = await startSluice({ dataDir, args: ['--listen', `127.0.0.1:${port}`], env: { SLUICE_SWEEP_INTERVAL_MS: '200' } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    await gateway?.connections(2);
    const bobRow = await eventually('bob recorded disconnected from the buffered report', async () => {
      const b = await clientNamed(api, String(tcpServer.id), 'bob');
      return b?.status === 'disconnected' ? b : undefined;
    }, 20_000);
    assert.ok(Date.parse(bobRow.disconnected_at) < Date.parse((await api.ok('GET', `/v1/gateways/${gatewayRecord.id}`)).last_seen_at), 'the end carries the time it happened, before the control plane returned');
    const rows = await clientsOf(api, String(tcpServer.id));
    assert.equal(rows.filter((c) => c.common_name === 'bob').length, 1, 'the buffered report was applied once');
    assert.equal(rows.find((c) => c.common_name === 'carol')?.status, 'connected');
    assert.ok(carol.isRunning());
  });

  test('a revoked gateway is cut off at once and refused when it dials again', async () => {
    const running = gateway;
    assert.ok(running);
    assert.equal((await api.call('DELETE', `/v1/gateways/${gatewayRecord.id}`)).status, 204);
    const code = await eventually('the gateway to exit', async () => running.process.child.exitCode ?? undefined, 20_000);
    assert.equal(code, 1, `the gateway exits non-zero when refused:\n${running.output().slice(-2000)}`);
    assert.match(running.output(), /refused this gateway/);
    await killAll(running.openvpnPids());
  });
});
