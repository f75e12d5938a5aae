/**
 * `kill -9` of a VPN server's openvpn with a real client connected: Sluice restarts it, health says
 * so while it happens, the ended session is dated at the process's death, the client notices the
 * dead server by the keepalive the server pushes and reconnects by itself, and the files that hold
 * secrets or names stay owner-only. (Dialect-independent: SQLite only.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const completions = (client: VpnClientProcess): number => client.output().split('Initialization Sequence Completed').length - 1;

run('openvpn crash with a real client', () => {
  let sluice: SluiceProcess;
  let api: TestApi;
  let client: VpnClientProcess | undefined;

  before(async () => {
    sluice = await startSluice({ env: { SLUICE_DEGRADED_SECONDS: '20' } });
    api = await new TestApi(sluice.url, sluice.adminApiKey).login();
  });
  after(async () => {
    await client?.stop();
    await sluice?.stop();
  });

  test('restarted with health telling it, session dated at the crash, client back by itself, files owner-only', async () => {
    const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.74.0.0/20', client_authentication: [{ method: 'certificate' }] });
    await eventually('server ok', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined));
    const dir = join(sluice.dataDir, 'gateway', String(server.id));
    assert.equal(modeOf(join(dir, 'mgmt.sock')), '600', 'management socket');
    assert.equal(modeOf(join(dir, 'openvpn.log')), '600', 'openvpn log');

    const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'kim' })).text;
    client = startVpnClient(profile, undefined, { persistent: true });
    await client.connected();
    assert.match(client.output(), /ping 4, ping-restart 12/, 'the server pushes the keepalive that bounds the outage');
    const [row] = await eventually('kim listed', async () => {
      const list = (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients as Json[];
      return list.length === 1 ? list : undefined;
    });

    // Health is watched from before the kill, so that a short-lived state is not missed.
    const seen: string[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
        const code = `${s.health_state}:${s.health_reasons?.[0]?.code ?? ''}`;
        if (seen.at(-1) !== code) seen.push(code);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const killed = sluice.openvpnPidOf(String(server.id));
    assert.ok(killed !== undefined && alive(killed));
    const killedAt = Date.now();
    process.kill(killed, 'SIGKILL');
    await eventually('openvpn running again', async () => {
      const pid = sluice.openvpnPidOf(String(server.id));
      return pid !== undefined && pid !== killed && alive(pid) ? true : undefined;
    });
    await eventually('restarted and serving', async () => (seen.includes('degraded:openvpn_restarted') ? true : undefined));
    const restartedMs = Date.now() - killedAt;
    assert.equal(modeOf(join(dir, 'mgmt.sock')), '600', "the new process's socket too");

    const ended = await api.ok('GET', `/v1/vpn_servers/${server.id}/clients/${row.id}`);
    assert.equal(ended.status, 'disconnected');
    const endedDelta = Date.parse(ended.disconnected_at) - killedAt;
    assert.ok(endedDelta >= 0 && endedDelta < 2000, `disconnected_at is when openvpn died (${endedDelta} ms after the kill)`);

    await eventually('client reconnected by itself', async () => (completions(client!) >= 2 ? true : undefined), 30_000, 20);
    const reconnectedMs = Date.now() - killedAt;
    assert.match(client.output(), /Inactivity timeout \(--ping-restart\)/, 'noticed by the pushed keepalive');
    await eventually('the new session is listed', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients.length === 1 ? true : undefined));
    await eventually('health ok after the degraded window', async () => (seen.at(-1) === 'ok:' ? true : undefined), 30_000);
    watching = false;
    await watch;
    const firstRestarting = seen.indexOf('degraded:openvpn_restarting');
    assert.ok(firstRestarting >= 0, `openvpn_restarting shown while it was down: ${seen.join(' → ')}`);
    assert.ok(firstRestarting < seen.indexOf('degraded:openvpn_restarted'), seen.join(' → '));
    assert.ok(!seen.includes('inapplicable:'), `no "pending" in between: ${seen.join(' → ')}`);
    process.stdout.write(`# measured: kill -9 of openvpn → serving again ${restartedMs} ms; → client reconnected ${reconnectedMs} ms; health ${seen.join(' → ')}\n`);
  });
});
