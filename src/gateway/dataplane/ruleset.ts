/**
 * Renders one VPN server's data plane as an nftables script. Pure: spec in, text out; the agent's
 * IO shell hands the text to `nft -f`, which applies a file as one transaction.
 *
 * What the table does (family `inet`, so IPv6 from clients is seen and dropped):
 * - Packets from the server's tun device — forwarded, or addressed to the gateway itself — are
 *   decided by ONE lookup: longest-prefix match of the destination over the routes, compiled into
 *   an interval verdict map of disjoint ranges (see longest-prefix.ts). `deliver` and `translate`
 *   accept, `drop` drops, an access-limited route jumps to a chain that first drops sources not in
 *   its set of allowed session addresses. No matching range: dropped. A second interval map over
 *   the same ranges picks the route's named counter, so every route counts its packets and bytes.
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
 * Two forms, each one atomic transaction that leaves the table exactly as rendered:
 * - replace (`table`, `delete table`, `table {…}`): for a table that may be missing or changed by
 *   hand; counters are carried over by value (read from the old table first);
 * - update (`flush table`, flush the maps and sets, delete what went, `table {…}`): for a route or
 *   access change on a table Sluice applied itself. It needs no read first, and the named counters
 *   of routes that stay are never touched, so a change takes one `nft` run.
 */
import { isIpv4Address, parseCidr, formatRange, Ipv4Error } from './ipv4.ts';
import { flattenRoutes, mergeRanges } from './longest-prefix.ts';
import { mayUse, type RouteAccess, type SessionIdentity } from './access.ts';
import { COUNTER_MAP, DECISION_MAP, SESSIONS_SET, allowedSetName, deniedCounterName, routeKey, tableName } from './names.ts';

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
  /** Values to start named counters from (by name): those of the table being replaced. */
  counters?: { named?: ReadonlyMap<string, CounterValue> };
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

/** A decision map element's comment, for whoever reads `nft list ruleset`. */
const elementComment = (route: DataPlaneRoute): string => `${route.id} ${route.destination} ${route.action}`;

function verdictOf(route: DataPlaneRoute): string {
  if (route.access !== undefined) return `goto ${routeKey(route.id)}`;
  return route.action === 'drop' ? 'drop' : 'accept';
}

export interface RenderOptions {
  /**
   * Update the table in place instead of replacing it: the routes it was last rendered with (by
   * this renderer, and applied). Their counters, chains and sets are known to exist.
   */
  previousRoutes?: readonly DataPlaneRoute[];
}

/** The transaction that makes the server's table what `spec` says (see the two forms above). */
export function renderRuleset(spec: DataPlaneSpec, options: RenderOptions = {}): string {
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
  const previous = options.previousRoutes;
  const existed = new Set(previous?.map((r) => r.id));
  const wasLimited = new Set(previous?.filter((r) => r.access !== undefined).map((r) => r.id));
  const limitedNow = new Set(limited.map((r) => r.id));
  const routeIds = new Set(spec.routes.map((r) => r.id));

  const lines = [`# Rendered by Sluice for VPN server ${spec.serverId}. Do not edit: it is replaced on every change.`];
  if (previous === undefined) {
    lines.push(`table inet ${table} {}`, `delete table inet ${table}`);
  } else {
    lines.push(`flush table inet ${table}`);
    for (const name of [SESSIONS_SET, ...[...wasLimited].filter((id) => limitedNow.has(id)).map(allowedSetName)]) lines.push(`flush set inet ${table} ${name}`);
    lines.push(`flush map inet ${table} ${DECISION_MAP}`, `flush map inet ${table} ${COUNTER_MAP}`, `flush set inet ${table} translated`);
    for (const id of wasLimited) {
      if (limitedNow.has(id)) continue;
      lines.push(`delete chain inet ${table} ${routeKey(id)}`, `delete set inet ${table} ${allowedSetName(id)}`, `delete counter inet ${table} ${deniedCounterName(id)}`);
    }
    for (const id of existed) if (!routeIds.has(id)) lines.push(`delete counter inet ${table} ${routeKey(id)}`);
  }
  lines.push(`table inet ${table} {`, `  comment "Sluice VPN server ${spec.serverId} (gateway ${spec.gatewayId})"`, '');
  // Counters are declared only where they do not exist yet: the kernel keeps the others as they are.
  if (previous === undefined) {
    lines.push(counter(FIXED_COUNTERS.unrouted, named), counter(FIXED_COUNTERS.stale, named), counter(FIXED_COUNTERS.inboundRefused, named));
    if (spec.egressInterfaces.length > 0) lines.push(counter(FIXED_COUNTERS.egressRefused, named));
  }
  for (const route of spec.routes) {
    if (!existed.has(route.id)) lines.push(counter(routeKey(route.id), named));
    if (route.access !== undefined && !wasLimited.has(route.id)) lines.push(counter(deniedCounterName(route.id), named));
  }
  lines.push('', ...addressSet(SESSIONS_SET, members.get(SESSIONS_SET) ?? []));
  for (const route of limited) lines.push(...addressSet(allowedSetName(route.id), members.get(allowedSetName(route.id)) ?? []));
  const routed = segments.flatMap((segment) => (segment.route ? [{ range: formatRange(segment), route: segment.route }] : []));
  lines.push(
    '',
    `  map ${DECISION_MAP} {`,
    '    type ipv4_addr : verdict',
    '    flags interval',
    ...elements(routed.map(({ range, route }) => `${range} comment "${elementComment(route)}" : ${verdictOf(route)}`), '    '),
    '  }',
    '',
    `  map ${COUNTER_MAP} {`,
    '    type ipv4_addr : counter',
    '    flags interval',
    ...elements(routed.map(({ range, route }) => `${range} : "${routeKey(route.id)}"`), '    '),
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
    `    counter name ip daddr map @${COUNTER_MAP}`,
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
