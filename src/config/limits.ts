/**
 * Limits that keep a public endpoint standing: request rates, failed-credential budgets,
 * connections and event streams. Parsed from `sluice serve` flags and validated with the rest of
 * the configuration; every limit has a safe default.
 */

/** `max` events per `windowMs`; null = the limit is switched off. */
export interface Rate {
  max: number;
  windowMs: number;
}

export interface LimitsConfig {
  /** Token grants (`POST /identity/token`, any grant) per client address. */
  tokenGrants: Rate | null;
  /** Failed API key / refresh token lookups per client address and per key prefix. */
  keyFailures: Rate | null;
  /** One-time passcodes issued per user. */
  passcodes: Rate | null;
  /** Failed VPN username authentications per user before the user is locked out. */
  vpnAuthUser: Rate | null;
  /** Failed VPN username authentications per remote address before the address is locked out. */
  vpnAuthAddress: Rate | null;
  /** Requests per access token. */
  tokenRequests: Rate | null;
  /** Open TCP connections in total and per client address (0 = no cap). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** A request's headers must arrive within this; the whole request within requestTimeoutMs. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** A socket with no traffic either way is closed after this. */
  idleTimeoutMs: number;
  /** Open client event streams per access token and per VPN server (0 = no cap). */
  maxStreamsPerToken: number;
  maxStreamsPerServer: number;
}

export const DEFAULT_LIMITS: LimitsConfig = {
  tokenGrants: { max: 30, windowMs: 60_000 },
  keyFailures: { max: 10, windowMs: 15 * 60_000 },
  passcodes: { max: 10, windowMs: 5 * 60_000 },
  vpnAuthUser: { max: 5, windowMs: 15 * 60_000 },
  vpnAuthAddress: { max: 20, windowMs: 15 * 60_000 },
  tokenRequests: { max: 1200, windowMs: 60_000 },
  maxConnections: 4096,
  maxConnectionsPerAddress: 128,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxStreamsPerToken: 8,
  maxStreamsPerServer: 256,
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `N/DURATION` (e.g. `30/1m`, `5/15m`, `1200/60s`) or `off`; undefined when malformed. */
export function parseRate(text: string): Rate | null | undefined {
  if (text === 'off') return null;
  const match = /^(\d{1,9})\/(\d{1,9})(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = Number(match[2]) * (UNITS[match[3] ?? 's'] ?? 1000);
  if (max < 1 || windowMs < 1000 || windowMs > 7 * 86_400_000) return undefined;
  return { max, windowMs };
}

export const formatRate = (rate: Rate | null): string => (rate === null ? 'off' : `${rate.max}/${rate.windowMs % 60_000 === 0 ? `${rate.windowMs / 60_000}m` : `${rate.windowMs / 1000}s`}`);
