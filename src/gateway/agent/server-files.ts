import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerSpec } from '../channel.ts';
import { renderServerConfig } from '../openvpn-config.ts';

/** Where one VPN server's OpenVPN lives on the gateway host. The directory is 0700: it holds the
 * private key and the management socket (which OpenVPN creates world-writable). */
export interface ServerPaths {
  dir: string;
  config: string;
  pidFile: string;
  log: string;
  socket: string;
  revision: string;
  /** Its mtime: when an agent last saw this server's sessions (see last-seen.ts). */
  lastSeen: string;
}

export function serverPaths(gatewayDir: string, serverId: string): ServerPaths {
  const dir = join(gatewayDir, serverId);
  return {
    dir,
    config: join(dir, 'server.conf'),
    pidFile: join(dir, 'openvpn.pid'),
    log: join(dir, 'openvpn.log'),
    socket: join(dir, 'mgmt.sock'),
    revision: join(dir, 'revision'),
    lastSeen: join(dir, 'last-seen'),
  };
}

/** The `dev` line of the config a running OpenVPN was started with (its tun device's name). */
export function readDevice(paths: ServerPaths): string | undefined {
  try {
    return /^dev (\S+)$/m.exec(readFileSync(paths.config, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

export interface TestTimers {
  keepalive?: { interval: number; timeout: number };
  handWindow?: number;
}

/** Writes certificates, key, CRL and config for the spec; returns nothing secret. */
/** How this host runs a server beyond its spec: its tun device, the address it binds, test timers. */
export interface HostRendering {
  device: string;
  /** Bind only this address (several gateways on one host, each on its own address); all when absent. */
  listenAddress?: string | undefined;
  timers: TestTimers;
}

export function writeServerFiles(paths: ServerPaths, spec: ServerSpec, { device, listenAddress, timers }: HostRendering): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const file = (name: string, text: string): string => {
    const path = join(paths.dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    chmodSync(path, 0o600);
    return path;
  };
  const ca = file('ca.pem', spec.clientCaPem);
  const cert = file('cert.pem', spec.serverCertificatePem);
  const key = file('key.pem', spec.serverKeyPem);
  const crl = spec.crlPem === undefined ? undefined : file('crl.pem', spec.crlPem);
  const config = renderServerConfig({
    port: spec.port,
    protocol: spec.protocol,
    clientIpPool: spec.clientIpPool,
    device,
    ...(listenAddress !== undefined && { listenAddress }),
    dnsServers: spec.dnsServers,
    splitTunnel: spec.splitTunnel,
    // Routes are pushed per client at connect time, so changing them needs no restart.
    routes: [],
    idleTimeoutSeconds: spec.idleTimeoutSeconds,
    authMethods: spec.authMethods,
    paths: { ca, cert, key, ...(crl !== undefined && { crl }), managementSocket: paths.socket },
    ...(timers.keepalive && { keepalive: timers.keepalive }),
    ...(timers.handWindow !== undefined && { handWindow: timers.handWindow }),
  });
  file('server.conf', config);
  file('revision', spec.revision);
}

/** Updates only the CRL, which OpenVPN re-reads at each handshake: revocations need no restart. */
export function writeCrl(paths: ServerPaths, crlPem: string | undefined): void {
  if (crlPem !== undefined) writeFileSync(join(paths.dir, 'crl.pem'), crlPem, { mode: 0o600 });
}

/**
 * OpenVPN creates its management socket world-writable (it binds with umask 0); the directory
 * already keeps others out, and the socket itself is made owner-only as documented.
 */
export function restrictSocket(paths: ServerPaths): void {
  try {
    chmodSync(paths.socket, 0o600);
  } catch {
    // Gone with its process; the next attach restricts the new one.
  }
}

export function readRevision(paths: ServerPaths): string | undefined {
  try {
    return readFileSync(paths.revision, 'utf8');
  } catch {
    return undefined;
  }
}

export function removeServerFiles(paths: ServerPaths): void {
  rmSync(paths.dir, { recursive: true, force: true });
}
