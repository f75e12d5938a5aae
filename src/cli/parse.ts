import { InvalidArgumentError } from 'commander';
import { isIpv4, isIpv4CidrSyntax } from '../ip/cidr.ts';

/** Value parsers for commander: they throw InvalidArgumentError so commander prints the verb's usage. */

export const integer =
  (min: number, max: number) =>
  (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return parsed;
  };

export const oneOf =
  <T extends string>(...allowed: T[]) =>
  (value: string): T => {
    const lower = value.toLowerCase();
    const hit = allowed.find((a) => a === lower);
    if (!hit) throw new InvalidArgumentError(`expected one of: ${allowed.join(', ')}.`);
    return hit;
  };

/** `--enable-split-tunnel` alone means true; the reference also accepts an explicit true/false. */
export const boolean = (value: string | undefined): boolean => {
  if (value === undefined) return true;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false.');
};

/** Repeatable and comma-separated: `--subnet a,b` equals `--subnet a --subnet b`. */
export const list = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
];

export const ipv4List = (value: string, previous: string[] | undefined): string[] => {
  const items = list(value, previous);
  const bad = items.find((item) => !isIpv4(item));
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not an IPv4 address.`);
  if (items.length > 2) throw new InvalidArgumentError('at most 2 DNS servers.');
  return items;
};

export const cidr = (value: string): string => {
  if (!isIpv4CidrSyntax(value)) {
    throw new InvalidArgumentError('expected an IPv4 CIDR block such as 10.8.0.0/16.');
  }
  return value;
};

export type AuthMethod = 'certificate' | 'username';

export const authMethods = (value: string): AuthMethod[] => {
  const methods = list(value, undefined);
  if (methods.length === 0 || methods.length > 2) throw new InvalidArgumentError('expected certificate, username or certificate,username.');
  for (const method of methods) if (method !== 'certificate' && method !== 'username') throw new InvalidArgumentError(`unknown method '${method}'; expected certificate and/or username.`);
  return [...new Set(methods as AuthMethod[])];
};

/** `--port-range 1194-1294`: a public port range, both ends included. */
export const portRange = (value: string): { min: number; max: number } => {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (!match || min < 1 || max > 65535 || min > max) throw new InvalidArgumentError('expected MIN-MAX, ports from 1 to 65535 with MIN <= MAX, e.g. 1194-1294.');
  return { min, max };
};

/** Repeatable `--label key=value`; a later value for the same key wins. */
export const label = (value: string, previous: Record<string, string> | undefined): Record<string, string> => {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected KEY=VALUE, e.g. region=eu-de.');
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1) };
};
