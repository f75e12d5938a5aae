import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;

async function createServer(api: TestApi, body: Record<string, unknown>): Promise<Json> {
  const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
  await eventually(`server ${server.id} stable`, async () => {
    const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
    return s.lifecycle_state === 'stable' && s.health_state === 'ok' ? s : undefined;
  });
  return server;
}

async function clientsOf(api: TestApi, serverId: string, query = ''): Promise<Json[]> {
  return (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=100${query}`)).clients;
}

async function connectCertUser(api: TestApi, serverId: string, commonName: string): Promise<VpnClientProcess & { profile: string }> {
  const profile = (await api.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: commonName })).text;
  const client = startVpnClient(profile);
  await client.connected();
  return Object.assign(client, { profile });
}

async function withinMs<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const dialect of testDialects()) run(`gateway with real OpenVPN (${dialect})`, () => {
  let sluice: SluiceProcess;
  let database: TestDatabase | undefined;
  let api: TestApi;
  const clients: VpnClientProcess[] = [];
  const track = (c: VpnClientProcess): VpnClientProcess => {
    clients.push(c);
    return c;
  };

  before(async () => {
    database = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
    const store: Record<string, string> = database ? { SLUICE_DATABASE_URL: database.url } : {};
    sluice = await startSluice({ env: { SLUICE_SWEEP_INTERVAL_MS: '200', SLUICE_DEGRADED_SECONDS: '30', ...store } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await sluice?.stop();
    await database?.drop();
  });

  test('certificate and username+passcode users connect and are listed with every field; bad credentials are refused', async () => {
    const certServer = await createServer(api, { client_ip_pool: '10.61.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const userServer = await createServer(api, { client_ip_pool: '10.62.0.0/20', client_authentication: [{ method: 'username' }] });

    const alice = await connectCertUser(api, certServer.id, 'alice');
    track(alice);
    const user = await api.ok('POST', '/v1/users', { name: 'bob', roles: [{ role: 'VPNClient', vpn_server_id: userServer.id }] });
    const key = await api.ok('POST', `/v1/users/${user.id}/api_keys`, { name: 'laptop' });
    const bobApi = await new TestApi(sluice.url, key.apikey).login();
    const { passcode } = await bobApi.ok('POST', '/identity/passcode');
    const profile = (await api.call('GET', `/v1/vpn_servers/${userServer.id}/client_configuration`)).text;
    assert.match(profile, /auth-user-pass/);
    const bob = track(startVpnClient(profile, { username: 'bob', password: passcode }));
    await bob.connected();

    const [certRow] = await eventually('alice listed', async () => ((await clientsOf(api, certServer.id)).length === 1 ? clientsOf(api, certServer.id) : undefined));
    assert.equal(certRow.status, 'connected');
    assert.equal(certRow.common_name, 'alice');
    assert.equal(certRow.username, undefined);
    assert.match(certRow.client_ip.address, /^10\.61\.\d+\.\d+$/);
    assert.equal(certRow.remote_ip.address, '127.0.0.1');
    assert.ok(certRow.remote_port > 0);
    assert.ok(Date.parse(certRow.created_at) > Date.now() - 60_000);
    assert.equal(certRow.disconnected_at, undefined);
    const [userRow] = await eventually('bob listed', async () => ((await clientsOf(api, userServer.id)).length === 1 ? clientsOf(api, userServer.id) : undefined));
    assert.equal(userRow.username, 'bob');
    assert.equal(userRow.common_name, undefined);
    assert.match(userRow.client_ip.address, /^10\.62\.\d+\.\d+$/);

    // The passcode was used once; a second connection with it is refused, as is a made-up one.
    const replay = track(startVpnClient(profile, { username: 'bob', password: passcode }));
    assert.notEqual(await replay.exited, null);
    assert.match(replay.output(), /AUTH_FAILED/);
    const wrong = track(startVpnClient(profile, { username: 'bob', password: 'AAAAA-BBBBB-CCCCC-DDDDD' }));
    await wrong.exited;
    assert.match(wrong.output(), /AUTH_FAILED/);

    // A revoked certificate drops its live session at once and cannot come back.
    const certs = (await api.ok('GET', '/v1/certificates?limit=100')).certificates as Json[];
    const aliceCert = certs.find((c) => c.kind === 'client' && c.common_name === 'alice');
    await api.ok('POST', `/v1/certificates/${aliceCert.id}/revoke`, {});
    await withinMs(3000, alice.exited, 'revoked client exit');
    const again = track(startVpnClient(alice.profile));
    await again.exited;
    assert.doesNotMatch(again.output(), /Initialization Sequence Completed/);
    await eventually('revoked session recorded as disconnected', async () => ((await clientsOf(api, certServer.id, '&status=connected')).length === 0 ? true : undefined));
    assert.equal((await clientsOf(api, userServer.id)).length, 1, 'failed attempts leave no records');
  });

  test('disconnect ends the client at once, the record turns disconnected, then is auto-deleted', async () => {
    const server = await createServer(api, { client_ip_pool: '10.63.0.0/20', client_authentication: [{ method: 'certificate' }], client_auto_delete_timeout_seconds: 2 });
    const carol = track(await connectCertUser(api, server.id, 'carol'));
    const [row] = await eventually('carol listed', async () => ((await clientsOf(api, server.id)).length === 1 ? clientsOf(api, server.id) : undefined));
    const started = Date.now();
    assert.equal((await api.call('POST', `/v1/vpn_servers/${server.id}/clients/${row.id}/disconnect`)).status, 202);
    await withinMs(1000, carol.exited, 'client exit after disconnect');
    const exitMs = Date.now() - started;
    assert.match(carol.output(), /Halt command was pushed by server/);
    const ended = await eventually('record disconnected', async () => {
      const c = await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`);
      return c.status === 'disconnected' ? c : undefined;
    });
    const recordMs = Date.now() - started;
    assert.ok(ended.disconnected_at);
    // Ended by the follow-up `kill IP:port` after the grace, not OpenVPN's 5 s: the client still
    // got its HALT and did not come back as a new session.
    assert.equal(carol.isRunning(), false);
    assert.deepEqual(await clientsOf(api, server.id, '&status=connected'), []);
    await eventually('record auto-deleted', async () => ((await api.call('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`)).status === 404 ? true : undefined));
    process.stdout.write(`# measured: disconnect → client exit ${exitMs} ms, → API disconnected ${recordMs} ms\n`);
  });

  test('delete removes the record at once and ends the client; reconnecting makes a new record; bulk disconnect by user', async () => {
    const server = await createServer(api, { client_ip_pool: '10.64.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const dave = track(await connectCertUser(api, server.id, 'dave'));
    const [row] = await eventually('dave listed', async () => ((await clientsOf(api, server.id)).length === 1 ? clientsOf(api, server.id) : undefined));
    assert.equal((await api.call('DELETE', `/v1/vpn_servers/${server.id}/clients/${row.id}`)).status, 202);
    assert.equal((await api.call('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`)).status, 404);
    await withinMs(1000, dave.exited, 'client exit after delete');
    const dave2 = track(await connectCertUser(api, server.id, 'dave'));
    const [row2] = await eventually('new record', async () => {
      const list = await clientsOf(api, server.id, '&status=connected');
      return list.length === 1 ? list : undefined;
    });
    assert.notEqual(row2.id, row.id);
    await eventually('old session gone from the store', async () => ((await clientsOf(api, server.id)).length === 1 ? true : undefined));

    const extra = track(await connectCertUser(api, server.id, 'erin'));
    await eventually('two connected', async () => ((await clientsOf(api, server.id, '&status=connected')).length === 2 ? true : undefined));
    const bulk = await api.ok('POST', `/v1/vpn_servers/${server.id}/clients/disconnect`, { common_name: 'dave' });
    assert.deepEqual(bulk.clients.map((c: Json) => c.result), ['accepted']);
    await withinMs(1000, dave2.exited, 'bulk-disconnected client exit');
    assert.ok(extra.isRunning(), 'a session of another user is untouched');
  });

  test('kill -9 of openvpn: restarted, sessions reconciled, health shows it', async () => {
    const server = await createServer(api, { client_ip_pool: '10.65.0.0/20', client_authentication: [{ method: 'certificate' }] });
    track(await connectCertUser(api, server.id, 'frank'));
    await eventually('frank listed', async () => ((await clientsOf(api, server.id, '&status=connected')).length === 1 ? true : undefined));
    const killed = sluice.openvpnPidOf(server.id);
    assert.ok(killed !== undefined && alive(killed));
    process.kill(killed, 'SIGKILL');
    const degraded = await eventually('health degraded', async () => {
      const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
      return s.health_state === 'degraded' ? s : undefined;
    });
    assert.match(degraded.health_reasons[0].code, /openvpn_restart/);
    await eventually('stale session reconciled to disconnected', async () => ((await clientsOf(api, server.id, '&status=connected')).length === 0 ? true : undefined));
    await eventually('openvpn running again', async () => {
      const pid = sluice.openvpnPidOf(server.id);
      return pid !== undefined && pid !== killed && alive(pid) ? true : undefined;
    });
    const again = track(await connectCertUser(api, server.id, 'frank'));
    assert.ok(again.isRunning());
  });

  test('DELETE stops the server: openvpn exits, its files go, the server and its clients are gone', async () => {
    const server = await createServer(api, { client_ip_pool: '10.68.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const henry = track(await connectCertUser(api, server.id, 'henry'));
    await eventually('henry listed', async () => ((await clientsOf(api, server.id)).length === 1 ? true : undefined));
    const pid = sluice.openvpnPidOf(server.id);
    assert.ok(pid !== undefined);
    assert.equal((await api.call('DELETE', `/v1/vpn_servers/${server.id}`)).status, 202);
    await eventually('server gone', async () => ((await api.call('GET', `/v1/vpn_servers/${server.id}`)).status === 404 ? true : undefined));
    await eventually('openvpn stopped', async () => (!alive(pid) ? true : undefined));
    assert.equal(sluice.openvpnPidOf(server.id), undefined);
    assert.equal((await api.call('GET', `/v1/vpn_servers/${server.id}/clients`)).status, 404);
    await henry.stop();
  });

  test('a port already taken makes the server failed with the reason, and it recovers when the port frees', async () => {
    const port = await freeUdpPort();
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(port, '127.0.0.1', resolve));
    const server = await api.ok('POST', '/v1/vpn_servers', { port, client_ip_pool: '10.66.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const failed = await eventually('lifecycle failed', async () => {
      const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
      return s.lifecycle_state === 'failed' ? s : undefined;
    });
    assert.equal(failed.lifecycle_reasons[0].code, 'openvpn_failed_to_start');
    assert.equal(failed.health_state, 'faulted');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await eventually('recovered once the port is free', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).lifecycle_state === 'stable' ? true : undefined), 30_000);
  });

  test('a PATCH other than the name restarts OpenVPN: sessions end, the server comes back stable', async () => {
    const server = await createServer(api, { client_ip_pool: '10.67.0.0/20', client_authentication: [{ method: 'certificate' }] });
    track(await connectCertUser(api, server.id, 'grace'));
    const [row] = await eventually('grace listed', async () => ((await clientsOf(api, server.id)).length === 1 ? clientsOf(api, server.id) : undefined));
    const pidBefore = sluice.openvpnPidOf(server.id);
    const renamed = await api.call('PATCH', `/v1/vpn_servers/${server.id}`, { name: 'renamed-only' });
    assert.equal(renamed.body.lifecycle_state, 'stable', 'a rename restarts nothing');
    assert.equal(sluice.openvpnPidOf(server.id), pidBefore);
    const patched = await api.ok('PATCH', `/v1/vpn_servers/${server.id}`, { client_idle_timeout: 1200 }, { 'if-match': await fetchEtag(api, server.id) });
    assert.equal(patched.lifecycle_state, 'updating');
    await eventually('old session ended', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`)).status === 'disconnected' ? true : undefined));
    await eventually('stable again on a new process', async () => {
      const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
      return s.lifecycle_state === 'stable' && sluice.openvpnPidOf(server.id) !== pidBefore ? true : undefined;
    });
  });
});

async function fetchEtag(api: TestApi, serverId: string): Promise<string> {
  const res = await fetch(`${api.base}/v1/vpn_servers/${serverId}?version=2026-11-25`, { headers: { authorization: `Bearer ${api.bearer()}` } });
  return res.headers.get('etag') ?? '';
}
