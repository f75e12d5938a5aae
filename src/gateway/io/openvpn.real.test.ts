/**
 * End to end against real OpenVPN 2.6 on 127.0.0.1: renderer → OpenVpnProcess → ManagementConnection
 * → a real client. Network rule: loopback only, `--ifconfig-noexec --route-noexec` on both ends,
 * `dev null` client, no traffic through the tunnel, only our own pids are signalled.
 *
 * SLUICE_RECORD_FIXTURES=1 rewrites test/fixtures/management/openvpn-2.6-session.txt from this run
 * (sanitised); the fake management server's tests replay that file.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderClientProfile, renderServerConfig, type ServerConfigSpec } from '../openvpn-config.ts';
import { reconcile } from '../core/reconcile.ts';
import type { EstablishedFact, SessionFact } from '../core/sessions.ts';
import { ManagementConnection } from './management-connection.ts';
import { OpenVpnProcess } from './openvpn-process.ts';
import { freeUdpPort, makeTestPki, pollUntil, realOpenVpnSkipReason } from '../../../test/support/real-openvpn.ts';
import { sanitiseTranscript } from '../../../test/support/transcript-file.ts';
import { FakeManagementServer } from '../../../test/support/fake-management.ts';

const skip = realOpenVpnSkipReason();
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/management/openvpn-2.6-session.txt');

type RealServerSpec = Pick<ServerConfigSpec, 'clientIpPool' | 'dnsServers' | 'splitTunnel' | 'routes' | 'authMethods'>;

/**
 * A temporary directory with a test PKI for `commonName`, and a real openvpn server on a free
 * loopback UDP port with its management socket up; both are removed after the test.
 */
async function startRealServer(t: TestContext, name: string, commonName: string, spec: RealServerSpec) {
  const dir = mkdtempSync(path.join(tmpdir(), `sluice-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makeTestPki(dir, commonName);
  const socketDir = path.join(dir, 'mgmt');
  mkdirSync(socketDir, { mode: 0o700 });
  const socketPath = path.join(socketDir, 'management.sock');
  const port = await freeUdpPort();
  const configPath = path.join(dir, 'server.conf');
  writeFileSync(
    configPath,
    renderServerConfig({
      port,
      protocol: 'udp',
      listenAddress: '127.0.0.1',
      ...spec,
      idleTimeoutSeconds: 0,
      paths: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, managementSocket: socketPath },
      keepalive: { interval: 2, timeout: 10 },
      handWindow: 10,
    }),
  );
  const server = await OpenVpnProcess.spawn({ configPath, extraArgs: ['--ifconfig-noexec', '--route-noexec'], cwd: dir });
  t.after(() => server.stop(5000));
  await pollUntil(() => existsSync(socketPath) || server.exitStatus !== undefined, 'management socket', 10_000);
  assert.equal(server.exitStatus, undefined, `openvpn exited:\n${server.recentOutput}`);
  return { dir, pki, socketPath, port, server };
}

test('real openvpn: hold release, auth, ESTABLISHED, status 3, HALT kill, DISCONNECT', { skip, timeout: 60_000 }, async (t) => {
  const { dir, pki, socketPath, port } = await startRealServer(t, 'real', 'alice, inc=x', {
    clientIpPool: '10.231.0.0/24',
    dnsServers: ['10.231.0.1'],
    splitTunnel: true,
    routes: [{ destination: '10.232.0.0/16', action: 'deliver' }],
    authMethods: { certificate: true, username: true },
  });

  const transcript: Array<['in' | 'out', string]> = [];
  const connection = new ManagementConnection({ socketPath, autoHoldRelease: false, trace: (direction, text) => transcript.push([direction, text]) });
  const facts: SessionFact[] = [];
  connection.on('fact', (fact) => facts.push(fact));
  const attachStart = Date.now();
  await connection.connect();
  t.after(() => connection.close());
  await pollUntil(() => transcript.some(([d, text]) => d === 'in' && text.includes('>HOLD:')), '>HOLD', 5000);
  await assert.rejects(connection.status(), /not supported by the current daemon mode/);
  await connection.stateOn();
  await connection.holdRelease();
  const attachMs = Date.now() - attachStart;

  // The client: rendered profile, test-only flags on the command line.
  const profilePath = path.join(dir, 'client.ovpn');
  writeFileSync(
    profilePath,
    renderClientProfile({
      host: '127.0.0.1',
      port,
      protocol: 'udp',
      username: true,
      serverName: 'sluice-test-server',
      caPem: readFileSync(pki.ca, 'utf8'),
      certPem: readFileSync(pki.clientCert, 'utf8'),
      keyPem: readFileSync(pki.clientKey, 'utf8'),
    }),
  );
  const password = 'p@ss=w, "x" y';
  writeFileSync(path.join(dir, 'creds.txt'), `bob\n${password}\n`, { mode: 0o600 });
  const clientStart = Date.now();
  const client = spawn('openvpn', ['--config', profilePath, '--dev', 'null', '--ifconfig-noexec', '--route-noexec', '--auth-user-pass', 'creds.txt', '--verb', '3'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let clientLog = '';
  client.stdout.on('data', (d: Buffer) => (clientLog += d.toString()));
  client.stderr.on('data', (d: Buffer) => (clientLog += d.toString()));
  const clientExit = new Promise<number>((resolve) => client.once('exit', () => resolve(Date.now())));
  t.after(() => {
    if (client.exitCode === null && client.signalCode === null && client.pid !== undefined) process.kill(client.pid, 'SIGTERM');
  });

  await pollUntil(() => facts.some((f) => f.type === 'auth_request'), `CONNECT\n${clientLog}`, 15_000);
  const auth = facts.find((f) => f.type === 'auth_request');
  assert.ok(auth?.type === 'auth_request');
  assert.equal(auth.username, 'bob');
  assert.equal(auth.password, password, 'passwords arrive untrimmed with =, commas, quotes');
  assert.equal(auth.commonName, 'alice, inc=x');
  assert.equal(auth.untrustedIp, '127.0.0.1');
  assert.ok(auth.key.processStart > 1_600_000_000, 'daemon_start_time keys the session');
  await connection.authorize(auth.key.cid, auth.kid, { allow: true });

  await pollUntil(() => facts.some((f) => f.type === 'established'), `ESTABLISHED\n${clientLog}`, 15_000);
  const connectMs = Date.now() - clientStart;
  const established = facts.find((f): f is EstablishedFact => f.type === 'established');
  assert.ok(established !== undefined);
  assert.deepEqual(established.key, auth.key);
  assert.match(established.clientIp ?? '', /^10\.231\.0\.\d+$/);
  assert.equal(established.remoteIp, '127.0.0.1');
  assert.equal(established.remotePort, auth.untrustedPort);
  assert.equal(established.username, 'bob');
  assert.equal(established.commonName, 'alice, inc=x');
  assert.ok(Math.abs(established.startedAt - Date.now()) < 30_000);

  const status = await connection.status();
  assert.equal(status.clients.length, 1);
  const row = status.clients[0];
  assert.equal(row?.cid, auth.key.cid);
  assert.equal(row?.username, 'bob');
  assert.equal(row?.commonName, 'alice, inc=x');
  assert.equal(row?.virtualAddress, established.clientIp);
  assert.deepEqual(row?.realAddress, { ip: '127.0.0.1', port: established.remotePort });
  assert.equal(row?.connectedSince, established.startedAt);
  assert.deepEqual(reconcile([{ key: established.key, startedAt: established.startedAt }], status, auth.key.processStart), { ended: [], discovered: [] });
  assert.deepEqual(reconcile([], status, auth.key.processStart).discovered.map((d) => d.key), [established.key]);

  const killAt = Date.now();
  await connection.killClient(auth.key.cid, 'test');
  const exitedAt = await Promise.race([clientExit, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`client did not exit\n${clientLog}`)), 10_000))]);
  const killToExitMs = exitedAt - killAt;
  assert.match(clientLog, /HALT|exit/i);
  await pollUntil(() => facts.some((f) => f.type === 'disconnected'), 'DISCONNECT', 15_000);
  const killToDisconnectMs = Date.now() - killAt;
  const disconnected = facts.find((f) => f.type === 'disconnected');
  assert.ok(disconnected?.type === 'disconnected');
  assert.deepEqual(disconnected.key, auth.key);
  assert.equal(disconnected.wasEstablished, true);
  assert.ok((disconnected.bytesSent ?? 0) > 0 && (disconnected.bytesReceived ?? 0) > 0);

  process.stderr.write(`real openvpn timings: attach+hold release ${attachMs} ms, client start→ESTABLISHED ${connectMs} ms, kill→client exit ${killToExitMs} ms, kill→DISCONNECT ${killToDisconnectMs} ms\n`);
  if (process.env['SLUICE_RECORD_FIXTURES'] === '1') {
    writeFileSync(FIXTURE, sanitiseTranscript(transcript, { dir }));
  }
});

test('real openvpn: HALT then `kill IP:port` after the grace — client halts, DISCONNECT at once; the fake answers `kill` alike', { skip, timeout: 60_000 }, async (t) => {
  const { dir, pki, socketPath, port } = await startRealServer(t, 'real-kill', 'carol', {
    clientIpPool: '10.233.0.0/24',
    dnsServers: [],
    splitTunnel: false,
    routes: [],
    authMethods: { certificate: true, username: false },
  });
  const connection = new ManagementConnection({ socketPath, killGraceMs: 300 });
  const facts: SessionFact[] = [];
  connection.on('fact', (fact) => facts.push(fact));
  connection.on('fact', (fact) => {
    if (fact.type === 'auth_request') void connection.authorize(fact.key.cid, fact.kid, { allow: true });
  });
  await connection.connect();
  t.after(() => connection.close());
  await pollUntil(async () => (await connection.status().then(() => true, () => false)), 'serving', 10_000);

  const profilePath = path.join(dir, 'client.ovpn');
  writeFileSync(profilePath, renderClientProfile({ host: '127.0.0.1', port, protocol: 'udp', username: false, serverName: 'sluice-test-server', caPem: readFileSync(pki.ca, 'utf8'), certPem: readFileSync(pki.clientCert, 'utf8'), keyPem: readFileSync(pki.clientKey, 'utf8') }));
  const client = spawn('openvpn', ['--config', profilePath, '--dev', 'null', '--ifconfig-noexec', '--route-noexec', '--verb', '3'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let clientLog = '';
  client.stdout.on('data', (d: Buffer) => (clientLog += d.toString()));
  client.stderr.on('data', (d: Buffer) => (clientLog += d.toString()));
  let exited = false;
  client.once('exit', () => (exited = true));
  t.after(() => {
    if (client.exitCode === null && client.signalCode === null && client.pid !== undefined) process.kill(client.pid, 'SIGTERM');
  });
  await pollUntil(() => facts.some((f) => f.type === 'established'), `ESTABLISHED\n${clientLog}`, 15_000);
  const established = facts.find((f): f is EstablishedFact => f.type === 'established');
  assert.ok(established !== undefined);
  const address = `127.0.0.1:${established.remotePort ?? 0}`;

  // The fake must answer the error cases exactly as the real binary does.
  const fake = await FakeManagementServer.start({ hold: false });
  t.after(() => fake.close());
  const fakeConnection = new ManagementConnection({ socketPath: fake.socketPath });
  await fakeConnection.connect();
  t.after(() => fakeConnection.close());
  for (const victim of ['127.0.0.1:1', '127.0.0.1:0', '127.0.0.1:70000', '300.1.1.1:5', '::1:5', 'udp:127.0.0.1:5', 'nobody']) {
    const command = { lines: [`kill ${victim}`], expect: 'line' as const };
    assert.deepEqual(await fakeConnection.send(command), await connection.send(command), `kill ${victim}`);
  }

  await connection.killClient(established.key.cid, 'test');
  assert.ok((connection.followUpDelayMs() ?? -1) >= 0, 'a follow-up is due');
  await pollUntil(() => connection.followUpDelayMs() === 0, 'grace over', 5000);
  const sent = await connection.sendFollowUps();
  assert.deepEqual(sent.map((f) => f.command.lines[0]), [`kill ${address}`]);
  await pollUntil(() => facts.some((f) => f.type === 'disconnected'), 'DISCONNECT', 4000);
  await pollUntil(() => exited, `client exit\n${clientLog}`, 10_000);
  assert.match(clientLog, /server-pushed-halt|HALT/, 'the client got the HALT before its instance was ended');
  // The instance is gone: the same command now finds nobody, in the real binary and in the fake.
  const again = await connection.send({ lines: [`kill ${address}`], expect: 'line' });
  assert.deepEqual(again, { ok: false, text: `ERROR: client at address ${address} not found` });

  // A live fake client at that address is ended by the same command, with the real SUCCESS text.
  fake.connectClient({ ip: '127.0.0.1', port: established.remotePort ?? 0 });
  const fakeSuccess = await fakeConnection.send({ lines: [`kill ${address}`], expect: 'line' });
  assert.deepEqual(fakeSuccess, { ok: true, shape: 'line', text: `SUCCESS: 1 client(s) at address ${address} killed` });
});
