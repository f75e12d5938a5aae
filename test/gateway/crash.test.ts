/**
 * Crash safety with real processes: `kill -9` of `sluice serve` while clients connect and while the
 * API is down, and a graceful restart under a steady trickle of connects, on SQLite and
 * PostgreSQL. Every client (certificate and username+passcode alike) must be connected within 15 s
 * of the new process being ready, none refused, and afterwards the store must hold exactly the
 * sessions OpenVPN serves (`status 3`): nothing lost, no phantom.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, openvpnPids, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDialect, type TestDatabase } from '../support/dialects.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { compareStoreWithOpenvpn } from '../support/store-vs-openvpn.ts';

const run = openvpnAvailable() ? describe : describe.skip;
const GOAL_MS = 15_000;

interface Bed {
  dataDir: string;
  databaseUrl: string;
  env: Record<string, string>;
  clients: VpnClientProcess[];
  processes: SluiceProcess[];
}

async function testBed(dialect: TestDialect, cleanups: (() => Promise<void>)[]): Promise<Bed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  const database: TestDatabase | undefined = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
  const bed: Bed = { dataDir, databaseUrl: database?.url ?? join(dataDir, 'sluice.db'), env: database ? { SLUICE_DATABASE_URL: database.url } : {}, clients: [], processes: [] };
  cleanups.push(async () => {
    await Promise.all(bed.clients.map((c) => c.stop()));
    for (const p of bed.processes) await p.stop({ keepDataDir: true });
    await killAll(openvpnPids(dataDir));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return bed;
}

async function serve(bed: Bed): Promise<{ sluice: SluiceProcess; api: TestApi }> {
  const sluice = await startSluice({ dataDir: bed.dataDir, env: bed.env });
  bed.processes.push(sluice);
  return { sluice, api: await new TestApi(sluice.url, sluice.adminApiKey).login() };
}

interface Servers {
  cert: Json;
  user: Json;
  /** A fresh certificate profile (one common name per client). */
  certProfile(name: string): Promise<string>;
  userProfile: string;
  /** A fresh one-time passcode of the VPN user `walt`. */
  passcode(): Promise<string>;
}

async function createServers(api: TestApi, url: string): Promise<Servers> {
  const stable = async (server: Json): Promise<void> => {
    await eventually(`server ${server.id} stable`, async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined));
  };
  const cert = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.72.0.0/20', client_authentication: [{ method: 'certificate' }] });
  const user = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.73.0.0/20', client_authentication: [{ method: 'username' }] });
  await Promise.all([stable(cert), stable(user)]);
  const walt = await api.ok('POST', '/v1/users', { name: 'walt', roles: [{ role: 'VPNClient', vpn_server_id: user.id }] });
  const key = await api.ok('POST', `/v1/users/${walt.id}/api_keys`, { name: 'laptop' });
  const waltApi = await new TestApi(url, key.apikey).login();
  const userProfile = (await api.call('GET', `/v1/vpn_servers/${user.id}/client_configuration`)).text;
  return {
    cert,
    user,
    userProfile,
    certProfile: async (name) => (await api.call('POST', `/v1/vpn_servers/${cert.id}/client_profile`, { common_name: name })).text,
    passcode: async () => String((await waltApi.ok('POST', '/identity/passcode')).passcode),
  };
}

/** Starts a client as a user would run it (retrying, as the profile's defaults do). */
function launch(bed: Bed, profile: string, passcode?: string): VpnClientProcess {
  const client = startVpnClient(profile, passcode === undefined ? undefined : { username: 'walt', password: passcode }, { persistent: true });
  bed.clients.push(client);
  return client;
}

/** Waits until every client is connected; returns when the last one was (ms since `from`). */
async function allConnected(clients: VpnClientProcess[], from: number, within: number): Promise<number> {
  let last = 0;
  await Promise.all(
    clients.map(async (client) => {
      await client.connected(Math.max(1000, from + within - Date.now()));
      last = Math.max(last, Date.now() - from);
    }),
  );
  return last;
}

const refused = (clients: VpnClientProcess[]): number => clients.filter((c) => !c.isRunning() || /AUTH_FAILED/.test(c.output())).length;

async function assertStoreMatchesOpenvpn(bed: Bed, servers: Servers, expectedLive: number): Promise<{ lost: number; phantom: number }> {
  const comparison = await compareStoreWithOpenvpn(bed.dataDir, bed.databaseUrl, [String(servers.cert.id), String(servers.user.id)]);
  assert.deepEqual(comparison.lost, [], 'sessions OpenVPN serves are all in the store');
  assert.deepEqual(comparison.phantom, [], 'the store shows no session OpenVPN does not serve');
  assert.equal(comparison.live.length, expectedLive, 'one session per client');
  return { lost: comparison.lost.length, phantom: comparison.phantom.length };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of testDialects()) run(`crash safety with real OpenVPN (${dialect})`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('kill -9 of sluice serve with clients mid-connect and more arriving while it is down: all connected, none refused', async () => {
    const bed = await testBed(dialect, cleanups);
    const first = await serve(bed);
    const servers = await createServers(first.api, first.sluice.url);
    const settled = [launch(bed, await servers.certProfile('settled-1')), launch(bed, servers.userProfile, await servers.passcode())];
    await allConnected(settled, Date.now(), 20_000);

    // A wave of clients, the crash in the middle of it.
    const profiles = await Promise.all(['mid-1', 'mid-2', 'mid-3'].map((name) => servers.certProfile(name)));
    const midCodes = await Promise.all([servers.passcode(), servers.passcode()]);
    const late = [await servers.certProfile('late-1'), await servers.certProfile('late-2')];
    const lateCode = await servers.passcode();
    const wave: VpnClientProcess[] = [];
    const launches = [...profiles.map((p) => () => launch(bed, p)), ...midCodes.map((code) => () => launch(bed, servers.userProfile, code))];
    for (const [index, start] of launches.entries()) {
      wave.push(start());
      if (index === 2) process.kill(first.sluice.pid, 'SIGKILL');
      await sleep(40);
    }
    const killedAt = Date.now();
    await first.sluice.stop({ keepDataDir: true });

    // The API is down; users keep connecting.
    const whileDown = [...late.map((p) => launch(bed, p)), launch(bed, servers.userProfile, lateCode)];
    await sleep(2000);

    const restartAt = Date.now();
    const second = await serve(bed);
    const readyAt = Date.now();
    const everyone = [...settled, ...wave, ...whileDown];
    const lastMs = await allConnected(everyone, readyAt, GOAL_MS);
    assert.equal(refused(everyone), 0, 'no client refused or gone');
    assert.ok(settled.every((c) => !/Restart pause/.test(c.output())), 'established users were never dropped');
    await eventually('API lists every client', async () => {
      const counts = await Promise.all([servers.cert.id, servers.user.id].map(async (id) => ((await second.api.ok('GET', `/v1/vpn_servers/${id}/clients?status=connected&limit=100`)).clients as Json[]).length));
      return counts[0] === 6 && counts[1] === 4 ? true : undefined;
    });
    await second.sluice.stop({ keepDataDir: true });
    const { lost, phantom } = await assertStoreMatchesOpenvpn(bed, servers, everyone.length);
    process.stdout.write(
      `# measured (${dialect}, kill -9): ${everyone.length} clients (${wave.length} mid-connect, ${whileDown.length} while down, outage ${restartAt - killedAt} ms); ` +
        `restart → ready ${readyAt - restartAt} ms; ready → all connected ${lastMs} ms; refused 0; lost ${lost}; phantom ${phantom}\n`,
    );
  });

  test('graceful restart under a steady trickle of connects: all connected, none refused', async () => {
    const bed = await testBed(dialect, cleanups);
    const first = await serve(bed);
    const servers = await createServers(first.api, first.sluice.url);
    // Profiles and passcodes first: the API goes away in the middle of the trickle.
    const planned: { profile: string; passcode?: string }[] = [];
    for (let i = 0; i < 16; i++) planned.push(i % 4 === 3 ? { profile: servers.userProfile, passcode: await servers.passcode() } : { profile: await servers.certProfile(`trickle-${i}`) });

    const trickle: VpnClientProcess[] = [];
    let restartAt = 0;
    let readyAt = 0;
    let second: { sluice: SluiceProcess; api: TestApi } | undefined;
    const restart = (async () => {
      await sleep(1200);
      restartAt = Date.now();
      await first.sluice.stop({ keepDataDir: true });
      second = await serve(bed);
      readyAt = Date.now();
    })();
    for (const plan of planned) {
      trickle.push(launch(bed, plan.profile, plan.passcode));
      await sleep(350);
    }
    await restart;
    assert.ok(second !== undefined);
    const lastMs = await allConnected(trickle, readyAt, GOAL_MS);
    assert.equal(refused(trickle), 0, 'no client refused or gone');
    await eventually('API lists every client', async () => {
      const counts = await Promise.all([servers.cert.id, servers.user.id].map(async (id) => ((await second!.api.ok('GET', `/v1/vpn_servers/${id}/clients?status=connected&limit=100`)).clients as Json[]).length));
      return counts[0] === 12 && counts[1] === 4 ? true : undefined;
    });
    const retried = trickle.filter((c) => /server-pushed-connection-reset/.test(c.output())).length;
    await second.sluice.stop({ keepDataDir: true });
    const { lost, phantom } = await assertStoreMatchesOpenvpn(bed, servers, trickle.length);
    process.stdout.write(
      `# measured (${dialect}, graceful restart): ${trickle.length} clients, one every 350 ms; stop+start → ready ${readyAt - restartAt} ms; ` +
        `ready → all connected ${lastMs} ms; kicked to retry ${retried}; refused 0; lost ${lost}; phantom ${phantom}\n`,
    );
  });
});
