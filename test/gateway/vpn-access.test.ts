import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { refused, retarget, serialOfProfile, serverLog } from '../support/profiles.ts';
import { x509 } from '../../src/domain/certificates/x509-lib.ts';

/**
 * Who may reach which VPN server, proven with real OpenVPN servers and clients: a certificate opens
 * only the server it was issued for, and losing the right to connect ends the session at once.
 */
const run = openvpnAvailable() ? describe : describe.skip;

async function createServer(api: TestApi, body: Record<string, unknown>): Promise<Json> {
  const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
  await eventually(`server ${server.id} stable`, async () => {
    const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
    return s.lifecycle_state === 'stable' && s.health_state === 'ok' ? s : undefined;
  });
  return server;
}

const connectedRows = async (api: TestApi, serverId: string): Promise<Json[]> =>
  (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=100&status=connected`)).clients;

async function exitsWithin(client: VpnClientProcess, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the client was still connected after ${ms} ms:\n${client.output()}`)), ms);
  });
  try {
    await Promise.race([client.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

for (const dialect of testDialects()) run(`access to the VPN itself (${dialect})`, () => {
  let sluice: SluiceProcess;
  let database: TestDatabase | undefined;
  let api: TestApi;
  const clients: VpnClientProcess[] = [];
  const track = (c: VpnClientProcess): VpnClientProcess => {
    clients.push(c);
    return c;
  };
  const profileFor = async (serverId: string, commonName: string): Promise<string> => {
    const res = await api.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: commonName });
    assert.equal(res.status, 200, res.text);
    return res.text;
  };
  const connect = async (profile: string, credentials?: { username: string; password: string }): Promise<VpnClientProcess> => {
    const client = track(startVpnClient(profile, credentials));
    await client.connected();
    return client;
  };

  before(async () => {
    database = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
    const store: Record<string, string> = database ? { SLUICE_DATABASE_URL: database.url } : {};
    sluice = await startSluice({ env: { SLUICE_SWEEP_INTERVAL_MS: '200', ...store } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await sluice?.stop();
    await database?.drop();
  });

  test('a profile for server A, edited to point at server B, is refused by B', async () => {
    const a = await createServer(api, { client_ip_pool: '10.71.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const b = await createServer(api, { client_ip_pool: '10.72.0.0/20', client_authentication: [{ method: 'certificate' }] });
    assert.notEqual(a.client_authentication[0].client_ca.crn, b.client_authentication[0].client_ca.crn, 'each server has its own client CA');

    const profile = await profileFor(a.id, 'mallory');
    const serverCn = a.name;
    assert.match(profile, new RegExp(`^verify-x509-name ${serverCn} name$`, 'm'), 'the profile pins its server by name');
    assert.match(readFileSync(join(sluice.dataDir, 'gateway', a.id, 'server.conf'), 'utf8'), /^remote-cert-tls client$/m);
    const onA = await connect(profile);
    await onA.stop();

    const attempt = track(startVpnClient(retarget(profile, b.port)));
    await refused(attempt, () => /VERIFY ERROR: depth=0, error=unable to get local issuer certificate: CN=mallory/.test(serverLog(sluice.dataDir, b.id)), 'server B');
    await attempt.stop();
    assert.deepEqual(await connectedRows(api, b.id), []);
  });

  test('servers that share a client CA still accept only the certificates issued for them', async () => {
    const ca = await api.ok('POST', '/v1/certificates', { kind: 'ca', common_name: 'Shared client CA' });
    const shared = [{ method: 'certificate', client_ca: { crn: ca.crn } }];
    const c = await createServer(api, { client_ip_pool: '10.73.0.0/20', client_authentication: shared });
    const d = await createServer(api, { client_ip_pool: '10.74.0.0/20', client_authentication: shared });
    const profile = await profileFor(c.id, 'trudy');
    const onC = await connect(profile);
    await onC.stop();

    const attempt = track(startVpnClient(retarget(profile, d.port)));
    await refused(attempt, () => attempt.output().includes('AUTH_FAILED'), 'server D');
    await attempt.stop();
    assert.deepEqual(await connectedRows(api, d.id), []);
  });

  test('losing the right to connect ends the session at once', async () => {
    const server = await createServer(api, { client_ip_pool: '10.75.0.0/20', client_authentication: [{ method: 'username' }] });
    const other = await createServer(api, { client_ip_pool: '10.76.0.0/20', client_authentication: [{ method: 'username' }] });
    const configuration = (await api.call('GET', `/v1/vpn_servers/${server.id}/client_configuration`)).text;
    const users: Record<string, { user: Json; key: Json; client: VpnClientProcess }> = {};
    for (const name of ['role-removed', 'moved-server', 'last-key', 'deleted', 'bystander']) {
      const user = await api.ok('POST', '/v1/users', { name, roles: [{ role: 'VPNClient', vpn_server_id: server.id }] });
      const key = await api.ok('POST', `/v1/users/${user.id}/api_keys`, { name: 'laptop' });
      const { passcode } = await (await new TestApi(sluice.url, key.apikey).login()).ok('POST', '/identity/passcode');
      users[name] = { user, key, client: await connect(configuration, { username: name, password: passcode }) };
    }
    await eventually('five connected', async () => ((await connectedRows(api, server.id)).length === 5 ? true : undefined));
    const of = (name: string): { user: Json; key: Json; client: VpnClientProcess } => users[name] ?? assert.fail(name);

    const started = Date.now();
    await api.ok('PATCH', `/v1/users/${of('role-removed').user.id}`, { roles: [] });
    await exitsWithin(of('role-removed').client, 5000, 'VPNClient role removed');
    process.stdout.write(`# measured: VPNClient role removed → client exit ${Date.now() - started} ms\n`);
    await api.ok('PATCH', `/v1/users/${of('moved-server').user.id}`, { roles: [{ role: 'VPNClient', vpn_server_id: other.id }] });
    await exitsWithin(of('moved-server').client, 5000, 'VPNClient binding moved to another server');
    assert.equal((await api.call('DELETE', `/v1/users/${of('last-key').user.id}/api_keys/${of('last-key').key.id}`)).status, 202);
    await exitsWithin(of('last-key').client, 5000, 'last API key deleted');
    assert.equal((await api.call('DELETE', `/v1/users/${of('deleted').user.id}`)).status, 202);
    await exitsWithin(of('deleted').client, 5000, 'user deleted');

    const left = await eventually('only the bystander left', async () => {
      const rows = await connectedRows(api, server.id);
      return rows.length === 1 ? rows : undefined;
    });
    assert.equal(left[0].username, 'bystander');
    assert.ok(of('bystander').client.isRunning());
  });

  test('deleting or revoking a certificate drops the sessions of that certificate only, and it stays on the CRL', async () => {
    const server = await createServer(api, { client_ip_pool: '10.77.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const profiles = [await profileFor(server.id, 'twin'), await profileFor(server.id, 'twin'), await profileFor(server.id, 'twin')];
    const [deleted, revoked, kept] = await Promise.all(profiles.map((p) => connect(p)));
    assert.ok(deleted && revoked && kept);
    await eventually('three twins connected', async () => ((await connectedRows(api, server.id)).length === 3 ? true : undefined));
    const certificates = (await api.ok('GET', '/v1/certificates?limit=100')).certificates as Json[];
    const [deletedCert, revokedCert] = profiles.map((p) => certificates.find((c) => c.serial === serialOfProfile(p)));
    assert.ok(deletedCert && revokedCert);

    const started = Date.now();
    assert.equal((await api.call('DELETE', `/v1/certificates/${deletedCert.id}`)).status, 202);
    await exitsWithin(deleted, 5000, 'certificate deleted');
    process.stdout.write(`# measured: certificate deleted → its client exit ${Date.now() - started} ms\n`);
    assert.equal((await api.call('GET', `/v1/certificates/${deletedCert.id}`)).status, 404);
    await api.ok('POST', `/v1/certificates/${revokedCert.id}/revoke`, {});
    await exitsWithin(revoked, 5000, 'certificate revoked');

    const left = await eventually('the other twin alone', async () => {
      const rows = await connectedRows(api, server.id);
      return rows.length === 1 ? rows : undefined;
    });
    assert.equal(left[0].common_name, 'twin');
    assert.ok(kept.isRunning(), 'a session of another certificate with the same common name stays');

    const caId = (certificates.find((c) => c.crn === server.client_authentication[0].client_ca.crn) ?? assert.fail('client CA listed')).id;
    const crl = new x509.X509Crl((await api.call('GET', `/v1/certificates/${caId}/crl`)).text);
    const listed = crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''));
    assert.ok(listed.includes(deletedCert.serial), 'a deleted certificate stays on the CRL');
    assert.ok(listed.includes(revokedCert.serial));

    const revokedRefusals = (): number => serverLog(sluice.dataDir, server.id).match(/VERIFY ERROR: depth=0, error=certificate revoked/g)?.length ?? 0;
    const before = revokedRefusals();
    const again = track(startVpnClient(profiles[0] ?? ''));
    await refused(again, () => revokedRefusals() > before, 'deleted certificate');
    await again.stop();
  });
});
