/**
 * The baseline VPN server: the config Sluice renders (same renderer, same defaults), run by a
 * plain `openvpn` child with a raw management client. Certificates come from the openssl CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSpec } from '../../src/gateway/channel.ts';
import { serverPaths, writeServerFiles, type ServerPaths, type TestTimers } from '../../src/gateway/agent/server-files.ts';
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
  const port = await freeUdpPort();
  const spec = rawSpec('raw', port, pki, like);
  const paths = serverPaths(join(dir, 'gateway'), 'raw');
  writeServerFiles(paths, spec, { device: deviceName(spec.id), timers });
  const { management } = await spawnRaw(cleanup, 'raw', paths);
  const profile = renderClientProfile({ host: '127.0.0.1', port, protocol: 'udp', username: false, serverName: 'sluice-test-server', caPem: spec.clientCaPem, certPem: pem(pki.clientCert), keyPem: pem(pki.clientKey) });
  return { management, profile };
}

export interface RawPairServer {
  address: string;
  pid: number;
  management: RawManagementClient;
}

export interface RawPair {
  /** One plain OpenVPN per address, same port, same PKI, same rendered config. */
  servers: RawPairServer[];
  /** The two-remote profile Sluice hands out for a server on two gateways (`remote-random`, `server-poll-timeout 10`). */
  profile: string;
  /** Starts server `index` again from its config (after a kill), once its management is attached. */
  restart(index: number): Promise<RawPairServer>;
}

/**
 * The failover baseline: two plain OpenVPN servers on two loopback addresses sharing one PKI, each
 * with its own raw management client, and a client profile naming both, rendered by the same
 * renderer as Sluice's. Each server gets its own half of the pool as a Sluice gateway does.
 */
export async function startRawPair(cleanup: Cleanup, addresses: readonly [string, string], pools: readonly [string, string], like: Pick<ServerSpec, 'idleTimeoutSeconds' | 'splitTunnel' | 'dnsServers'>): Promise<RawPair> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-rawpair-'));
  cleanup.add('remove raw pair dir', () => rmSync(dir, { recursive: true, force: true }));
  const pki = makeTestPki(dir, 'bench');
  const port = await freeUdpPort();
  const configs = addresses.map((address, i) => {
    const id = `raw${i}`;
    const spec = rawSpec(id, port, pki, { clientIpPool: pools[i] ?? '10.99.0.0/20', ...like });
    const paths = serverPaths(join(dir, `gateway-${i}`), id);
    writeServerFiles(paths, spec, { device: deviceName(id), listenAddress: address, timers: {} });
    return { address, paths };
  });
  const start = async (index: number): Promise<RawPairServer> => {
    const config = configs[index];
    if (config === undefined) throw new Error(`no raw server ${index}`);
    const { pid, management } = await spawnRaw(cleanup, `raw openvpn on ${config.address}`, config.paths);
    return { address: config.address, pid, management };
  };
  const servers = [await start(0), await start(1)];
  const profile = renderClientProfile({ host: addresses[0], otherHosts: [addresses[1]], port, protocol: 'udp', username: false, serverName: 'sluice-test-server', caPem: pem(pki.ca), certPem: pem(pki.clientCert), keyPem: pem(pki.clientKey) });
  return {
    servers,
    profile,
    async restart(index) {
      const server = await start(index);
      servers[index] = server;
      return server;
    },
  };
}

type TestPki = ReturnType<typeof makeTestPki>;
const pem = (file: string): string => readFileSync(file, 'utf8');

/** The spec of a plain server with the test PKI: certificates only, no routes. */
function rawSpec(id: string, port: number, pki: TestPki, like: Pick<ServerSpec, 'clientIpPool' | 'idleTimeoutSeconds' | 'splitTunnel' | 'dnsServers'>): ServerSpec {
  return {
    id,
    name: id,
    revision: id,
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
}

/** Starts OpenVPN on a written config, stopped at cleanup, with a raw management client attached. */
async function spawnRaw(cleanup: Cleanup, label: string, paths: ServerPaths): Promise<{ pid: number; management: RawManagementClient }> {
  const child = spawn('openvpn', ['--config', paths.config, '--ifconfig-noexec', '--route-noexec'], { cwd: paths.dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add(`stop ${label}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const management = await RawManagementClient.connect(paths.socket);
  cleanup.add(`close ${label} management`, () => management.close());
  return { pid: child.pid ?? 0, management };
}
