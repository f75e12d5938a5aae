/** A gateway host as the domain sees it: never its join token or credential, only whether it has one. */

/** The public port range a gateway offers (UDP and TCP), both ends included. */
export interface PortRange {
  min: number;
  max: number;
}

export interface Gateway {
  id: string;
  name: string;
  /** Public host clients reach: a DNS name or an IP address. */
  host: string;
  portRange: PortRange | null;
  labels: Record<string, string>;
  /** What a VPN server's `subnets: [{id}]` names this gateway by. */
  subnetId: string;
  /** When the outstanding join token expires; null when there is none. */
  joinExpiresAt: number | null;
  /** Whether the gateway holds a credential (it joined and was not re-enrolled since). */
  hasCredential: boolean;
  /** `sgc_<id>_` and the secret's first characters; tells credentials apart without the secret. */
  credentialPrefix: string | null;
  lastSeenAt: number | null;
  /** Agent version the gateway last reported. */
  version: string | null;
  createdAt: number;
  revision: number;
}

/** What an Administrator gives to register a gateway. */
export interface GatewaySpec {
  name: string;
  host: string;
  portRange?: PortRange | null;
  labels?: Record<string, string>;
  /** Defaults to the gateway's id. */
  subnetId?: string;
}

/** What a PATCH may change; absent fields stay, `portRange: null` removes the range. */
export interface GatewayPatch {
  name?: string;
  host?: string;
  portRange?: PortRange | null;
  labels?: Record<string, string>;
}

export type GatewayStatus = 'pending' | 'connected' | 'disconnected';

/** A gateway seen this recently is connected: its agent reports more often than that. */
export const CONNECTED_WITHIN_MS = 30_000;

/** A join token is good for one day and one use. */
export const JOIN_TOKEN_TTL_MS = 24 * 3_600_000;
export const JOIN_TOKEN_PREFIX = 'sjt_';
export const CREDENTIAL_PREFIX = 'sgc_';

/** `connected` if seen within 30 s, `disconnected` if seen before or holding a credential, `pending` if it never joined. */
export function statusOf(gateway: Pick<Gateway, 'lastSeenAt' | 'hasCredential'>, now: number): GatewayStatus {
  if (gateway.lastSeenAt !== null && now - gateway.lastSeenAt <= CONNECTED_WITHIN_MS) return 'connected';
  if (gateway.lastSeenAt === null && !gateway.hasCredential) return 'pending';
  return 'disconnected';
}

/** The ETag follows the revision: any edit changes it. */
export const etagOf = (gateway: Pick<Gateway, 'id' | 'revision'>): string => `W/"${gateway.id}-${gateway.revision}"`;
