/**
 * A server deleted while its gateway was down: OpenVPN outlives the gateway process (detached), so
 * nothing would ever stop it — the gateway is never told of the server again. When the gateway
 * comes back it stops that OpenVPN, removes the server's files (its private key among them) and
 * reports it stopped, which finishes the deletion; a server still placed on it is adopted as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { createReadyServer } from '../support/vpn-servers.ts';
import { eventually, openvpnAvailable } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;

run('a server deleted while its gateway was down', () => {
  let sluice: SluiceProcess;
  let api: TestApi;
  let gateway: GatewayProcess | undefined;

  before(async () => {
    sluice = await startSluice();
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await gateway?.stop();
    await sluice?.stop();
  });

  const createServer = async (subnetId: string, pool: string): Promise<string> =>
    String((await createReadyServer(api, { client_ip_pool: pool, client_authentication: [{ method: 'certificate' }], subnets: [{ id: subnetId }] })).id);

  test('is stopped and removed when the gateway returns; the other keeps its OpenVPN', async () => {
    const record: Json = await api.ok('POST', '/v1/gateways', { name: 'edge-stray', host: '127.0.0.1' });
    gateway = await startGateway({ controlPlane: sluice.url, joinToken: String(record.join_token.token) });
    const doomed = await createServer(String(record.subnet.id), '10.81.0.0/22');
    const kept = await createServer(String(record.subnet.id), '10.82.0.0/22');
    const serverDir = (serverId: string): string => join(gateway?.dataDir ?? '', 'gateway', serverId);
    const pidOf = (serverId: string): number => {
      const pid = gateway?.openvpnPidOf(serverId);
      assert.ok(pid !== undefined && alive(pid), `an OpenVPN runs server ${serverId}`);
      return pid;
    };
    const doomedPid = pidOf(doomed);
    const keptPid = pidOf(kept);

    await gateway.stop({ signal: 'SIGKILL', keepDataDir: true });
    assert.ok(alive(doomedPid) && alive(keptPid), 'OpenVPN outlives its gateway process');
    assert.equal((await api.call('DELETE', `/v1/vpn_servers/${doomed}`)).status, 202);

    gateway = await startGateway({ controlPlane: sluice.url, dataDir: gateway.dataDir });
    await eventually('the deleted server\'s OpenVPN stopped', async () => (alive(doomedPid) ? undefined : true), 30_000);
    // Removed right after its OpenVPN exited.
    await eventually('its files (private key included) gone', async () => (existsSync(serverDir(doomed)) ? undefined : true), 10_000);
    await eventually('the deletion finished', async () => ((await api.call('GET', `/v1/vpn_servers/${doomed}`)).status === 404 ? true : undefined), 30_000);
    assert.ok(alive(keptPid), 'the server still placed here keeps the OpenVPN it had');
    assert.equal(pidOf(kept), keptPid);
  });
});

