/**
 * The direct kill path and the follow-up `kill IP:port`, with the real agent, domain and store
 * (both dialects) and the fake management socket (real protocol, its `kill` replies checked against
 * OpenVPN 2.6.14 in openvpn.real.test.ts), which keeps a killed client 5 s like OpenVPN does:
 * - a disconnect's notice carries the intent: `client-kill … HALT` goes out without the agent
 *   asking the control plane for pending intents; the grace later `kill IP:port` ends the instance
 *   and the record turns disconnected without waiting for OpenVPN's 5 s;
 * - a new session that took over the address during the grace is not hit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { GatewayAgent } from '../../src/gateway/agent/agent.ts';
import { serverPaths } from '../../src/gateway/agent/server-files.ts';
import { GatewayLink } from '../../src/server/gateway-link.ts';
import type { AgentRequest } from '../../src/gateway/channel.ts';
import { findServer } from '../../src/store/vpn-servers.ts';
import { findClientBySession } from '../../src/store/clients.ts';
import { FakeManagementServer } from '../support/fake-management.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';
import { testDialects } from '../support/dialects.ts';
import { eventually } from '../support/openvpn-client.ts';
import { killAll, openvpnPids } from '../support/sluice-process.ts';

const GRACE_MS = 400;

/** Stands in for the openvpn binary: a process that lives until signalled, adoptable by pid file. */
function installIdleOpenvpn(dir: string): string {
  const binary = join(dir, 'openvpn');
  writeFileSync(binary, `#!${process.execPath}\nsetInterval(() => undefined, 1 << 30);\n`);
  chmodSync(binary, 0o755);
  return binary;
}

for (const dialect of testDialects()) {
  describe(`direct kill and follow-up kill (${dialect})`, () => {
    test('the notice carries the intent; HALT, then `kill IP:port` after the grace; a new session at the same address is spared', async () => {
      const h: Harness = await startHarness(dialect);
      const dataDir = mkdtempSync(join(tmpdir(), 'sluice-direct-kill-'));
      const binary = installIdleOpenvpn(dataDir);
      let fake: FakeManagementServer | undefined;
      let agent: GatewayAgent | undefined;
      try {
        const link = new GatewayLink(() => ({ ctx: h.ctx, identity: h.identity, certificates: h.certificates }));
        const requests: AgentRequest['type'][] = [];
        const channel = { request: <R extends AgentRequest>(request: R) => (requests.push(request.type), link.request(request)) };
        agent = new GatewayAgent(channel, { gatewayDir: join(dataDir, 'gateway'), openvpnBinary: binary, extraArgs: [], timers: {}, degradedForMs: 60_000, now: () => Date.now(), killGraceMs: GRACE_MS }, pino({ level: process.env.TEST_LOG ?? 'silent' }));
        const running = agent;
        link.connectAgent((notice) => running.notify(notice));
        // The domain tells this link (as in `sluice serve`), not the harness's recording stub.
        h.ctx.gateway = link;

        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.56.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'vic', roles: [{ role: 'VPNClient' }] } }));
        await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'laptop' } });
        const paths = serverPaths(join(dataDir, 'gateway'), server.id);
        await agent.start();
        await eventually('server files written', async () => (existsSync(paths.dir) ? true : undefined));
        const epoch = Math.floor(Date.now() / 1000) - 5;
        // Like OpenVPN: a client-kill alone ends the instance 5 s later.
        fake = await FakeManagementServer.start({ socketPath: paths.socket, daemonStartTime: epoch, killDisconnectDelayMs: 5000 });
        await eventually('agent attached', async () => ((await findServer(h.ctx.store.db, server.id))?.lifecycleState === 'stable' ? true : undefined));

        const connect = async (port: number): Promise<{ cid: number; id: string }> => {
          const { passcode } = await h.identity.issuePasscode(user.id);
          const cid = fake!.connectClient({ username: 'vic', password: passcode, ip: '198.18.7.9', port });
          const row = await eventually(`session ${cid} recorded`, async () => findClientBySession(h.ctx.store.db, server.id, `${epoch}:${cid}`));
          return { cid, id: row.id };
        };
        const status = async (cid: number): Promise<string | undefined> => (await findClientBySession(h.ctx.store.db, server.id, `${epoch}:${cid}`))?.status;

        // 1. Disconnect: client-kill at once, without a pending_kills round trip; kill IP:port after the grace.
        const a = await connect(41001);
        const before = requests.length;
        assert.equal((await h.call('POST', `/v1/vpn_servers/${server.id}/clients/${a.id}/disconnect`)).statusCode, 202);
        const halt = await fake.waitForCommand(`client-kill ${a.cid} `);
        assert.match(halt, /"HALT,disconnected by the VPN operator"/);
        assert.deepEqual(requests.slice(before).filter((type) => type === 'pending_kills'), [], 'the intent came with the notice');
        await fake.waitForCommand('kill 198.18.7.9:41001', 5000);
        await eventually('record disconnected before the 5 s of OpenVPN', async () => ((await status(a.cid)) === 'disconnected' ? true : undefined), 4000, 20);
        assert.equal(fake.commands.indexOf(halt) < fake.commands.indexOf('kill 198.18.7.9:41001'), true);

        // 2. The session ends and a new one takes its address during the grace: nothing is killed by address.
        const b = await connect(41002);
        assert.equal((await h.call('POST', `/v1/vpn_servers/${server.id}/clients/${b.id}/disconnect`)).statusCode, 202);
        await fake.waitForCommand(`client-kill ${b.cid} `);
        fake.disconnectClient(b.cid);
        const c = await connect(41002);
        await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 3)); // the grace of b has passed
        assert.equal(fake.commands.includes('kill 198.18.7.9:41002'), false, 'the new session at that address was spared');
        assert.equal(await status(c.cid), 'connected');
        assert.equal(fake.clients.has(c.cid), true);
      } finally {
        await agent?.detach();
        await killAll(openvpnPids(dataDir));
        await fake?.close();
        await h.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
