import { isAbsolute, join, resolve } from 'node:path';

/** Everything `sluice serve` can be told, after defaults. One schema; every problem reported at once. */
export interface ServeConfig {
  listenHost: string;
  listenPort: number;
  dataDir: string;
  databaseUrl: string;
  publicHost: string;
  adminApiKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
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
  /** `auto`: readable lines on a terminal, JSON otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Prometheus metrics collected and served (on the API port behind a token, or on metricsListen). */
  metrics: boolean;
  /** Serve /metrics here without a token instead of on the API port. */
  metricsListen: { host: string; port: number } | undefined;
  auditRetentionDays: number;
  /** How long the hourly monitoring samples are kept (minute samples: 48 hours). */
  monitoringRetentionDays: number;
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
  'log-format': 'SLUICE_LOG_FORMAT',
  metrics: 'SLUICE_METRICS',
  'metrics-listen': 'SLUICE_METRICS_LISTEN',
  'audit-retention-days': 'SLUICE_AUDIT_RETENTION_DAYS',
  'monitoring-retention-days': 'SLUICE_MONITORING_RETENTION_DAYS',
} as const;
export type ServeOption = keyof typeof SERVE_OPTIONS;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function parseListen(text: string, problems: string[], label = '--listen / SLUICE_LISTEN'): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    problems.push(`${label} must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`);
    return { host: '127.0.0.1', port: 8080 };
  }
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
    return fallback;
  }
  return value;
}

/** Splits an argument string the way a shell would for simple cases: spaces, with "…" or '…' quoting. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(match[1] ?? match[2] ?? match[3] ?? '');
  return out;
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
  const logLevel = get('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`${label('log-level')} must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
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
    logLevel: logLevel as ServeConfig['logLevel'],
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
    logFormat: logFormat as ServeConfig['logFormat'],
    metrics: metrics !== 'off',
    metricsListen,
    auditRetentionDays: integer(label('audit-retention-days'), get('audit-retention-days'), 90, 1, 36_500, problems),
    monitoringRetentionDays: integer(label('monitoring-retention-days'), get('monitoring-retention-days'), 31, 7, 36_500, problems),
    audit: true,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
