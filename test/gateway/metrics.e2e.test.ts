/**
 * Prometheus metrics against real OpenVPN: a real connect, an operator disconnect, a client that
 * leaves on its own, a refused passcode and a restart each move their series by exactly one, read
 * back through a real Prometheus text-format parser.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { scrape, type Scrape } from '../support/prometheus.ts';

const run = openvpnAvailable() ? describe : describe.skip;

for (const dialect of testDialects()) run(`metrics with real OpenVPN (${dialect})`, () => {
  let sluice: SluiceProcess;
  let database: TestDatabase | undefined;
  let api: TestApi;
  let reader: string;
  const clients: VpnClientProcess[] = [];
  const track = (c: VpnClientProcess): VpnClientProcess => {
    clients.push(c);
    return c;
  };
  const metrics = (): Promise<Scrape> => scrape(`${sluice.url}/metrics`, reader);

  /** Waits until the series reaches `from + 1`, then checks it is exactly that. */
  async function movesByOne(name: string, labels: Record<string, string>, from: number): Promise<void> {
    const reached = await eventually(`${name} ${JSON.stringify(labels)} to move`, async () => {
      const value = (await metrics()).value(name, labels);
      return value > from ? value : undefined;
    }, 20_000, 200);
    assert.equal(reached, from + 1, `${name} ${JSON.stringify(labels)} moved by ${reached - from}`);
  }

  async function createServer(body: Record<string, unknown>): Promise<Json> {
    const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), ...body });
    await eventually(`server ${server.id} stable`, async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined), 30_000);
    return server;
  }

  before(async () => {
    database = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
    sluice = await startSluice({ env: { ...(database && { SLUICE_DATABASE_URL: database.url }) } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    const user = await api.ok('POST', '/v1/users', { name: 'prometheus', roles: [{ role: 'MetricsReader' }] });
    const key = await api.ok('POST', `/v1/users/${user.id}/api_keys`, { name: 'scraper' });
    reader = (await new TestApi(sluice.url, key.apikey).login()).bearer();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await sluice?.stop();
    await database?.drop();
  });

  test('/metrics needs a MetricsReader (or Administrator) token; no other role reads it', async () => {
    assert.equal((await fetch(`${sluice.url}/metrics`)).status, 401);
    const viewer = await api.ok('POST', '/v1/users', { name: 'viewer', roles: [{ role: 'Viewer' }] });
    const key = await api.ok('POST', `/v1/users/${viewer.id}/api_keys`, { name: 'k' });
    const viewerToken = (await new TestApi(sluice.url, key.apikey).login()).bearer();
    assert.equal((await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${viewerToken}` } })).status, 403);
    const asAdmin = await scrape(`${sluice.url}/metrics`, api.bearer());
    assert.ok(asAdmin.family('sluice_http_requests_total'));
    const mine = await metrics();
    assert.equal(mine.family('sluice_http_request_duration_seconds')?.type, 'HISTOGRAM');
    assert.equal(mine.family('sluice_store_query_duration_seconds')?.type, 'HISTOGRAM');
    assert.ok(mine.family('sluice_process_cpu_seconds_total'), 'process metrics');
    // The reader's own token exchange shows up as a POST /identity/token answered 200.
    assert.ok(mine.value('sluice_http_requests_total', { route: '/identity/token', method: 'POST', status: '200' }) >= 1);
  });

  test('connect, operator disconnect and a refused passcode each move their series by exactly one', async () => {
    const server = await createServer({ client_ip_pool: '10.81.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const userServer = await createServer({ client_ip_pool: '10.82.0.0/20', client_authentication: [{ method: 'username' }] });
    const at = { gateway: 'local', vpn_server: server.id };
    const base = await eventually('the gateway to report the server healthy', async () => {
      const s = await metrics();
      return s.value('sluice_vpn_server_health', { ...at, state: 'ok' }) === 1 ? s : undefined;
    }, 20_000, 200);
    assert.equal(base.value('sluice_vpn_server_health', { ...at, state: 'faulted' }), 0);

    const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'alice' })).text;
    const alice = track(startVpnClient(profile));
    await alice.connected();
    await movesByOne('sluice_vpn_server_connects_total', at, base.value('sluice_vpn_server_connects_total', at));
    const connected = await metrics();
    assert.equal(connected.value('sluice_vpn_server_connected_clients', at), 1);
    assert.equal(connected.value('sluice_vpn_server_auth_decisions_total', { ...at, result: 'allowed' }), base.value('sluice_vpn_server_auth_decisions_total', { ...at, result: 'allowed' }) + 1);

    const [row] = await eventually('alice listed', async () => {
      const list = (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients;
      return list.length === 1 ? list : undefined;
    });
    const disconnects = { ...at, cause: 'operator_disconnect' };
    const intents = connected.histogramCount('sluice_intent_duration_seconds', { intent: 'disconnect' });
    assert.equal((await api.call('POST', `/v1/vpn_servers/${server.id}/clients/${row.id}/disconnect`)).status, 202);
    await alice.exited;
    await movesByOne('sluice_vpn_server_disconnects_total', disconnects, connected.value('sluice_vpn_server_disconnects_total', disconnects));
    const after = await eventually('the intent carried out', async () => {
      const s = await metrics();
      return s.histogramCount('sluice_intent_duration_seconds', { intent: 'disconnect' }) > intents ? s : undefined;
    }, 20_000, 200);
    assert.equal(after.histogramCount('sluice_intent_duration_seconds', { intent: 'disconnect' }), intents + 1);
    assert.equal(after.value('sluice_vpn_server_connected_clients', at), 0);
    assert.equal(after.value('sluice_vpn_server_disconnects_total', { ...at, cause: 'client' }), 0, 'not counted as the client\u2019s own');
    assert.equal(after.value('sluice_pending_intents'), 0);

    const u = { gateway: 'local', vpn_server: userServer.id };
    const before = await metrics();
    await api.ok('POST', '/v1/users', { name: 'bob', roles: [{ role: 'VPNClient', vpn_server_id: userServer.id }] });
    const userProfile = (await api.call('GET', `/v1/vpn_servers/${userServer.id}/client_configuration`)).text;
    const wrong = track(startVpnClient(userProfile, { username: 'bob', password: 'AAAAA-BBBBB-CCCCC-DDDDD' }));
    await wrong.exited;
    await movesByOne('sluice_vpn_server_auth_decisions_total', { ...u, result: 'denied' }, before.value('sluice_vpn_server_auth_decisions_total', { ...u, result: 'denied' }));
    const denied = await metrics();
    assert.equal(denied.value('sluice_vpn_server_connects_total', u), before.value('sluice_vpn_server_connects_total', u), 'a refused client never connected');

    // Labels stay bounded: gateway, server id and a fixed set — never a client, user or address.
    const allowed = new Set(['gateway', 'vpn_server', 'cause', 'result', 'state']);
    for (const family of denied.families.filter((f) => f.name.startsWith('sluice_vpn_server_'))) {
      for (const labels of denied.labelSets(family.name)) assert.deepEqual(Object.keys(labels).filter((k) => !allowed.has(k)), [], family.name);
    }
    assert.ok(!denied.text.includes('alice') && !denied.text.includes('bob'), 'no user or common name in any series');
  });

  test('a client that leaves on its own counts as `client`; a configuration change as `restart` and an openvpn restart', async () => {
    // TCP: the server sees the client go at once (UDP would wait for the keepalive timeout).
    const server = await createServer({ protocol: 'tcp', client_ip_pool: '10.83.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const at = { gateway: 'local', vpn_server: server.id };
    const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'carol' })).text;
    const base = await metrics();
    const carol = track(startVpnClient(profile));
    await carol.connected();
    await movesByOne('sluice_vpn_server_connects_total', at, base.value('sluice_vpn_server_connects_total', at));
    await carol.stop();
    await movesByOne('sluice_vpn_server_disconnects_total', { ...at, cause: 'client' }, base.value('sluice_vpn_server_disconnects_total', { ...at, cause: 'client' }));

    const dave = track(startVpnClient(profile));
    await dave.connected();
    const live = await eventually('dave counted', async () => {
      const s = await metrics();
      return s.value('sluice_vpn_server_connected_clients', at) === 1 ? s : undefined;
    }, 20_000, 200);
    const etag = (await fetch(`${sluice.url}/v1/vpn_servers/${server.id}?version=2026-11-25`, { headers: { authorization: `Bearer ${api.bearer()}` } })).headers.get('etag') ?? '';
    await api.ok('PATCH', `/v1/vpn_servers/${server.id}`, { client_idle_timeout: 1200 }, { 'if-match': etag });
    await movesByOne('sluice_vpn_server_disconnects_total', { ...at, cause: 'restart' }, live.value('sluice_vpn_server_disconnects_total', { ...at, cause: 'restart' }));
    await movesByOne('sluice_openvpn_restarts_total', at, live.value('sluice_openvpn_restarts_total', at));
    const bytes = await metrics();
    assert.ok(bytes.value('sluice_vpn_server_received_bytes_total', at) > 0, 'bytes from the ended sessions');
    assert.ok(bytes.value('sluice_vpn_server_sent_bytes_total', at) > 0);
  });

  test('a client that carried no traffic for the idle timeout and left counts as `idle_timeout`', async () => {
    // The timeout is pushed to the client (`inactive`), which leaves by itself; the gateway tells it
    // apart by OpenVPN's Last Ref (no tunnel packet since). TCP, so the server sees it go at once.
    const server = await createServer({ protocol: 'tcp', client_idle_timeout: 6, client_ip_pool: '10.84.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const at = { gateway: 'local', vpn_server: server.id };
    const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'erin' })).text;
    const base = await metrics();
    const erin = track(startVpnClient(profile));
    await erin.connected();
    await erin.exited;
    assert.match(erin.output(), /Inactivity timeout/);
    await movesByOne('sluice_vpn_server_disconnects_total', { ...at, cause: 'idle_timeout' }, base.value('sluice_vpn_server_disconnects_total', { ...at, cause: 'idle_timeout' }));
    assert.equal((await metrics()).value('sluice_vpn_server_disconnects_total', { ...at, cause: 'client' }), 0);
  });
});
