/**
 * A control-plane replica dies under a gateway: two `sluice serve` replicas on one PostgreSQL, a
 * remote `sluice gateway` attached to one of them, and a connect storm of 50 real OpenVPN clients
 * through it. `kill -9` of that replica mid-storm must drop no VPN session: the gateway re-dials
 * the other replica, the decisions and facts it was waiting for go there, every client connects
 * once, and afterwards the store holds exactly the sessions the gateway's OpenVPN serves.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startGateway, type GatewayProcess } from '../support/gateway-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { compareStoreWithOpenvpn } from '../support/store-vs-openvpn.ts';

const run = openvpnAvailable() && testDialects().includes('postgres') ? describe : describe.skip;
const CLIENTS = 50;

const connections = (client: VpnClientProcess): number => client.output().split('Initialization Sequence Completed').length - 1;

run('a control-plane replica dies under a remote gateway', () => {
  let database: TestDatabase | undefined;
  const replicas: SluiceProcess[] = [];
  let gateway: GatewayProcess | undefined;
  const clients: VpnClientProcess[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    for (const replica of replicas) await replica.stop();
    await database?.drop();
  });

  test('kill -9 of the gateway’s replica during a connect storm of 50 clients: none dropped, the store equals OpenVPN', async (t) => {
    database = await freshDatabase('postgres');
    const env = { SLUICE_DATABASE_URL: database.url, SLUICE_MASTER_KEY: randomBytes(32).toString('base64'), SLUICE_GATEWAY: 'none' };
    const [a, b] = [await startSluice({ env }), await startSluice({ env })];
    replicas.push(a, b);
    const api = await new TestApi(a.url, a.adminApiKey).login();
    const record = await api.ok('POST', '/v1/gateways', { name: 'edge-1', host: '127.0.0.1' });
    // B first: the gateway attaches to B, and moves to A when B is gone.
    gateway = await startGateway({ controlPlane: `${b.url},${a.url}`, joinToken: record.join_token.token });
    const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.91.0.0/20', client_authentication: [{ method: 'certificate' }], subnets: [{ id: record.subnet.id }] });
    await eventually('the server stable on the gateway', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined), 60_000);

    const profiles: string[] = [];
    for (let i = 0; i < CLIENTS; i += 1) profiles.push((await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: `storm-${i}` })).text);
    const connectedCount = async (): Promise<number> => (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?limit=100&status=connected`)).clients.length;
    for (const profile of profiles) clients.push(startVpnClient(profile, undefined, { persistent: true }));

    const atKill = await eventually('the storm under way', async () => {
      const count = await connectedCount();
      return count >= 5 ? count : undefined;
    }, 60_000, 20);
    const killedAt = Date.now();
    process.kill(b.pid, 'SIGKILL');
    await gateway.connections(2, 60_000);
    t.diagnostic(`kill -9 with ${atKill} of ${CLIENTS} clients recorded; the gateway re-dialled the other replica ${Date.now() - killedAt} ms later`);
    assert.ok(atKill < CLIENTS, 'the replica died mid-storm');

    await Promise.all(clients.map((c) => c.connected(90_000)));
    await eventually('every client recorded connected', async () => ((await connectedCount()) === CLIENTS ? true : undefined), 30_000);
    t.diagnostic(`all ${CLIENTS} clients connected and recorded ${Date.now() - killedAt} ms after kill -9`);
    const reconnected = clients.filter((c) => connections(c) !== 1).length;
    assert.equal(reconnected, 0, 'no VPN session was dropped: every client connected exactly once');

    // OpenVPN serves one management client at a time: the gateway lets go before the comparison.
    await gateway.stop({ keepDataDir: true });
    const comparison = await compareStoreWithOpenvpn(gateway.dataDir, database.url, [String(server.id)], `${record.id}/`);
    assert.equal(comparison.live.length, CLIENTS);
    assert.deepEqual(comparison.lost, [], 'no session OpenVPN serves is missing from the store');
    assert.deepEqual(comparison.phantom, [], 'no stored session that OpenVPN does not serve');
  });
});
