/**
 * The baseline VPN server: the config Sluice renders (same renderer, same defaults), run by a
 * plain `openvpn` child with a raw management client. Certificates come from the openssl CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSpec } from '../../src/gateway/channel.ts';
import { serverPaths, writeServerFiles, type TestTimers } from '../../src/gateway/agent/server-files.ts';
import { deviceName } from '../../src/gateway/dataplane/names.ts';
import { renderClientProfile } from '../../src/gateway/openvpn-config.ts';
import { freeUdpPort, makeTestPki } from '../../test/support/real-openvpn.ts';
import type { Cleanup } from './cleanup.ts';
import { RawManagementClient } from './raw-management.ts';

export interface RawServer {
  management: RawManagementClient;
  profile: string;
}

/**
 * `like` carries the Sluice server's settings (pool, idle timeout, …) so both configs match;
 * `timers` overrides the renderer's keepalive or hand-window.
 */
export async function startRawServer(cleanup: Cleanup, like: Pick<ServerSpec, 'clientIpPool' | 'idleTimeoutSeconds' | 'splitTunnel' | 'dnsServers'>, timers: TestTimers = {}): Promise<RawServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-raw-'));
  cleanup.add('remove raw server dir', () => rmSync(dir, { recursive: true, force: true }));
  const pki = makeTestPki(dir, 'bench');
  const pem = (file: string): string => readFileSync(file, 'utf8');
  const port = await freeUdpPort();
  const spec: ServerSpec = {
    id: 'raw',
    name: 'raw',
    revision: 'raw',
    port,
    protocol: 'udp',
    routes: [],
    authMethods: { certificate: true, username: false },
    serverCertificatePem: pem(pki.serverCert),
    serverKeyPem: pem(pki.serverKey),
    clientCaPem: pem(pki.ca),
    crlPem: undefined,
    ...like,
  };
  const paths = serverPaths(join(dir, 'gateway'), 'raw');
  writeServerFiles(paths, spec, { device: deviceName(spec.id), timers });
  const child = spawn('openvpn', ['--config', paths.config, '--ifconfig-noexec', '--route-noexec'], { cwd: paths.dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add('stop raw openvpn', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const management = await RawManagementClient.connect(paths.socket);
  cleanup.add('close raw management', () => management.close());
  const profile = renderClientProfile({ host: '127.0.0.1', port, protocol: 'udp', username: false, serverName: 'sluice-test-server', caPem: spec.clientCaPem, certPem: pem(pki.clientCert), keyPem: pem(pki.clientKey) });
  return { management, profile };
}
