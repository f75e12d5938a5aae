/**
 * Renders OpenVPN 2.6 server configs and stock-client profiles from plain typed specs. Pure.
 * Invalid input throws OpenVpnConfigError naming the field; nothing is silently dropped.
 *
 * Choices that matter (see shared/openvpn.md):
 * - `management-client-auth` + `management-hold`: every client waits for the agent's decision and
 *   nobody connects before the agent listens. `auth-user-pass-optional` whenever certificates are
 *   accepted, or certificate-only clients fail before any CONNECT.
 * - No `auth-gen-token` (token reconnects produce ESTABLISHED without DISCONNECT), no
 *   `username-as-common-name` (the CN must stay the certificate's).
 * - `duplicate-cn`: several sessions per certificate; without it a new one drops the old.
 * - `remote-cert-tls client` on servers and `verify-x509-name <server CN> name` with
 *   `remote-cert-tls server` in profiles: a server certificate cannot pose as a client, and a
 *   profile trusts only its own server even where one CA signed several servers' certificates.
 * - Idle timeout: OpenVPN has no per-client idle option on the server (`--inactive` on a server
 *   applies to the whole process and would exit it). So `inactive N` is PUSHED: each client ends its
 *   own idle session. `keepalive` still drops vanished clients server-side after 2× its timeout.
 * - Keepalive 4 12: the server pings each idle client every 4 s and pushes `ping 4` +
 *   `ping-restart 12`, so a client notices a dead server 8–12 s after the crash (12 s after the
 *   last packet it got) and reconnects to the restarted one within ≈ 15 s; OpenVPN's sample 10 60
 *   leaves users down for a minute. Three pings in a row must be lost before a client gives up on
 *   a live server. Idle cost: one ping each way per 4 s per client (measured in BENCHMARKS.md).
 *   The server itself drops a vanished client after 2 × 12 s.
 * - `tls-timeout 1`: the control channel retransmits an unacknowledged packet after 1 s (then 2,
 *   4 … s) instead of 2 s. A disconnect's HALT is followed by `kill IP:port` after the agent's
 *   grace (1.2 s by default), which ends the instance and its retransmits; with 1 s the HALT is
 *   sent twice inside that grace, as often as OpenVPN's own 5 s exit interval allows with 2 s.
 *   Cost: on paths slower than 1 s round trip, handshake packets are resent once more.
 * - `management-log-cache`: OpenVPN keeps its recent log lines for `log all`, which dates the ends
 *   of sessions that ended while no agent was attached (see gateway/core/session-end.ts).
 * - Route actions: `deliver` and `translate` routes are pushed in split-tunnel mode (the client
 *   must send that traffic into the tunnel; translate's NAT is the gateway's firewall business);
 *   `drop` routes are not pushed — dropping is enforced by the gateway's firewall, not here.
 */
import { isIpv4, readIpv4Cidr } from '../ip/cidr.ts';

export class OpenVpnConfigError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'OpenVpnConfigError';
    this.field = field;
  }
}

export type Protocol = 'udp' | 'tcp';

export interface RouteSpec {
  /** IPv4 CIDR, e.g. `10.10.0.0/16`. */
  destination: string;
  action: 'deliver' | 'drop' | 'translate';
}

export interface ServerConfigSpec {
  port: number;
  protocol: Protocol;
  /** Address to bind; all addresses when absent. */
  listenAddress?: string;
  /** IPv4 CIDR the client addresses come from (`/9`–`/29`). */
  clientIpPool: string;
  /**
   * The tun device's name, so the gateway's packet filter can name it (`dev NAME` + `dev-type
   * tun`). Default `tun`: the kernel picks tunN.
   */
  device?: string;
  dnsServers: readonly string[];
  splitTunnel: boolean;
  routes: readonly RouteSpec[];
  /** 0 = no idle timeout. */
  idleTimeoutSeconds: number;
  authMethods: { certificate: boolean; username: boolean };
  paths: {
    ca: string;
    cert: string;
    key: string;
    crl?: string;
    /** Unix socket path; its directory should be 0700 (OpenVPN makes the socket world-writable). */
    managementSocket: string;
  };
  /** `keepalive interval timeout` (seconds). Default 4 12 (see above). */
  keepalive?: { interval: number; timeout: number };
  /** Seconds a client has to finish the handshake and get its auth decision. Default 60. */
  handWindow?: number;
  /** TLS renegotiation interval (seconds). Default 3600 (OpenVPN's). */
  renegSec?: number;
  maxClients?: number;
  verb?: number;
  /** Command-line args for the process (not rendered into the file; see serverCommandLine). */
  extraArgs?: readonly string[];
}

export interface ClientProfileSpec {
  host: string;
  /**
   * More gateways serving the same VPN server (high availability): the client starts at a random
   * one (`remote-random`) and moves to the next when it fails, within its own retry.
   */
  otherHosts?: string[];
  port: number;
  protocol: Protocol;
  /** Prompt for user ID + passcode. */
  username: boolean;
  /** Common name of the server's certificate: the profile accepts no other server (`verify-x509-name`). */
  serverName: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
}

// ---- validation helpers ---------------------------------------------------------------------

export { isIpv4 };

function isIpv6(text: string): boolean {
  return /^[0-9a-fA-F:]+$/.test(text) && text.includes(':') && text.split('::').length <= 2;
}

/** Parses `a.b.c.d/len` as a network address (host bits zero); returns network and netmask. */
export function parseCidr(field: string, cidr: string, minPrefix = 0, maxPrefix = 32): { network: string; netmask: string; prefix: number } {
  const reading = readIpv4Cidr(cidr);
  if (!reading.ok && reading.problem === 'syntax') throw new OpenVpnConfigError(field, `"${cidr}" is not an IPv4 CIDR`);
  const prefix = reading.prefix;
  if (prefix < minPrefix || prefix > maxPrefix) throw new OpenVpnConfigError(field, `prefix /${prefix} is outside /${minPrefix}–/${maxPrefix}`);
  if (!reading.ok) throw new OpenVpnConfigError(field, `"${cidr}" has host bits set`);
  return { network: reading.network, netmask: reading.netmask, prefix };
}

function port(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new OpenVpnConfigError(field, `must be an integer 1–65535, got ${value}`);
  return value;
}

function seconds(field: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > 31_536_000) throw new OpenVpnConfigError(field, `must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/** A value in the config file: quoted when it contains anything OpenVPN's parser treats specially. */
function value(field: string, text: string): string {
  // eslint-disable-next-line no-control-regex
  if (text === '' || /[\u0000-\u001f\u007f]/.test(text)) throw new OpenVpnConfigError(field, 'must be non-empty and free of control characters');
  return /[\s"'\\#;]/.test(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text;
}

/**
 * A certificate name for `verify-x509-name`: OpenVPN compares it byte for byte, so it must be the
 * whole name, printable, and free of bidirectional controls that would make the profile read
 * differently from what it checks.
 */
function x509Name(field: string, text: string): string {
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(text)) throw new OpenVpnConfigError(field, 'contains bidirectional control characters');
  if (Buffer.byteLength(text) > 255) throw new OpenVpnConfigError(field, 'is longer than 255 bytes');
  return value(field, text);
}

function pem(field: string, text: string, label: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('-----BEGIN ') || !trimmed.includes('-----END ')) throw new OpenVpnConfigError(field, `is not PEM (${label})`);
  if (/<\/?(ca|cert|key)>/i.test(trimmed)) throw new OpenVpnConfigError(field, 'contains an inline tag');
  return trimmed;
}

// ---- server ---------------------------------------------------------------------------------

/** Pushed to clients as `ping 4` / `ping-restart 12`: a dead server is noticed within 8–12 s. */
export const DEFAULT_KEEPALIVE = { interval: 4, timeout: 12 } as const;

/** Log lines OpenVPN keeps for `log all` (≈ 25 per client connect at verb 3; ≈ 1 MB). */
export const MANAGEMENT_LOG_CACHE = 5000;

export function renderServerConfig(spec: ServerConfigSpec): string {
  const pool = parseCidr('clientIpPool', spec.clientIpPool, 9, 29);
  if (!spec.authMethods.certificate && !spec.authMethods.username) throw new OpenVpnConfigError('authMethods', 'enable certificate and/or username authentication');
  if (spec.listenAddress !== undefined && !isIpv4(spec.listenAddress) && !isIpv6(spec.listenAddress)) throw new OpenVpnConfigError('listenAddress', `"${spec.listenAddress}" is not an IP address`);
  const keepalive = spec.keepalive ?? DEFAULT_KEEPALIVE;
  seconds('keepalive.interval', keepalive.interval, 1);
  seconds('keepalive.timeout', keepalive.timeout, 1);
  if (keepalive.timeout < 2 * keepalive.interval) throw new OpenVpnConfigError('keepalive.timeout', 'must be at least twice the interval');

  const lines: string[] = [
    '# Rendered by Sluice. Do not edit: changes are overwritten.',
    'mode server',
    'tls-server',
    `proto ${spec.protocol === 'udp' ? 'udp' : 'tcp-server'}`,
    `port ${port('port', spec.port)}`,
  ];
  if (spec.listenAddress !== undefined) lines.push(`local ${spec.listenAddress}`);
  const device = spec.device ?? 'tun';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(device)) throw new OpenVpnConfigError('device', `"${device}" is not an interface name (1–15 of A-Z a-z 0-9 . _ -)`);
  lines.push(`dev ${device}`);
  if (device !== 'tun') lines.push('dev-type tun');
  lines.push(
    'topology subnet',
    `server ${pool.network} ${pool.netmask}`,
    `ca ${value('paths.ca', spec.paths.ca)}`,
    `cert ${value('paths.cert', spec.paths.cert)}`,
    `key ${value('paths.key', spec.paths.key)}`,
    'dh none',
  );
  if (spec.paths.crl !== undefined) lines.push(`crl-verify ${value('paths.crl', spec.paths.crl)}`);
  if (!spec.authMethods.certificate) lines.push('verify-client-cert none');
  if (spec.authMethods.certificate) lines.push('auth-user-pass-optional', 'remote-cert-tls client');
  lines.push(
    `management ${value('paths.managementSocket', spec.paths.managementSocket)} unix`,
    'management-client-auth',
    'management-hold',
    `management-log-cache ${MANAGEMENT_LOG_CACHE}`,
    'duplicate-cn',
    `keepalive ${keepalive.interval} ${keepalive.timeout}`,
    `hand-window ${seconds('handWindow', spec.handWindow ?? 60, 1)}`,
    `reneg-sec ${seconds('renegSec', spec.renegSec ?? 3600)}`,
    // Control-channel retransmits after 1 s, doubling (OpenVPN's default 2): a disconnect's HALT
    // gets its second transmission inside the agent's kill grace (see agent/server-runtime.ts).
    'tls-timeout 1',
    'persist-key',
    'persist-tun',
  );
  if (spec.protocol === 'udp') lines.push('explicit-exit-notify 1');
  if (spec.maxClients !== undefined) lines.push(`max-clients ${seconds('maxClients', spec.maxClients, 1)}`);
  lines.push(`verb ${seconds('verb', spec.verb ?? 3)}`);

  spec.dnsServers.forEach((dns, index) => {
    if (isIpv4(dns)) lines.push(`push "dhcp-option DNS ${dns}"`);
    else if (isIpv6(dns)) lines.push(`push "dhcp-option DNS6 ${dns}"`);
    else throw new OpenVpnConfigError(`dnsServers[${index}]`, `"${dns}" is not an IP address`);
  });
  const routes = spec.routes.map((route, index) => {
    const field = `routes[${index}]`;
    if (!['deliver', 'drop', 'translate'].includes(route.action)) throw new OpenVpnConfigError(`${field}.action`, `unknown action "${String(route.action)}"`);
    return { ...route, net: parseCidr(`${field}.destination`, route.destination) };
  });
  if (spec.splitTunnel) {
    for (const route of routes) {
      if (route.action !== 'drop') lines.push(`push "route ${route.net.network} ${route.net.netmask}"`);
    }
  } else {
    lines.push('push "redirect-gateway def1"');
  }
  if (seconds('idleTimeoutSeconds', spec.idleTimeoutSeconds) > 0) lines.push(`push "inactive ${spec.idleTimeoutSeconds}"`);
  return `${lines.join('\n')}\n`;
}

/** Command line for the server: `--config <file>` then the spec's extra args. */
export function serverCommandLine(configPath: string, spec: Pick<ServerConfigSpec, 'extraArgs'>): string[] {
  const extra = spec.extraArgs ?? [];
  extra.forEach((arg, index) => {
    if (arg.includes('\0')) throw new OpenVpnConfigError(`extraArgs[${index}]`, 'contains NUL');
  });
  return ['--config', configPath, ...extra];
}

// ---- client profile -------------------------------------------------------------------------

/** A `.ovpn` profile that stock OpenVPN 2.4–2.6 clients accept (no 2.5+-only directives). */
/** How long a client with several gateways waits for one to answer before trying the next. */
const FAILOVER_POLL_SECONDS = 10;

export function renderClientProfile(spec: ClientProfileSpec): string {
  const hosts = [spec.host, ...(spec.otherHosts ?? [])];
  for (const host of hosts) if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new OpenVpnConfigError('host', `"${host}" is not a host name or IP address`);
  if ((spec.certPem === undefined) !== (spec.keyPem === undefined)) throw new OpenVpnConfigError('certPem', 'certificate and key go together');
  // A certificate-auth profile without <cert>/<key> is the reference's client_configuration: the
  // user adds their own certificate and key to it.
  const lines = [
    'client',
    'dev tun',
    `proto ${spec.protocol === 'udp' ? 'udp' : 'tcp-client'}`,
    ...hosts.map((host) => `remote ${host} ${port('port', spec.port)}`),
    // With a second gateway, a client whose gateway died tries the other after 10 s of silence
    // instead of waiting out a whole TLS hand window (60 s) on the dead one.
    ...(hosts.length > 1 ? ['remote-random', `server-poll-timeout ${FAILOVER_POLL_SECONDS}`] : []),
    'resolv-retry infinite',
    'nobind',
    'persist-key',
    'persist-tun',
    'remote-cert-tls server',
    `verify-x509-name ${x509Name('serverName', spec.serverName)} name`,
    'verb 3',
  ];
  if (spec.username) lines.push('auth-user-pass', 'auth-nocache');
  lines.push('<ca>', pem('caPem', spec.caPem, 'CA certificate'), '</ca>');
  if (spec.certPem !== undefined && spec.keyPem !== undefined) {
    lines.push('<cert>', pem('certPem', spec.certPem, 'certificate'), '</cert>', '<key>', pem('keyPem', spec.keyPem, 'private key'), '</key>');
  }
  return `${lines.join('\n')}\n`;
}
