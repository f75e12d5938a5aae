/**
 * A disconnect on a lossy path: `client-kill … HALT`, then — after the grace — `kill IP:port`
 * ends the instance. The HALT travels on OpenVPN's control channel, which retransmits lost packets;
 * the grace is what lets it. Real OpenVPN server and clients, each in a network namespace this test
 * creates (198.18.50.0/24 underlay, 100.64.50.0/24 pool, no tunnel traffic), with an nftables rule
 * inside the client namespace dropping 30 % of the VPN packets both ways (`numgen random`).
 *
 * Loss is switched on once every client is connected (the handshakes are not what is measured);
 * a client whose HALT were lost would see its instance vanish, hit ping-restart and reconnect.
 * `SLUICE_LOSSY_GRACES=0,600,1200` runs the round once per grace and prints how many halted
 * (how the default grace was chosen); the test itself runs the default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderClientProfile, renderServerConfig } from '../../src/gateway/openvpn-config.ts';
import { ManagementConnection } from '../../src/gateway/io/management-connection.ts';
import type { EstablishedFact, SessionFact } from '../../src/gateway/core/sessions.ts';
import { DEFAULT_KILL_GRACE_MS } from '../../src/config/serve-config.ts';
import { dataplaneSuiteSkipReason, scratchNamespace } from '../dataplane/support/lab.ts';
import { makeTestPki, pollUntil } from '../support/real-openvpn.ts';
import { startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const skip = dataplaneSuiteSkipReason();
const SERVER_IP = '198.18.50.1';
const CLIENT_IP = '198.18.50.2';
const PORT = 1194;
const CLIENTS = 10;
const LOSS_PERCENT = 30;

interface Outcome {
  halted: number;
  /** Still running without a HALT in their log: the HALT never reached them before the instance ended. */
  lost: number;
  reconnected: number;
  /** HALT accepted → OpenVPN's DISCONNECT, per client (ms). */
  disconnectMs: number[];
}

test(`lossy path (${LOSS_PERCENT} % drop): killed clients halt and do not reconnect; DISCONNECT comes after the grace, not after 5 s`, { skip, timeout: 240_000 }, async (t) => {
  const gw = scratchNamespace();
  const cl = scratchNamespace();
  t.after(() => {
    cl.remove();
    gw.remove();
  });
  execFileSync('ip', ['link', 'add', 'eth0', 'netns', gw.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', cl.name]);
  for (const [ns, address] of [[gw, SERVER_IP], [cl, CLIENT_IP]] as const) {
    ns.run('ip', ['link', 'set', 'lo', 'up']);
    ns.run('ip', ['addr', 'add', `${address}/24`, 'dev', 'eth0']);
    ns.run('ip', ['link', 'set', 'eth0', 'up']);
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-lossy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makeTestPki(dir, 'lossy');
  const socketDir = path.join(dir, 'mgmt');
  mkdirSync(socketDir, { mode: 0o700 });
  const socketPath = path.join(socketDir, 'management.sock');
  writeFileSync(
    path.join(dir, 'server.conf'),
    renderServerConfig({
      port: PORT,
      protocol: 'udp',
      listenAddress: SERVER_IP,
      clientIpPool: '100.64.50.0/24',
      dnsServers: [],
      splitTunnel: true,
      routes: [],
      idleTimeoutSeconds: 0,
      authMethods: { certificate: true, username: false },
      paths: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, managementSocket: socketPath },
      // A client whose HALT were lost notices its vanished instance within 6 s and reconnects.
      keepalive: { interval: 1, timeout: 6 },
      handWindow: 30,
    }),
  );
  // Runs inside the gateway namespace; removing the namespace kills it (and any client left).
  const server = execFileSync('ip', ['netns', 'exec', gw.name, 'openvpn', '--config', 'server.conf', '--ifconfig-noexec', '--route-noexec', ...(process.env['SLUICE_LOSSY_TLS_TIMEOUT'] ? ['--tls-timeout', process.env['SLUICE_LOSSY_TLS_TIMEOUT']] : []), '--daemon', '--writepid', 'server.pid', '--log', 'server.log'], { cwd: dir });
  void server;
  await pollUntil(() => {
    try {
      return readFileSync(path.join(dir, 'server.log'), 'utf8').includes('MANAGEMENT: unix domain socket listening');
    } catch {
      return false;
    }
  }, 'openvpn management socket', 10_000);
  const profile = renderClientProfile({ host: SERVER_IP, port: PORT, protocol: 'udp', username: false, serverName: 'sluice-test-server', caPem: readFileSync(pki.ca, 'utf8'), certPem: readFileSync(pki.clientCert, 'utf8'), keyPem: readFileSync(pki.clientKey, 'utf8') });

  const graces = (process.env['SLUICE_LOSSY_GRACES'] ?? String(DEFAULT_KILL_GRACE_MS)).split(',').map((g) => (g === 'off' ? undefined : Number(g)));
  for (const grace of graces) {
    const outcome = await round(grace);
    process.stderr.write(`lossy kill, grace ${grace ?? 'off'} ms, ${LOSS_PERCENT} % loss: ${outcome.halted}/${CLIENTS} halted, ${outcome.lost} HALT lost (${outcome.reconnected} reconnected so far); HALT→DISCONNECT ms ${outcome.disconnectMs.map((ms) => ms.toFixed(0)).join(' ')}\n`);
    if (process.env['SLUICE_LOSSY_GRACES'] !== undefined) continue;
    // The follow-up ended the instances under loss (OpenVPN alone reports them 5 s after the HALT).
    assert.ok(outcome.disconnectMs.every((ms) => ms < 5000), `DISCONNECT before OpenVPN's own interval: ${outcome.disconnectMs.join(', ')}`);
    // Every client that got its HALT exited; none was restarted instead (a RESTART or a kill
    // without HALT would show as running clients with no HALT in their log and reconnects).
    assert.equal(outcome.halted + outcome.lost, CLIENTS);
    // A HALT lost on every transmission inside the grace cannot be helped (OpenVPN's own 5 s has
    // the same odds with two transmissions); at 30 % loss one transmission gets through 70 % of the
    // time, so fewer than 4 of 10 halting means HALTs are not being delivered (p < 1.1 %).
    assert.ok(outcome.halted >= 4, `${outcome.halted} of ${CLIENTS} halted`);
  }

  async function round(graceMs: number | undefined): Promise<Outcome> {
    const connection = new ManagementConnection({ socketPath, killGraceMs: graceMs });
    const facts: SessionFact[] = [];
    connection.on('fact', (fact) => {
      facts.push(fact);
      if (fact.type === 'auth_request') void connection.authorize(fact.key.cid, fact.kid, { allow: true }).catch(() => undefined);
    });
    await connection.connect();
    await connection.send({ lines: ['hold release'], expect: 'line' });
    const clients: VpnClientProcess[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) clients.push(startVpnClient(profile, undefined, { netns: cl.name, persistent: true, extraArgs: ['--dev', 'null', '--ifconfig-noexec', '--route-noexec'] }));
      await Promise.all(clients.map((c) => c.connected(30_000)));
      await pollUntil(() => facts.filter((f) => f.type === 'established').length >= CLIENTS, 'every ESTABLISHED', 15_000);
      const sessions = facts.filter((f): f is EstablishedFact => f.type === 'established');
      // From now on the client's path loses 30 % of the VPN packets, each way.
      cl.run('nft', ['-f', '-'], `table inet lossy {\n chain out { type filter hook output priority 0; udp dport ${PORT} numgen random mod 100 < ${LOSS_PERCENT} drop; }\n chain in { type filter hook input priority 0; udp sport ${PORT} numgen random mod 100 < ${LOSS_PERCENT} drop; }\n}\n`);
      const connectsBefore = facts.filter((f) => f.type === 'auth_request').length;
      const haltedAt = new Map<number, number>();
      await Promise.all(
        sessions.map(async (s) => {
          await connection.killClient(s.key.cid, 'disconnected by the VPN operator');
          haltedAt.set(s.key.cid, Date.now());
        }),
      );
      // The agent's timer, in short: send follow-ups when due.
      const followUps = setInterval(() => {
        if (connection.followUpDelayMs() === 0) void connection.sendFollowUps();
      }, 20);
      try {
        await pollUntil(() => sessions.every((s) => facts.some((f) => f.type === 'disconnected' && f.key.cid === s.key.cid)), 'every DISCONNECT', 15_000);
        // Long enough for a client that missed its HALT to time out (ping-restart 6 s) and reconnect.
        const settleUntil = Date.now() + 9000;
        await pollUntil(() => Date.now() > settleUntil || (clients.every((c) => !c.isRunning()) && Date.now() > settleUntil - 2000), 'clients settled', 15_000);
      } finally {
        clearInterval(followUps);
      }
      const disconnectMs = sessions.map((s) => {
        const ended = facts.find((f) => f.type === 'disconnected' && f.key.cid === s.key.cid);
        return ended === undefined ? Number.NaN : ended.type === 'disconnected' ? ended.endedAt - (haltedAt.get(s.key.cid) ?? 0) : Number.NaN;
      });
      const halted = (c: VpnClientProcess): boolean => !c.isRunning() && /server-pushed-halt/.test(c.output());
      return {
        halted: clients.filter(halted).length,
        lost: clients.filter((c) => !halted(c) && !/server-pushed-halt/.test(c.output())).length,
        reconnected: facts.filter((f) => f.type === 'auth_request').length - connectsBefore,
        disconnectMs,
      };
    } finally {
      cl.run('nft', ['delete', 'table', 'inet', 'lossy'], undefined);
      await Promise.all(clients.map((c) => c.stop()));
      connection.close();
    }
  }
});
