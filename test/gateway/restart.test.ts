import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, openvpnPids, startSluice } from '../support/sluice-process.ts';
import { TestApi, type Json } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? describe : describe.skip;

/** A data dir that outlives one `sluice serve`, with every openvpn of it killed at the end. */
async function withDataDir(work: (dataDir: string, clients: VpnClientProcess[]) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-restart-'));
  const clients: VpnClientProcess[] = [];
  try {
    await work(dataDir, clients);
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await killAll(openvpnPids(dataDir));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function serverWithClients(api: TestApi, names: string[], clients: VpnClientProcess[]): Promise<{ server: Json; rows: Json[] }> {
  const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.70.0.0/20', client_authentication: [{ method: 'certificate' }] });
  await eventually('server stable', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).lifecycle_state === 'stable' ? true : undefined));
  await Promise.all(
    names.map(async (name) => {
      const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: name })).text;
      const client = startVpnClient(profile);
      clients.push(client);
      await client.connected();
    }),
  );
  const rows = await eventually('all clients listed', async () => {
    const list = (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients as Json[];
    return list.length === names.length ? list : undefined;
  });
  return { server, rows };
}

const summary = (rows: Json[]): string[] => rows.map((r) => `${r.id} ${r.status} ${r.common_name} ${r.client_ip.address} ${r.created_at}`).sort();

run('control plane restarts without dropping VPN users', () => {
  test('restarting sluice serve while 5 clients are connected drops none and changes no record', async () => {
    await withDataDir(async (dataDir, clients) => {
      const first = await startSluice({ dataDir });
      const api = await new TestApi(first.url, first.adminApiKey).login();
      const { server, rows } = await serverWithClients(api, ['u1', 'u2', 'u3', 'u4', 'u5'], clients);
      const openvpnPid = first.openvpnPidOf(server.id);
      await first.stop({ keepDataDir: true });
      assert.ok(clients.every((c) => c.isRunning()), 'no client dropped while the control plane was down');

      const restarted = Date.now();
      const second = await startSluice({ dataDir });
      try {
        const api2 = await new TestApi(second.url, second.adminApiKey).login();
        assert.equal(second.openvpnPidOf(server.id), openvpnPid, 'the same openvpn process serves on');
        const after = (await api2.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients as Json[];
        assert.deepEqual(summary(after), summary(rows));
        const s = await eventually('re-attached', async () => {
          const x = await api2.ok('GET', `/v1/vpn_servers/${server.id}`);
          return x.lifecycle_state === 'stable' && x.health_state === 'ok' ? x : undefined;
        });
        assert.equal(s.connected_clients, 5);
        process.stdout.write(`# measured: restart → re-attached and reconciled in ${Date.now() - restarted} ms\n`);
        assert.ok(clients.every((c) => c.isRunning()));
        // The re-attached agent still commands the process.
        const target = rows[0];
        await api2.ok('POST', `/v1/vpn_servers/${server.id}/clients/${target.id}/disconnect`);
        const exited = await Promise.race(clients.map((c) => c.exited.then(() => c)));
        assert.ok(!exited.isRunning());
        assert.equal(clients.filter((c) => c.isRunning()).length, 4);
      } finally {
        await second.stop({ keepDataDir: true });
      }
    });
  });

  test('a disconnect requested while no agent runs is carried out when the agent returns', async () => {
    await withDataDir(async (dataDir, clients) => {
      const first = await startSluice({ dataDir });
      const api = await new TestApi(first.url, first.adminApiKey).login();
      const { server, rows } = await serverWithClients(api, ['waiting'], clients);
      await first.stop({ keepDataDir: true });

      const apiOnly = await startSluice({ dataDir, args: ['--gateway', 'none'] });
      const api2 = await new TestApi(apiOnly.url, apiOnly.adminApiKey).login();
      assert.equal((await api2.call('POST', `/v1/vpn_servers/${server.id}/clients/${rows[0].id}/disconnect`)).status, 202);
      const pending = await api2.ok('GET', `/v1/vpn_servers/${server.id}/clients/${rows[0].id}`);
      assert.ok(pending.disconnect_requested_at);
      assert.ok(clients[0]?.isRunning(), 'nothing acts on the intent without an agent');
      await apiOnly.stop({ keepDataDir: true });

      const third = await startSluice({ dataDir });
      try {
        await clients[0]?.exited;
        const api3 = await new TestApi(third.url, third.adminApiKey).login();
        await eventually('record disconnected', async () => ((await api3.ok('GET', `/v1/vpn_servers/${server.id}/clients/${rows[0].id}`)).status === 'disconnected' ? true : undefined));
      } finally {
        await third.stop({ keepDataDir: true });
      }
    });
  });
});
