/**
 * Readers of single configuration values shared by `sluice serve` and `sluice gateway`. Each one
 * records a problem naming the flag and what it got, and returns a fallback, so every problem is
 * reported at once.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What Linux accepts as an interface name, without the characters nftables would need quoted. */
export const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Default grace before the follow-up `kill IP:port` (see docs/operations.md for the measurements). */
export const DEFAULT_KILL_GRACE_MS = 1200;
/** OpenVPN ends a killed instance itself 5 s after `client-kill`; a longer grace would never fire. */
export const MAX_KILL_GRACE_MS = 4500;

export function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
    return fallback;
  }
  return value;
}

export function logLevel(name: string, text: string | undefined, problems: string[]): LogLevel {
  const level = text ?? 'info';
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  problems.push(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return 'info';
}

/** `off`, or milliseconds from 0 to MAX_KILL_GRACE_MS. */
export function killGrace(name: string, text: string | undefined, problems: string[]): number | undefined {
  if (text === 'off') return undefined;
  if (text !== undefined && !/^\d+$/.test(text)) {
    problems.push(`${name} must be milliseconds from 0 to ${MAX_KILL_GRACE_MS} or off, got "${text}"`);
    return DEFAULT_KILL_GRACE_MS;
  }
  return integer(name, text, DEFAULT_KILL_GRACE_MS, 0, MAX_KILL_GRACE_MS, problems);
}

/** `nftables` or `none`, and the egress interfaces, as both commands read them. */
export function dataplane(name: string, text: string | undefined, problems: string[]): 'nftables' | 'none' {
  const value = text ?? 'nftables';
  if (value === 'nftables' || value === 'none') return value;
  problems.push(`${name} must be nftables or none, got "${value}"`);
  return 'none';
}

export function egressInterfaces(name: string, text: string | undefined, problems: string[]): string[] {
  const names = (text ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const n of names) {
    if (!INTERFACE_NAME.test(n)) problems.push(`${name} must be comma-separated interface names (1–15 of A-Z a-z 0-9 . _ -), got "${n}"`);
  }
  return names;
}

/** Splits an argument string the way a shell would for simple cases: spaces, with "…" or '…' quoting. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(match[1] ?? match[2] ?? match[3] ?? '');
  return out;
}
