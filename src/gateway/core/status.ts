/**
 * Parses the block reply of `status 3` (tab-separated; `status 2` with commas is read too).
 * Columns are found by the names in the `HEADER CLIENT_LIST …` line, never by position, so a
 * column added by a future OpenVPN does not shift the others. Times come from the `(time_t)`
 * columns (unix seconds) and are returned in milliseconds.
 *
 * Observed in 2.6.14: IPv4 clients (also on a dual-stack socket) print as `127.0.0.1:49083`; an
 * IPv6 client prints as a bare `::1` WITHOUT port; a client still waiting for its auth decision has
 * an empty Virtual Address and `UNDEF` username until it is accepted.
 */
import { parseUnsigned } from './events.ts';

export interface RealAddress {
  ip: string;
  /** Absent when OpenVPN printed no port (IPv6 clients in 2.6). */
  port: number | undefined;
}

export interface StatusClient {
  cid: number;
  commonName: string | undefined;
  /** As printed, e.g. `127.0.0.1:49083`. */
  realAddressText: string;
  realAddress: RealAddress | undefined;
  /** Tunnel address from the pool; absent while the client is pending authentication. */
  virtualAddress: string | undefined;
  virtualIpv6Address: string | undefined;
  bytesReceived: number;
  bytesSent: number;
  /** Session start, unix ms. */
  connectedSince: number | undefined;
  /** Absent when OpenVPN printed `UNDEF` (no username given). */
  username: string | undefined;
  peerId: number | undefined;
  cipher: string | undefined;
}

export interface StatusSnapshot {
  /** OpenVPN's clock when it produced the report, unix ms. */
  time: number | undefined;
  title: string | undefined;
  clients: StatusClient[];
  /** GLOBAL_STATS name → value. */
  globalStats: Map<string, string>;
  /** Rows skipped because a required column (Client ID) was missing or malformed. */
  skippedRows: number;
  /**
   * ROUTING_TABLE: virtual address → when OpenVPN last routed a tunnel packet for it (`Last Ref`,
   * unix ms). Keepalive pings do not move it, so it tells when a session last carried traffic.
   */
  lastRef?: Map<string, number>;
}

const COLUMN = {
  commonName: 'Common Name',
  realAddress: 'Real Address',
  virtualAddress: 'Virtual Address',
  virtualIpv6Address: 'Virtual IPv6 Address',
  bytesReceived: 'Bytes Received',
  bytesSent: 'Bytes Sent',
  connectedSinceUnix: 'Connected Since (time_t)',
  username: 'Username',
  cid: 'Client ID',
  peerId: 'Peer ID',
  cipher: 'Data Channel Cipher',
} as const;

function fieldsOf(line: string): string[] {
  return line.includes('\t') ? line.split('\t') : line.split(',');
}

export function parseStatus(lines: readonly string[]): StatusSnapshot {
  const snapshot: StatusSnapshot = { time: undefined, title: undefined, clients: [], globalStats: new Map(), skippedRows: 0 };
  let columns: Map<string, number> | undefined;
  let routeColumns: Map<string, number> | undefined;
  for (const line of lines) {
    const fields = fieldsOf(line);
    switch (fields[0]) {
      case 'TITLE':
        snapshot.title = fields.slice(1).join(' ');
        break;
      case 'TIME': {
        const seconds = parseUnsigned(fields[2]);
        snapshot.time = seconds === undefined ? undefined : seconds * 1000;
        break;
      }
      case 'HEADER':
        // The header names the columns of the row type; index 0 of a row is its type tag.
        if (fields[1] === 'CLIENT_LIST') columns = new Map(fields.slice(1).map((name, index) => [name, index]));
        if (fields[1] === 'ROUTING_TABLE') routeColumns = new Map(fields.slice(1).map((name, index) => [name, index]));
        break;
      case 'ROUTING_TABLE':
        if (routeColumns !== undefined) readRoute(fields, routeColumns, (snapshot.lastRef ??= new Map()));
        break;
      case 'CLIENT_LIST': {
        const client = columns === undefined ? undefined : readClient(fields, columns);
        if (client === undefined) snapshot.skippedRows += 1;
        else snapshot.clients.push(client);
        break;
      }
      case 'GLOBAL_STATS':
        if (fields[1] !== undefined) snapshot.globalStats.set(fields[1], fields.slice(2).join(','));
        break;
      default:
        break;
    }
  }
  return snapshot;
}

function readClient(fields: readonly string[], columns: ReadonlyMap<string, number>): StatusClient | undefined {
  const get = (name: string): string | undefined => {
    const index = columns.get(name);
    return index === undefined ? undefined : fields[index];
  };
  const nonEmpty = (name: string): string | undefined => {
    const value = get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const cid = parseUnsigned(get(COLUMN.cid));
  if (cid === undefined) return undefined;
  const realAddressText = get(COLUMN.realAddress) ?? '';
  const username = nonEmpty(COLUMN.username);
  const since = parseUnsigned(get(COLUMN.connectedSinceUnix));
  return {
    cid,
    commonName: nonEmpty(COLUMN.commonName),
    realAddressText,
    realAddress: parseRealAddress(realAddressText),
    virtualAddress: nonEmpty(COLUMN.virtualAddress),
    virtualIpv6Address: nonEmpty(COLUMN.virtualIpv6Address),
    bytesReceived: parseUnsigned(get(COLUMN.bytesReceived)) ?? 0,
    bytesSent: parseUnsigned(get(COLUMN.bytesSent)) ?? 0,
    connectedSince: since === undefined ? undefined : since * 1000,
    username: username === 'UNDEF' ? undefined : username,
    peerId: parseUnsigned(get(COLUMN.peerId)),
    cipher: nonEmpty(COLUMN.cipher),
  };
}

function readRoute(fields: readonly string[], columns: ReadonlyMap<string, number>, into: Map<string, number>): void {
  const address = fields[columns.get('Virtual Address') ?? -1];
  const seconds = parseUnsigned(fields[columns.get('Last Ref (time_t)') ?? -1]);
  if (address === undefined || address === '' || seconds === undefined) return;
  into.set(address, Math.max(into.get(address) ?? 0, seconds * 1000));
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const BRACKETED = /^\[([0-9A-Fa-f:.%\w]+)\]:(\d{1,5})$/;
const MAPPED_WITH_PORT = /^(::ffff:\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/i;

/**
 * Reads OpenVPN's "real address": `a.b.c.d:port`, `[v6]:port`, `::ffff:a.b.c.d:port`, or a bare
 * IPv6 address (what 2.6 prints for IPv6 peers: a trailing `:digits` there is part of the address).
 */
export function parseRealAddress(text: string): RealAddress | undefined {
  if (text === '') return undefined;
  const v4 = IPV4_WITH_PORT.exec(text) ?? BRACKETED.exec(text) ?? MAPPED_WITH_PORT.exec(text);
  if (v4 !== null) return { ip: v4[1] ?? '', port: Number(v4[2]) };
  const ipv4Only = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(text);
  if (ipv4Only || text.includes(':')) return { ip: text, port: undefined };
  return undefined;
}
