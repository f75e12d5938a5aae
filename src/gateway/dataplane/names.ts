/**
 * Names Sluice gives to what it creates on a gateway host, derived from ids so that an operator can
 * tell whose they are (`nft list ruleset`, `ip link`) and a restarted agent finds them again.
 */
import { createHash } from 'node:crypto';

const REFERENCE_ID = /^[a-z]\d{3}-([0-9a-f]{8})-([0-9a-f]{4})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Twelve hex digits: the start of the id's UUID (so `r001-7a709a2c-cbe5-…` is `7a709a2ccbe5`), or
 * of a hash for ids of another shape.
 */
export function shortId(serverId: string): string {
  const match = REFERENCE_ID.exec(serverId);
  if (match?.[1] && match[2]) return `${match[1]}${match[2]}`;
  return createHash('sha256').update(serverId).digest('hex').slice(0, 12);
}

/** The server's nftables table, in family `inet`. */
export const tableName = (serverId: string): string => `sluice_${shortId(serverId)}`;

export const TABLE_PREFIX = 'sluice_';

/** What tells apart the devices of gateways sharing one host; `l` (as in `sl…`) unless set. */
export const DEFAULT_DEVICE_TAG = 'l';
export const DEVICE_TAG = /^[a-z0-9]$/;

/**
 * The server's tun device: 14 characters, inside Linux's 15. Two gateways on one host running the
 * same server (high availability tried out on one machine) need different tags.
 */
export const deviceName = (serverId: string, tag: string = DEFAULT_DEVICE_TAG): string => `s${tag}${shortId(serverId)}`;

const ID = /^[0-9a-z_-]{1,64}$/;

/** Route ids are `^[-0-9a-z_]+$`; nftables names take them with `-` as `_`. */
export function routeKey(routeId: string): string {
  if (!ID.test(routeId)) throw new Error(`route id "${routeId}" is not of the form ^[-0-9a-z_]{1,64}$`);
  return `route_${routeId.replaceAll('-', '_')}`;
}

/** The set of addresses of sessions allowed an access-limited route. */
export const allowedSetName = (routeId: string): string => `${routeKey(routeId)}_allowed`;
export const deniedCounterName = (routeId: string): string => `${routeKey(routeId)}_denied`;

/** The interval verdict map that decides every packet from clients by destination. */
export const DECISION_MAP = 'destinations';
/** The interval map from destination to the named counter of the route that decides it. */
export const COUNTER_MAP = 'route_counters';

/** Sets whose elements follow sessions, not the configuration: drift checks ignore their elements. */
export const SESSIONS_SET = 'sessions';
export const isSessionSet = (name: string): boolean => name === SESSIONS_SET || /^route_[0-9a-z_]+_allowed$/.test(name);
