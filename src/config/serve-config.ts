import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_LIMITS, formatRate, parseRate, type LimitsConfig, type Rate } from './limits.ts';
import { ConfigError, dataplane as readDataplane, egressInterfaces, integer, killGrace, logLevel as readLogLevel, splitArgs, type LogLevel } from './values.ts';

export { ConfigError, DEFAULT_KILL_GRACE_MS, MAX_KILL_GRACE_MS, splitArgs } from './values.ts';

/** Everything `sluice serve` can be told, after defaults. One schema; every problem reported at once. */
export interface ServeConfig {
  listenHost: string;
  listenPort: number;
  dataDir: string;
  databaseUrl: string;
  publicHost: string;
  adminApiKey: string | undefined;
  logLevel: LogLevel;
  gateway: 'embedded' | 'none';
  openvpnBinary: string;
  openvpnArgs: string[];
  tokenTtlSeconds: number;
  passcodeTtlSeconds: number;
  sweepIntervalMs: number;
  trustProxy: boolean;
  bodyLimitBytes: number;
  consoleDir: string | undefined;
  /** Seconds health stays `degraded` after OpenVPN crashed and came back. */
  degradedSeconds: number;
  /** Origin `href`s are built from (e.g. https://vpn.example.com); undefined = a validated Host. */
  publicUrl: string | undefined;
  limits: LimitsConfig;
  /**
   * `nftables`: the gateway enforces routes with one nftables table per server and turns on IPv4
   * forwarding; `none`: it leaves the host's packet filter and sysctls alone (other tooling owns them).
   */
  dataplane: 'nftables' | 'none';
  nftBinary: string;
  /** Interfaces VPN traffic may leave by; empty = any but the server's own tun device. */
  dataplaneEgress: string[];
  /** `auto`: readable lines on a terminal, JSON otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Prometheus metrics collected and served (on the API port behind a token, or on metricsListen). */
  metrics: boolean;
  /** Serve /metrics here without a token instead of on the API port. */
  metricsListen: { host: string; port: number } | undefined;
  auditRetentionDays: number;
  /** How long the hourly monitoring samples are kept (minute samples: 48 hours). */
  monitoringRetentionDays: number;
  /**
   * Grace (ms) between `client-kill … HALT` and the `kill IP:port` that ends the session at once
   * instead of after OpenVPN's 5 s exit interval; undefined (`off`): OpenVPN's own interval.
   */
  killGraceMs: number | undefined;
  /** Not a flag: on for every operator; benchmarks turn it off to measure its cost. */
  audit: boolean;
}

/** Flag name → environment variable. A flag wins over its variable. */
export const SERVE_OPTIONS = {
  listen: 'SLUICE_LISTEN',
  'data-dir': 'SLUICE_DATA_DIR',
  database: 'SLUICE_DATABASE_URL',
  'public-host': 'SLUICE_PUBLIC_HOST',
  'log-level': 'SLUICE_LOG_LEVEL',
  gateway: 'SLUICE_GATEWAY',
  'openvpn-binary': 'SLUICE_OPENVPN_BINARY',
  'openvpn-args': 'SLUICE_OPENVPN_ARGS',
  'token-ttl': 'SLUICE_TOKEN_TTL_SECONDS',
  'passcode-ttl': 'SLUICE_PASSCODE_TTL_SECONDS',
  'sweep-interval': 'SLUICE_SWEEP_INTERVAL_MS',
  'trust-proxy': 'SLUICE_TRUST_PROXY',
  'body-limit': 'SLUICE_BODY_LIMIT_BYTES',
  'console-dir': 'SLUICE_CONSOLE_DIR',
  'degraded-seconds': 'SLUICE_DEGRADED_SECONDS',
  'public-url': 'SLUICE_PUBLIC_URL',
  'limit-token-grants': 'SLUICE_LIMIT_TOKEN_GRANTS',
  'limit-key-failures': 'SLUICE_LIMIT_KEY_FAILURES',
  'limit-passcodes': 'SLUICE_LIMIT_PASSCODES',
  'limit-vpn-auth-user': 'SLUICE_LIMIT_VPN_AUTH_USER',
  'limit-vpn-auth-address': 'SLUICE_LIMIT_VPN_AUTH_ADDRESS',
  'limit-token-requests': 'SLUICE_LIMIT_TOKEN_REQUESTS',
  'max-connections': 'SLUICE_MAX_CONNECTIONS',
  'max-connections-per-address': 'SLUICE_MAX_CONNECTIONS_PER_ADDRESS',
  'headers-timeout': 'SLUICE_HEADERS_TIMEOUT_MS',
  'request-timeout': 'SLUICE_REQUEST_TIMEOUT_MS',
  'idle-timeout': 'SLUICE_IDLE_TIMEOUT_MS',
  'max-streams-per-token': 'SLUICE_MAX_STREAMS_PER_TOKEN',
  'max-streams-per-server': 'SLUICE_MAX_STREAMS_PER_SERVER',
  dataplane: 'SLUICE_DATAPLANE',
  'nft-binary': 'SLUICE_NFT_BINARY',
  'dataplane-egress': 'SLUICE_DATAPLANE_EGRESS',
  'log-format': 'SLUICE_LOG_FORMAT',
  metrics: 'SLUICE_METRICS',
  'metrics-listen': 'SLUICE_METRICS_LISTEN',
  'audit-retention-days': 'SLUICE_AUDIT_RETENTION_DAYS',
  'monitoring-retention-days': 'SLUICE_MONITORING_RETENTION_DAYS',
  'kill-grace': 'SLUICE_KILL_GRACE_MS',
} as const;

export type ServeOption = keyof typeof SERVE_OPTIONS;

function parseListen(text: string, problems: string[], label = '--listen / SLUICE_LISTEN'): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    problems.push(`${label} must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`);
    return { host: '127.0.0.1', port: 8080 };
  }
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

/** An http(s) origin without path, query or credentials; hrefs are built on it. */
function parsePublicUrl(name: string, text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    problems.push(`${name} must be an http(s) URL with no path, query or credentials (e.g. https://vpn.example.com), got "${text}"`);
    return undefined;
  }
  return url.origin;
}

function rate(name: string, text: string | undefined, fallback: Rate | null, problems: string[]): Rate | null {
  if (text === undefined) return fallback;
  const parsed = parseRate(text);
  if (parsed === undefined) {
    problems.push(`${name} must be COUNT/DURATION (e.g. ${formatRate(fallback ?? { max: 30, windowMs: 60_000 })}; units ms, s, m, h; 1 s to 7 days) or off, got "${text}"`);
    return fallback;
  }
  return parsed;
}

function loadLimits(get: (option: ServeOption) => string | undefined, label: (option: ServeOption) => string, problems: string[]): LimitsConfig {
  const d = DEFAULT_LIMITS;
  const r = (option: ServeOption, fallback: Rate | null): Rate | null => rate(label(option), get(option), fallback, problems);
  const n = (option: ServeOption, fallback: number, min: number, max: number): number => integer(label(option), get(option), fallback, min, max, problems);
  return {
    tokenGrants: r('limit-token-grants', d.tokenGrants),
    keyFailures: r('limit-key-failures', d.keyFailures),
    passcodes: r('limit-passcodes', d.passcodes),
    vpnAuthUser: r('limit-vpn-auth-user', d.vpnAuthUser),
    vpnAuthAddress: r('limit-vpn-auth-address', d.vpnAuthAddress),
    tokenRequests: r('limit-token-requests', d.tokenRequests),
    maxConnections: n('max-connections', d.maxConnections, 0, 1_000_000),
    maxConnectionsPerAddress: n('max-connections-per-address', d.maxConnectionsPerAddress, 0, 1_000_000),
    headersTimeoutMs: n('headers-timeout', d.headersTimeoutMs, 1000, 600_000),
    requestTimeoutMs: n('request-timeout', d.requestTimeoutMs, 1000, 3_600_000),
    idleTimeoutMs: n('idle-timeout', d.idleTimeoutMs, 1000, 3_600_000),
    maxStreamsPerToken: n('max-streams-per-token', d.maxStreamsPerToken, 0, 100_000),
    maxStreamsPerServer: n('max-streams-per-server', d.maxStreamsPerServer, 0, 1_000_000),
  };
}

export function loadServeConfig(flags: Partial<Record<ServeOption, string>>, env: NodeJS.ProcessEnv, cwd = process.cwd()): ServeConfig {
  const problems: string[] = [];
  const get = (option: ServeOption): string | undefined => flags[option] ?? (env[SERVE_OPTIONS[option]] || undefined);
  const label = (option: ServeOption): string => `--${option} / ${SERVE_OPTIONS[option]}`;

  const listen = parseListen(get('listen') ?? '127.0.0.1:8080', problems);
  const dataDirText = get('data-dir') ?? './.sluice';
  const dataDir = isAbsolute(dataDirText) ? dataDirText : resolve(cwd, dataDirText);
  const databaseUrl = get('database') ?? join(dataDir, 'sluice.db');
  if (/^[a-z]+:\/\//i.test(databaseUrl) && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    problems.push(`${label('database')} must be a postgres:// URL or a SQLite file path, got "${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}"`);
  }
  const gateway = get('gateway') ?? 'embedded';
  if (gateway !== 'embedded' && gateway !== 'none') problems.push(`${label('gateway')} must be embedded or none, got "${gateway}"`);
  const trustProxy = get('trust-proxy') ?? 'false';
  if (trustProxy !== 'true' && trustProxy !== 'false') problems.push(`${label('trust-proxy')} must be true or false, got "${trustProxy}"`);
  const logFormat = get('log-format') ?? 'auto';
  if (!['auto', 'json', 'pretty'].includes(logFormat)) problems.push(`${label('log-format')} must be auto, json or pretty, got "${logFormat}"`);
  const metrics = get('metrics') ?? 'on';
  if (metrics !== 'on' && metrics !== 'off') problems.push(`${label('metrics')} must be on or off, got "${metrics}"`);
  const metricsListenText = get('metrics-listen');
  const metricsListen = metricsListenText === undefined ? undefined : parseListen(metricsListenText, problems, label('metrics-listen'));
  if (metricsListen && metrics === 'off') problems.push(`${label('metrics-listen')} serves metrics, but ${label('metrics')} is off`);
  const adminApiKey = env.SLUICE_ADMIN_API_KEY || undefined;
  if (adminApiKey !== undefined && adminApiKey.length < 16) problems.push('SLUICE_ADMIN_API_KEY must be at least 16 characters');

  const config: ServeConfig = {
    listenHost: listen.host,
    listenPort: listen.port,
    dataDir,
    databaseUrl,
    publicHost: get('public-host') ?? listen.host,
    adminApiKey,
    logLevel: readLogLevel(label('log-level'), get('log-level'), problems),
    gateway: gateway === 'none' ? 'none' : 'embedded',
    openvpnBinary: get('openvpn-binary') ?? 'openvpn',
    openvpnArgs: splitArgs(get('openvpn-args') ?? ''),
    tokenTtlSeconds: integer(label('token-ttl'), get('token-ttl'), 3600, 1, 86_400, problems),
    passcodeTtlSeconds: integer(label('passcode-ttl'), get('passcode-ttl'), 300, 1, 86_400, problems),
    sweepIntervalMs: integer(label('sweep-interval'), get('sweep-interval'), 10_000, 100, 3_600_000, problems),
    trustProxy: trustProxy === 'true',
    bodyLimitBytes: integer(label('body-limit'), get('body-limit'), 1_048_576, 1024, 64 * 1_048_576, problems),
    consoleDir: get('console-dir'),
    degradedSeconds: integer(label('degraded-seconds'), get('degraded-seconds'), 60, 0, 86_400, problems),
    publicUrl: parsePublicUrl(label('public-url'), get('public-url'), problems),
    limits: loadLimits(get, label, problems),
    dataplane: readDataplane(label('dataplane'), get('dataplane'), problems),
    nftBinary: get('nft-binary') ?? 'nft',
    dataplaneEgress: egressInterfaces(label('dataplane-egress'), get('dataplane-egress'), problems),
    logFormat: logFormat as ServeConfig['logFormat'],
    metrics: metrics !== 'off',
    metricsListen,
    auditRetentionDays: integer(label('audit-retention-days'), get('audit-retention-days'), 90, 1, 36_500, problems),
    monitoringRetentionDays: integer(label('monitoring-retention-days'), get('monitoring-retention-days'), 31, 7, 36_500, problems),
    killGraceMs: killGrace(label('kill-grace'), get('kill-grace'), problems),
    audit: true,
  };
  if (config.limits.headersTimeoutMs > config.limits.requestTimeoutMs) {
    problems.push(`${label('headers-timeout')} (${config.limits.headersTimeoutMs}) must not exceed ${label('request-timeout')} (${config.limits.requestTimeoutMs})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
