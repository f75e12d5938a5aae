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
 * - update: for a route or access change on a table Sluice applied itself, only the differences
 *   (map and set elements, the chains, sets and counters of routes that came or went). It needs no
 *   read first, costs in proportion to the change rather than to the number of routes, and never
 *   touches the named counters of routes that stay, so a change takes one short `nft` run.
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
   * Update the table in place instead of replacing it: what it was last rendered from (by this
   * renderer, and applied). Only the differences are written: the elements of the maps and sets
   * that changed, the chains, sets and counters of routes that came or went.
   */
  previous?: { routes: readonly DataPlaneRoute[]; clientIpPool: string };
}

interface Decision {
  range: string;
  route: DataPlaneRoute;
}

function decisionsOf(routes: readonly DataPlaneRoute[]): Decision[] {
  return asRulesetError(() => flattenRoutes(routes)).flatMap((segment) => (segment.route ? [{ range: formatRange(segment), route: segment.route }] : []));
}

const decisionElement = ({ range, route }: Decision): string => `${range} comment "${elementComment(route)}" : ${verdictOf(route)}`;
const counterElement = ({ range, route }: Decision): string => `${range} : "${routeKey(route.id)}"`;
const translatedOf = (routes: readonly DataPlaneRoute[]): string[] => mergeRanges(asRulesetError(() => flattenRoutes(routes)).filter((s) => s.route?.action === 'translate')).map(formatRange);

/**
 * The in-place update: only what differs from `previous`, in an order the kernel accepts within one
 * transaction (map elements that name a chain or counter go before the chain or counter does, and
 * come after it when it is new). Costs in proportion to the change, not to the number of routes.
 */
function renderUpdate(spec: DataPlaneSpec, previous: NonNullable<RenderOptions['previous']>): string {
  const table = tableName(spec.serverId);
  const pool = asRulesetError(() => parseCidr('clientIpPool', spec.clientIpPool));
  const at = `inet ${table}`;
  const before = decisionsOf(previous.routes);
  const after = decisionsOf(spec.routes);
  const diff = (old: readonly string[], now: readonly string[]): { gone: string[]; added: string[] } => {
    const o = new Set(old);
    const n = new Set(now);
    return { gone: old.filter((e) => !n.has(e)), added: now.filter((e) => !o.has(e)) };
  };
  const keyOf = (element: string): string => element.split(' ')[0] ?? element;
  const decisions = diff(before.map(decisionElement), after.map(decisionElement));
  const counters = diff(before.map(counterElement), after.map(counterElement));
  const translated = diff(translatedOf(previous.routes), translatedOf(spec.routes));
  const prevById = new Map(previous.routes.map((r) => [r.id, r]));
  const nowById = new Map(spec.routes.map((r) => [r.id, r]));
  const members = setMembers(spec.routes, spec.sessions);
  const lines = [`# Rendered by Sluice for VPN server ${spec.serverId}: an update in place.`];
  const remove = (what: string, keys: readonly string[]): void => {
    if (keys.length > 0) lines.push(`delete element ${at} ${what} { ${keys.join(', ')} }`);
  };
  const add = (what: string, items: readonly string[]): void => {
    if (items.length > 0) lines.push(`add element ${at} ${what} { ${items.join(', ')} }`);
  };
  remove(DECISION_MAP, decisions.gone.map(keyOf));
  remove(COUNTER_MAP, counters.gone.map(keyOf));
  remove('translated', translated.gone);
  for (const [id, route] of prevById) {
    const now = nowById.get(id);
    if (route.access !== undefined && now?.access === undefined) {
      lines.push(`delete chain ${at} ${routeKey(id)}`, `delete set ${at} ${allowedSetName(id)}`, `delete counter ${at} ${deniedCounterName(id)}`);
    }
    if (!now) lines.push(`delete counter ${at} ${routeKey(id)}`);
  }
  for (const route of spec.routes) {
    const was = prevById.get(route.id);
    if (!was) lines.push(`add counter ${at} ${routeKey(route.id)}`);
    if (route.access === undefined) continue;
    const set = allowedSetName(route.id);
    const chain = `${at} ${routeKey(route.id)}`;
    const rules = [
      `add rule ${chain} ip saddr != @${set} counter name "${deniedCounterName(route.id)}" drop`,
      `add rule ${chain} accept comment "${route.destination} ${route.action}, limited to listed users and common names"`,
    ];
    if (was?.access === undefined) {
      lines.push(`add counter ${at} ${deniedCounterName(route.id)}`, `add set ${at} ${set} { type ipv4_addr; }`, `add chain ${chain}`, ...rules);
    } else if (was.destination !== route.destination || was.action !== route.action) {
      // The chain's comment names them (an id keeps its destination and action in Sluice; the
      // renderer does not rely on it).
      lines.push(`flush chain ${chain}`, ...rules);
      if (JSON.stringify(was.access) === JSON.stringify(route.access)) continue;
      lines.push(`flush set ${at} ${set}`);
    } else if (JSON.stringify(was.access) !== JSON.stringify(route.access)) {
      lines.push(`flush set ${at} ${set}`);
    } else {
      continue;
    }
    add(set, [...new Set(members.get(set) ?? [])].sort());
  }
  add(DECISION_MAP, decisions.added);
  add(COUNTER_MAP, counters.added);
  add('translated', translated.added);
  if (previous.clientIpPool !== spec.clientIpPool) {
    lines.push(`flush chain ${at} postrouting`, `add rule ${at} postrouting oifname != ${quote(spec.device)} ip saddr ${formatRange(pool)} ip daddr @translated masquerade`);
  }
  return `${lines.join('\n')}\n`;
}

/** The transaction that makes the server's table what `spec` says (see the two forms above). */
export function renderRuleset(spec: DataPlaneSpec, options: RenderOptions = {}): string {
  checked(spec);
  if (options.previous) return renderUpdate(spec, options.previous);
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
  for (const route of spec.routes) {
    lines.push(counter(routeKey(route.id), named));
    if (route.access !== undefined) lines.push(counter(deniedCounterName(route.id), named));
  }
  lines.push('', ...addressSet(SESSIONS_SET, members.get(SESSIONS_SET) ?? []));
  for (const route of limited) lines.push(...addressSet(allowedSetName(route.id), members.get(allowedSetName(route.id)) ?? []));
  const routed = decisionsOf(spec.routes);
  lines.push(
    '',
    `  map ${DECISION_MAP} {`,
    '    type ipv4_addr : verdict',
    '    flags interval',
    ...elements(routed.map(decisionElement), '    '),
    '  }',
    '',
    `  map ${COUNTER_MAP} {`,
    '    type ipv4_addr : counter',
    '    flags interval',
    ...elements(routed.map(counterElement), '    '),
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
