import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { VpnServer, VpnServerClient } from '../../src/client/types.ts';
import { freeUdpPort, pollUntil, realOpenVpnSkipReason } from '../support/real-openvpn.ts';
import { runInPty, startWithCli, type Result, type Server } from './helpers.ts';

/**
 * The whole operator story with real processes: a real `openvpn` client connects with a profile
 * from `vpn-server-client-profile`, `vpn-server-clients` lists it, `vpn-server-client-disconnect`
 * ends it and the client process exits.
 */
let server: Server | undefined;
let openvpn: ChildProcess | undefined;
after(async () => {
  openvpn?.kill('SIGKILL');
  await server?.stop();
});

test('a real openvpn client is listed and disconnected through the CLI', async (t) => {
  const skip = realOpenVpnSkipReason();
  if (skip) return t.skip(skip);
  const started = await startWithCli();
  server = started.server;
  const cli: (...argv: string[]) => Promise<Result> = started.cli;
  const port = await freeUdpPort();
  const created = await cli('vpn-server-create', '--name', 'office', '--client-ip-pool', '10.99.0.0/16', '--port', String(port), '--output', 'json');
  assert.equal(created.code, 0, created.stderr);

  let state = '';
  try {
    await pollUntil(async () => {
      state = (JSON.parse((await cli('vpn-server', 'office', '--output', 'json')).stdout) as VpnServer).lifecycle_state;
      return state === 'stable';
    }, 'the VPN server to become stable', 20_000, 100);
  } catch (error) {
    throw new Error(`the VPN server stayed ${state}`, { cause: error });
  }

  const file = join(await mkdtemp(join(tmpdir(), 'sluice-ovpn-')), 'alice.ovpn');
  assert.equal((await cli('vpn-server-client-profile', 'office', '--common-name', 'alice', '--file', file)).code, 0);
  let clientLog = '';
  openvpn = spawn('openvpn', ['--config', file, '--ifconfig-noexec', '--route-noexec', '--verb', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  openvpn.stdout?.on('data', (chunk: Buffer) => void (clientLog += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => openvpn?.once('exit', (code) => resolve(code)));

  let connected: VpnServerClient | undefined;
  await pollUntil(async () => {
    const listed = JSON.parse((await cli('vpn-server-clients', 'office', '--status', 'connected', '--output', 'json')).stdout) as VpnServerClient[];
    connected = listed.find((c) => c.common_name === 'alice');
    return connected !== undefined;
  }, `alice to connect (client log: ${clientLog.slice(-500)})`, 30_000, 100);
  const id = connected?.id ?? '';

  const table = await cli('vpn-server-clients', 'office');
  assert.match(table.stdout, new RegExp(`^${id}\\s+10\\.99\\.\\d+\\.\\d+\\s+127\\.0\\.0\\.1:\\d+\\s+-\\s+alice\\s+connected\\s+\\S+\\s+-$`, 'm'));

  const disconnect = await cli('vpn-server-client-disconnect', 'office', id, '-f');
  assert.equal(disconnect.code, 0, disconnect.stderr);
  assert.match(disconnect.stdout, new RegExp(`OK\\nDisconnection request for VPN client ${id} has been accepted\\.\\n$`));

  await pollUntil(async () => (JSON.parse((await cli('vpn-server-client', 'office', id, '--output', 'json')).stdout) as VpnServerClient).status === 'disconnected', 'the record to say disconnected', 20_000, 100);
  const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 20_000))]);
  assert.notEqual(code, 'running', `the openvpn client should exit after the disconnect; log:\n${clientLog.slice(-1500)}`);

  // Bulk disconnect by common name, confirmed on a real terminal, shows the sessions ending.
  const again = spawn('openvpn', ['--config', file, '--ifconfig-noexec', '--route-noexec', '--verb', '3'], { stdio: 'ignore' });
  openvpn = again;
  const againExited = new Promise<void>((resolve) => again.once('exit', () => resolve()));
  await pollUntil(async () => {
    const listed = JSON.parse((await cli('vpn-server-clients', 'office', '--status', 'connected', '--common-name', 'alice', '--output', 'json')).stdout) as VpnServerClient[];
    return listed.length === 1;
  }, 'alice to reconnect', 30_000, 100);
  const bulk = await runInPty(['vpn-server-client-disconnect', 'office', '--common-name', 'alice'], started.env, 'y\n');
  assert.equal(bulk.code, 0, bulk.stdout);
  assert.match(bulk.stdout, /This will disconnect every VPN client with common name alice on VPN server office and cannot be undone\. Continue \[y\/N\] \?> /);
  assert.match(bulk.stdout, /Disconnection request for VPN client \S+ has been accepted\./);
  assert.match(bulk.stdout, /Sessions ended: \d\/1/);
  assert.match(bulk.stdout, /The session has ended\.\n$/);
  const ended = await Promise.race([againExited.then(() => 'exited'), new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 20_000))]);
  assert.equal(ended, 'exited', 'the second openvpn client should exit too');
});
