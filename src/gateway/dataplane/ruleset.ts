/**
 * Renders one VPN server's data plane as an nftables script. Pure: spec in, text out; the agent's
 * IO shell hands the text to `nft -f`, which applies a file as one transaction.
 *
 * What the table does (family `inet`, so IPv6 from clients is seen and dropped):
 * - Packets from the server's tun device — forwarded, or addressed to the gateway itself — are
 *   decided by ONE lookup: longest-prefix match of the destination over the routes, compiled into
 *   an interval verdict map of disjoint ranges (see longest-prefix.ts). `deliver` and `translate`
 *   accept, `drop` drops, an access-limited route jumps to a chain that first drops sources not in
 *   its set of allowed session addresses. No matching range: dropped. Each map element carries a
 *   counter and a comment naming its route, which is how per-route traffic is counted (a named
 *   counter and a chain per route cost the apply of a 1 000-route table about twice as much).
 * - Only addresses of live sessions may send or receive: the agent keeps them in `sessions` and
 *   removes one the moment its session is being ended, so nothing of an ended session passes.
 * - Towards clients only replies pass (conntrack `established,related`): nothing from outside
 *   opens a connection to a client, whatever the route (`deliver` makes the pool routable, not
 *   reachable from outside).
 * - `translate`: forwarded packets to those destinations leave with the gateway's address
 *   (masquerade on the way out); `deliver` keeps the client's address.
 * - Client-to-client traffic enters and leaves by the tun device, so it passes only when a route
 *   covers the destination client, and is never translated.
 * - Base chains accept by default and only judge packets of this server's tun device, so servers
 *   never disturb each other or the host's own rules (a drop elsewhere still wins, as in nftables).
 *
 * The table is replaced whole (`table`, `delete table`, `table {…}` in one file = one atomic
 * transaction); counters are carried over by value so a route change does not reset them.
 */
import { isIpv4Address, parseCidr, formatRange, Ipv4Error } from './ipv4.ts';
import { flattenRoutes, mergeRanges, type Segment } from './longest-prefix.ts';
import { mayUse, type RouteAccess, type SessionIdentity } from './access.ts';
import { DECISION_MAP, SESSIONS_SET, allowedSetName, deniedCounterName, routeKey, tableName } from './names.ts';

export type RouteAction = 'deliver' | 'drop' | 'translate';

export interface DataPlaneRoute {
  id: string;
  /** IPv4 CIDR. */
  destination: string;
  action: RouteAction;
  /** Absent: every session may use the route. */
  access?: RouteAccess | undefined;
}

export interface CounterValue {
  packets: number;
  bytes: number;
}

export interface CarriedCounters {
  /** Traffic so far per route id (the sum of its map elements' counters). */
  routes?: ReadonlyMap<string, CounterValue>;
  /** Named counters by name. */
  named?: ReadonlyMap<string, CounterValue>;
}

export interface DataPlaneSpec {
  serverId: string;
  /** Marks the table as this gateway's, so an agent never removes another installation's tables. */
  gatewayId: string;
  /** The server's tun device (OpenVPN `dev`). */
  device: string;
  clientIpPool: string;
  /** Interfaces forwarded client traffic may leave by; empty = any. */
  egressInterfaces: readonly string[];
  routes: readonly DataPlaneRoute[];
  /** Live sessions: their addresses fill `sessions` and the allowed sets of routes they may use. */
  sessions: readonly SessionIdentity[];
  /** Values to start counters from: those of the table being replaced. */
  counters?: CarriedCounters;
  /**
   * Elements to keep in session-driven sets besides those of `sessions` (by set name): what the
   * replaced table held while the live sessions are not known yet (a restarted agent).
   */
  carriedMembers?: ReadonlyMap<string, readonly string[]>;
}

export class RulesetError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RulesetError';
  }
}

/** Counters every table has, besides one per route (and one per access-limited route's refusals). */
export const FIXED_COUNTERS = {
  /** From clients, to a destination no route matches. */
  unrouted: 'unrouted',
  /** From or to an address that is not a live session's (ended, being disconnected, spoofed). */
  stale: 'stale',
  /** To a client, not a reply: nothing from outside opens a connection to a client. */
  inboundRefused: 'inbound_refused',
  /** Forwarded client traffic routed out by an interface that is not an egress interface. */
  egressRefused: 'egress_refused',
} as const;

const INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const SERVER_ID = /^[0-9a-z_-]{1,64}$/;
const GATEWAY_ID = /^[0-9a-z]{1,64}$/;

function checked(spec: DataPlaneSpec): void {
  if (!SERVER_ID.test(spec.serverId)) throw new RulesetError('serverId', `"${spec.serverId}" is not an id`);
  if (!GATEWAY_ID.test(spec.gatewayId)) throw new RulesetError('gatewayId', `"${spec.gatewayId}" is not [0-9a-z]+`);
  if (!INTERFACE.test(spec.device)) throw new RulesetError('device', `"${spec.device}" is not an interface name`);
  spec.egressInterfaces.forEach((name, index) => {
    if (!INTERFACE.test(name)) throw new RulesetError(`egressInterfaces[${index}]`, `"${name}" is not an interface name`);
  });
  spec.routes.forEach((route, index) => {
    if (!['deliver', 'drop', 'translate'].includes(route.action)) throw new RulesetError(`routes[${index}].action`, `unknown action "${String(route.action)}"`);
    if (route.action === 'drop' && route.access !== undefined) throw new RulesetError(`routes[${index}].access`, 'a drop route drops for everyone; access applies to deliver and translate');
    routeKey(route.id);
  });
  spec.sessions.forEach((session, index) => {
    if (!isIpv4Address(session.address)) throw new RulesetError(`sessions[${index}].address`, `"${session.address}" is not an IPv4 address`);
  });
  for (const [set, members] of spec.carriedMembers ?? []) {
    members.forEach((address, index) => {
      if (!isIpv4Address(address)) throw new RulesetError(`carriedMembers.${set}[${index}]`, `"${address}" is not an IPv4 address`);
    });
  }
}

/** The elements each session-driven set holds for these sessions. */
export function setMembers(routes: readonly DataPlaneRoute[], sessions: readonly SessionIdentity[]): Map<string, string[]> {
  const members = new Map<string, string[]>([[SESSIONS_SET, sessions.map((s) => s.address)]]);
  for (const route of routes) {
    if (route.access !== undefined) members.set(allowedSetName(route.id), sessions.filter((s) => mayUse(route.access, s)).map((s) => s.address));
  }
  return members;
}

/** The sets one session belongs to. */
export function setsOf(routes: readonly DataPlaneRoute[], session: SessionIdentity): string[] {
  return [SESSIONS_SET, ...routes.filter((r) => r.access !== undefined && mayUse(r.access, session)).map((r) => allowedSetName(r.id))];
}

const quote = (text: string): string => `"${text.replace(/["\\]/g, '')}"`;

function counter(name: string, values: ReadonlyMap<string, CounterValue> | undefined): string {
  const value = values?.get(name) ?? { packets: 0, bytes: 0 };
  return `  counter ${name} { packets ${value.packets} bytes ${value.bytes} }`;
}

function elements(items: readonly string[], indent: string): string[] {
  if (items.length === 0) return [];
  return [`${indent}elements = {`, ...items.map((item, index) => `${indent}  ${item}${index < items.length - 1 ? ',' : ''}`), `${indent}}`];
}

function addressSet(name: string, addresses: readonly string[]): string[] {
  return [`  set ${name} {`, '    type ipv4_addr', ...elements([...new Set(addresses)].sort(), '    '), '  }'];
}

function asRulesetError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof Ipv4Error ? new RulesetError(error.field, error.reason) : error;
  }
}

/** A map element's comment: the route id first (how counters are read back), then what it is. */
export const elementComment = (route: DataPlaneRoute): string => `${route.id} ${route.destination} ${route.action}`;

/** The decision map's elements; a route's carried-over traffic goes on its first range. */
function decisions(segments: readonly Segment<DataPlaneRoute>[], carried: ReadonlyMap<string, CounterValue> | undefined): string[] {
  const placed = new Set<string>();
  return segments.flatMap((segment) => {
    const route = segment.route;
    if (!route) return [];
    const value = placed.has(route.id) ? undefined : carried?.get(route.id);
    placed.add(route.id);
    const count = value && (value.packets > 0 || value.bytes > 0) ? ` counter packets ${value.packets} bytes ${value.bytes}` : '';
    const verdict = route.access !== undefined ? `goto ${routeKey(route.id)}` : route.action === 'drop' ? 'drop' : 'accept';
    return [`${formatRange(segment)}${count} comment "${elementComment(route)}" : ${verdict}`];
  });
}

/** The whole transaction that replaces the server's table. */
export function renderRuleset(spec: DataPlaneSpec): string {
  checked(spec);
  const table = tableName(spec.serverId);
  const pool = asRulesetError(() => parseCidr('clientIpPool', spec.clientIpPool));
  const segments = asRulesetError(() => flattenRoutes(spec.routes));
  const device = quote(spec.device);
  const named = spec.counters?.named;
  const members = setMembers(spec.routes, spec.sessions);
  for (const [set, carried] of spec.carriedMembers ?? []) members.get(set)?.push(...carried);
  const limited = spec.routes.filter((r) => r.access !== undefined);
  const translated = mergeRanges(segments.filter((s) => s.route?.action === 'translate'));

  const lines = [
    `# Rendered by Sluice for VPN server ${spec.serverId}. Do not edit: it is replaced on every change.`,
    `table inet ${table} {}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    `  comment "Sluice VPN server ${spec.serverId} (gateway ${spec.gatewayId})"`,
    '',
    counter(FIXED_COUNTERS.unrouted, named),
    counter(FIXED_COUNTERS.stale, named),
    counter(FIXED_COUNTERS.inboundRefused, named),
  ];
  if (spec.egressInterfaces.length > 0) lines.push(counter(FIXED_COUNTERS.egressRefused, named));
  for (const route of limited) lines.push(counter(deniedCounterName(route.id), named));
  lines.push('', ...addressSet(SESSIONS_SET, members.get(SESSIONS_SET) ?? []));
  for (const route of limited) lines.push(...addressSet(allowedSetName(route.id), members.get(allowedSetName(route.id)) ?? []));
  lines.push(
    '',
    `  map ${DECISION_MAP} {`,
    '    type ipv4_addr : verdict',
    '    flags interval',
    '    counter',
    ...elements(decisions(segments, spec.counters?.routes), '    '),
    '  }',
    '',
    '  set translated {',
    '    type ipv4_addr',
    '    flags interval',
    ...elements(translated.map(formatRange), '    '),
    '  }',
    '',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
  );
  if (spec.egressInterfaces.length > 0) {
    const allowed = [...spec.egressInterfaces, spec.device].map(quote).join(', ');
    lines.push(`    iifname ${device} oifname != { ${allowed} } counter name "${FIXED_COUNTERS.egressRefused}" drop`);
  }
  lines.push(
    `    iifname ${device} jump from_clients`,
    `    oifname ${device} jump to_clients`,
    '  }',
    '',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname ${device} jump from_clients`,
    '  }',
    '',
    '  chain from_clients {',
    '    meta nfproto ipv6 drop',
    `    ip saddr != @${SESSIONS_SET} counter name "${FIXED_COUNTERS.stale}" drop`,
    `    ip daddr vmap @${DECISION_MAP}`,
    `    counter name "${FIXED_COUNTERS.unrouted}" drop`,
    '  }',
    '',
    '  chain to_clients {',
    '    meta nfproto ipv6 drop',
    `    ip daddr != @${SESSIONS_SET} counter name "${FIXED_COUNTERS.stale}" drop`,
    '    ct state established,related accept',
    `    counter name "${FIXED_COUNTERS.inboundRefused}" drop`,
    '  }',
  );
  for (const route of limited) {
    lines.push(
      '',
      `  chain ${routeKey(route.id)} {`,
      `    ip saddr != @${allowedSetName(route.id)} counter name "${deniedCounterName(route.id)}" drop`,
      `    accept comment "${route.destination} ${route.action}, limited to listed users and common names"`,
      '  }',
    );
  }
  lines.push(
    '',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    oifname != ${device} ip saddr ${formatRange(pool)} ip daddr @translated masquerade`,
    '  }',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** Removes the server's table; succeeds whether or not it exists. */
export function renderRemoval(serverId: string): string {
  const table = tableName(serverId);
  return `table inet ${table} {}\ndelete table inet ${table}\n`;
}

export interface MembershipChange {
  op: 'add' | 'delete';
  set: string;
  address: string;
}

/** Element changes as one script (one transaction). Deleting an element that is absent fails it. */
export function renderMembershipChanges(serverId: string, changes: readonly MembershipChange[]): string {
  const table = tableName(serverId);
  return changes
    .map((change, index) => {
      if (!isIpv4Address(change.address)) throw new RulesetError(`changes[${index}].address`, `"${change.address}" is not an IPv4 address`);
      if (!/^[a-z0-9_]{1,128}$/.test(change.set)) throw new RulesetError(`changes[${index}].set`, `"${change.set}" is not a set name`);
      return `${change.op} element inet ${table} ${change.set} { ${change.address} }\n`;
    })
    .join('');
}
