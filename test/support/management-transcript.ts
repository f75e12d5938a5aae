/**
 * Builders for management-interface output in exactly the shape OpenVPN 2.6.14 writes it (checked
 * against the recorded transcript in test/fixtures/management/). Shared by the fake management
 * server and the core's unit tests so both speak the same dialect.
 */

export interface ClientIdentity {
  cid: number;
  kid?: number;
  commonName?: string;
  username?: string;
  password?: string;
  ip?: string;
  port?: number;
  /** Tunnel address assigned at ESTABLISHED. */
  poolIp?: string;
  /** Unix seconds. */
  timeUnix?: number;
  daemonStartTime: number;
  daemonPid?: number;
}

const CRLF = '\r\n';

/** `>CLIENT:<header>` followed by its ENV lines and `>CLIENT:ENV,END`. */
export function clientBlock(header: string, env: ReadonlyArray<readonly [string, string]>): string {
  let text = `>CLIENT:${header}${CRLF}`;
  for (const [name, value] of env) text += `>CLIENT:ENV,${name}=${value}${CRLF}`;
  return `${text}>CLIENT:ENV,END${CRLF}`;
}

function daemonEnv(client: ClientIdentity): [string, string][] {
  return [
    ['daemon_pid', String(client.daemonPid ?? 4242)],
    ['daemon_start_time', String(client.daemonStartTime)],
    ['daemon_log_redirect', '0'],
    ['daemon', '0'],
    ['verb', '3'],
    ['config', 'server.conf'],
    ['ifconfig_local', '10.99.0.1'],
    ['ifconfig_netmask', '255.255.255.0'],
    ['script_context', 'init'],
    ['tun_mtu', '1500'],
    ['dev', 'tun0'],
    ['dev_type', 'tun'],
  ];
}

function peerEnv(client: ClientIdentity): [string, string][] {
  const env: [string, string][] = [];
  if (client.commonName !== undefined) env.push(['common_name', client.commonName]);
  env.push(['untrusted_port', String(client.port ?? 40000 + client.cid)], ['untrusted_ip', client.ip ?? '127.0.0.1']);
  if (client.username !== undefined) env.push(['username', client.username]);
  env.push(
    ['IV_PROTO', '990'],
    ['IV_CIPHERS', 'AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305'],
    ['IV_PLAT', 'linux'],
    ['IV_VER', '2.6.14'],
    ['tls_serial_0', '1234567890'],
  );
  if (client.commonName !== undefined) env.push(['tls_id_0', `CN=${client.commonName}`], ['X509_0_CN', client.commonName]);
  return env;
}

export function connectText(client: ClientIdentity, kind: 'CONNECT' | 'REAUTH' = 'CONNECT'): string {
  const env: [string, string][] = [['n_clients', '0']];
  if (client.password !== undefined) env.push(['password', client.password]);
  return clientBlock(`${kind},${client.cid},${client.kid ?? 1}`, [...env, ...peerEnv(client), ...daemonEnv(client)]);
}

export function addressText(client: ClientIdentity): string {
  return `>CLIENT:ADDRESS,${client.cid},${client.poolIp ?? poolIpFor(client.cid)},1${CRLF}`;
}

export function establishedText(client: ClientIdentity): string {
  const timeUnix = client.timeUnix ?? client.daemonStartTime;
  const env: [string, string][] = [
    ['n_clients', '1'],
    ['ifconfig_pool_netmask', '255.255.255.0'],
    ['ifconfig_pool_remote_ip', client.poolIp ?? poolIpFor(client.cid)],
    ['time_unix', String(timeUnix)],
    ['time_ascii', '2026-11-25 17:06:38'],
    ['trusted_port', String(client.port ?? 40000 + client.cid)],
    ['trusted_ip', client.ip ?? '127.0.0.1'],
  ];
  return addressText(client) + clientBlock(`ESTABLISHED,${client.cid}`, [...env, ...peerEnv(client), ...daemonEnv(client)]);
}

export function disconnectText(client: ClientIdentity, bytes: { sent: number; received: number } = { sent: 2171, received: 2035 }, emptyEnv = false): string {
  if (emptyEnv) return clientBlock(`DISCONNECT,${client.cid}`, []);
  const timeUnix = client.timeUnix ?? client.daemonStartTime;
  const env: [string, string][] = [
    ['time_duration', '9'],
    ['bytes_sent', String(bytes.sent)],
    ['bytes_received', String(bytes.received)],
    ['trusted_port', String(client.port ?? 40000 + client.cid)],
    ['trusted_ip', client.ip ?? '127.0.0.1'],
    ['ifconfig_pool_netmask', '255.255.255.0'],
    ['ifconfig_pool_remote_ip', client.poolIp ?? poolIpFor(client.cid)],
    ['time_unix', String(timeUnix)],
    ['time_ascii', '2026-11-25 17:06:38'],
  ];
  return clientBlock(`DISCONNECT,${client.cid}`, [...env, ...peerEnv(client), ...daemonEnv(client)]);
}

/** A deterministic pool address for a CID (10.99.0.0/16 space, never .0/.1). */
export function poolIpFor(cid: number): string {
  const host = cid + 2;
  return `10.99.${Math.floor(host / 250) % 250}.${(host % 250) + 2}`;
}

export const STATUS3_HEADER =
  'HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher';

export interface StatusRow {
  cid: number;
  commonName?: string;
  realAddress: string;
  virtualAddress?: string;
  bytesReceived?: number;
  bytesSent?: number;
  connectedSince: number;
  username?: string;
}

/** The lines of a `status 3` reply, END included. */
export function status3Lines(rows: readonly StatusRow[], now: number): string[] {
  const lines = [
    'TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]',
    `TIME\t2026-11-25 17:06:42\t${now}`,
    STATUS3_HEADER,
  ];
  for (const row of rows) {
    lines.push(
      [
        'CLIENT_LIST',
        row.commonName ?? 'UNDEF',
        row.realAddress,
        row.virtualAddress ?? '',
        '',
        String(row.bytesReceived ?? 0),
        String(row.bytesSent ?? 0),
        '2026-11-25 17:06:38',
        String(row.connectedSince),
        row.username ?? 'UNDEF',
        String(row.cid),
        String(row.cid),
        row.virtualAddress === undefined ? 'BF-CBC' : 'AES-256-GCM',
      ].join('\t'),
    );
  }
  lines.push('HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref (time_t)');
  for (const row of rows) {
    if (row.virtualAddress !== undefined) lines.push(['ROUTING_TABLE', row.virtualAddress, row.commonName ?? 'UNDEF', row.realAddress, '2026-11-25 17:06:38', String(row.connectedSince)].join('\t'));
  }
  lines.push('GLOBAL_STATS\tMax bcast/mcast queue length\t0', 'GLOBAL_STATS\tdco_enabled\t0', 'END');
  return lines;
}
