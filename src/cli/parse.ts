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
