/**
 * What a (re)attaching agent does about what happened while nobody held the management socket,
 * with the real agent, the real domain and store (both dialects), and the fake management socket
 * (real protocol) standing in for OpenVPN so the timing of each event can be chosen:
 * - attempts left unanswered are kicked (`client-kill … RESTART`), and a passcode one of them
 *   spent is valid again for the client's retry, once;
 * - sessions that ended meanwhile are recorded with the time OpenVPN logged, or else the last
 *   moment an agent saw them alive, not the re-attach time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { GatewayAgent } from '../../src/gateway/agent/agent.ts';
import { serverPaths } from '../../src/gateway/agent/server-files.ts';
import { GatewayLink } from '../../src/server/gateway-link.ts';
import { findServer } from '../../src/store/vpn-servers.ts';
import { findClientBySession } from '../../src/store/clients.ts';
import { FakeManagementServer } from '../support/fake-management.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';
import { testDialects } from '../support/dialects.ts';
import { eventually } from '../support/openvpn-client.ts';
import { killAll, openvpnPids } from '../support/sluice-process.ts';

/** Stands in for the openvpn binary: a process that lives until signalled, adoptable by pid file. */
function installIdleOpenvpn(dir: string): string {
  const binary = join(dir, 'openvpn');
  writeFileSync(binary, `#!${process.execPath}\nsetInterval(() => undefined, 1 << 30);\n`);
  chmodSync(binary, 0o755);
  return binary;
}

function newAgent(h: Harness, dataDir: string, binary: string): GatewayAgent {
  const link = new GatewayLink(() => ({ ctx: h.ctx, identity: h.identity, certificates: h.certificates }));
  const agent = new GatewayAgent(link, { gatewayDir: join(dataDir, 'gateway'), openvpnBinary: binary, extraArgs: [], timers: {}, degradedForMs: 60_000, now: () => Date.now() }, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  link.connectAgent((notice) => agent.notify(notice));
  return agent;
}

const commandsFor = (fake: FakeManagementServer, cid: number): string[] => fake.commands.filter((c) => new RegExp(`^client-(auth-nt|auth|deny|kill) ${cid}\\b`).test(c));

for (const dialect of testDialects()) {
  describe(`agent attach after an outage (${dialect})`, () => {
    test('unanswered attempts are kicked and their passcode serves the retry; ends seen by nobody get their real time', async () => {
      const h = await startHarness(dialect);
      const dataDir = mkdtempSync(join(tmpdir(), 'sluice-attach-'));
      const binary = installIdleOpenvpn(dataDir);
      let fake: FakeManagementServer | undefined;
      const agents: GatewayAgent[] = [];
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.55.0.0/16', client_authentication: [{ method: 'username' }] } }));
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'uma', roles: [{ role: 'VPNClient' }] } }));
        await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'laptop' } });
        const passcodes = await Promise.all([0, 1, 2, 3].map(() => h.identity.issuePasscode(user.id)));
        const [early, later, spent, lost] = passcodes.map((p) => p.passcode) as [string, string, string, string];
        const paths = serverPaths(join(dataDir, 'gateway'), server.id);

        const first = newAgent(h, dataDir, binary);
        agents.push(first);
        await first.start();
        await eventually('server files written', async () => (existsSync(paths.dir) ? true : undefined));
        const epoch = Math.floor(Date.now() / 1000) - 5;
        fake = await FakeManagementServer.start({ socketPath: paths.socket, daemonStartTime: epoch, autoEstablish: false });
        const serving = async (): Promise<true | undefined> => ((await findServer(h.ctx.store.db, server.id))?.lifecycleState === 'stable' ? true : undefined);
        await eventually('first agent attached', serving);
        assert.equal(statSync(paths.socket).mode & 0o777, 0o600, 'management socket made owner-only');

        // Two live sessions, both to end while no agent is attached.
        const logged = fake.connectClient({ username: 'uma', password: early, port: 41001, timeUnix: epoch + 1 });
        const unlogged = fake.connectClient({ username: 'uma', password: later, port: 41002, timeUnix: epoch + 1 });
        for (const cid of [logged, unlogged]) {
          await fake.waitForCommand(`client-auth-nt ${cid} `);
          fake.establish(cid);
        }
        await eventually('both recorded', async () => ((await findClientBySession(h.ctx.store.db, server.id, `${epoch}:${unlogged}`)) ? true : undefined));
        // An attempt the first agent decides (its passcode is spent) but that is not a session yet.
        const answered = fake.connectClient({ username: 'uma', password: spent, port: 41003 });
        await fake.waitForCommand(`client-auth-nt ${answered} `);

        // The control plane goes away.
        await first.detach();
        const detachedAt = Date.now();
        await eventually('socket released', async () => (fake?.attached ? undefined : true));
        // Meanwhile: an attempt nobody hears of, and both sessions end (OpenVPN logs only one).
        const unheard = fake.connectClient({ username: 'uma', password: lost, port: 41004 });
        const endedAt = Math.floor(Date.now() / 1000);
        fake.logHistory.push(`${endedAt},,UNDEF/127.0.0.1:41001 SIGTERM[soft,remote-exit] received, client-instance exiting`);
        fake.disconnectClient(logged);
        fake.disconnectClient(unlogged);
        await new Promise((resolve) => setTimeout(resolve, 1200)); // the outage lasts a while

        const second = newAgent(h, dataDir, binary);
        agents.push(second);
        const attachStarted = Date.now();
        await second.start();
        for (const cid of [answered, unheard]) {
          const kill = await fake.waitForCommand(`client-kill ${cid} `);
          assert.match(kill, /"RESTART,/, 'kicked so that the client retries at once');
        }
        assert.equal(fake.commands.filter((c) => c.startsWith('client-kill')).length, 2, 'nothing else is kicked');

        const loggedRow = await eventually('logged end recorded', async () => {
          const row = await findClientBySession(h.ctx.store.db, server.id, `${epoch}:${logged}`);
          return row?.status === 'disconnected' ? row : undefined;
        });
        assert.equal(loggedRow.disconnectedAt, endedAt * 1000, "OpenVPN's own time of the end");
        const unloggedRow = await eventually('unlogged end recorded', async () => {
          const row = await findClientBySession(h.ctx.store.db, server.id, `${epoch}:${unlogged}`);
          return row?.status === 'disconnected' ? row : undefined;
        });
        assert.ok(unloggedRow.disconnectedAt !== null && unloggedRow.disconnectedAt <= detachedAt && unloggedRow.disconnectedAt >= detachedAt - 2000, `last seen alive (${unloggedRow.disconnectedAt}), not the re-attach (${attachStarted})`);

        // The kicked clients retry with the same passcodes: both are accepted, once.
        for (const passcode of [spent, lost]) {
          const retry = fake.connectClient({ username: 'uma', password: passcode });
          await eventually(`retry ${retry} decided`, async () => (commandsFor(fake!, retry).length > 0 ? true : undefined));
          assert.match(commandsFor(fake, retry)[0] ?? '', /^client-auth-nt /, `retry with a passcode of an unanswered attempt accepted: ${fake.commands.slice(-3).join(' | ')}`);
          const replay = fake.connectClient({ username: 'uma', password: passcode });
          await eventually(`replay ${replay} decided`, async () => (commandsFor(fake!, replay).length > 0 ? true : undefined));
          assert.match(commandsFor(fake, replay)[0] ?? '', /^client-deny /, 'a passcode still backs one session only');
        }
      } finally {
        for (const agent of agents) await agent.detach();
        await killAll(openvpnPids(dataDir));
        await fake?.close();
        await h.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
