import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { writeLegacyStore, type LegacyData } from '../support/legacy-store.ts';
import { refused, retarget } from '../support/profiles.ts';

/**
 * Upgrading a database written before client certificates were bound to their server: the servers
 * that share the built-in CA keep accepting the profiles already handed out, but each of those
 * certificates now opens only one server.
 */
const run = openvpnAvailable() ? describe : describe.skip;

for (const dialect of testDialects()) run(`a database with one shared client CA, upgraded (${dialect})`, () => {
  let dataDir: string;
  let database: TestDatabase | undefined;
  let legacy: LegacyData;
  let sluice: SluiceProcess;
  let api: TestApi;
  const clients: VpnClientProcess[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-legacy-'));
    database = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
    legacy = await writeLegacyStore(database?.url ?? join(dataDir, 'sluice.db'), [await freeUdpPort(), await freeUdpPort()]);
    const store: Record<string, string> = database ? { SLUICE_DATABASE_URL: database.url } : {};
    sluice = await startSluice({ dataDir, env: { SLUICE_MASTER_KEY: Buffer.from(legacy.masterKey).toString('base64'), ...store } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await sluice?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a certificate handed out before the upgrade still connects to its server, and to no other', async () => {
    const [first, second] = legacy.servers;
    assert.ok(first && second);
    for (const server of legacy.servers) {
      await eventually(`${server.name} stable`, async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).lifecycle_state === 'stable' ? true : undefined));
    }
    const configuration = (await api.call('GET', `/v1/vpn_servers/${first.id}/client_configuration`)).text;
    const profile = `${configuration}<cert>\n${legacy.client.certificatePem.trim()}\n</cert>\n<key>\n${legacy.client.privateKeyPem.trim()}\n</key>\n`;

    const onFirst = startVpnClient(profile);
    clients.push(onFirst);
    await onFirst.connected();
    await onFirst.stop();

    const onSecond = startVpnClient(retarget(profile, second.port));
    clients.push(onSecond);
    await refused(onSecond, () => onSecond.output().includes('AUTH_FAILED'), 'the other legacy server');
    await onSecond.stop();

    const again = startVpnClient(profile);
    clients.push(again);
    await again.connected();

    const fresh = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.95.0.0/20', client_authentication: [{ method: 'certificate' }] });
    assert.notEqual(fresh.client_authentication[0].client_ca.crn, legacy.builtInCa.crn, 'a server created after the upgrade gets a client CA of its own');
    // Stopping `sluice serve` while it still attaches to a new server's OpenVPN can leave it running.
    await eventually('new server stable', async () => ((await api.ok('GET', `/v1/vpn_servers/${fresh.id}`)).lifecycle_state === 'stable' ? true : undefined));
  });
});
