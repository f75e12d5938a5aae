/**
 * IPv4 addresses and CIDR blocks, read one way everywhere (domain, gateway, CLI, console). Pure and
 * browser-safe: no Node-only imports, no errors of any layer — callers turn a `CidrProblem` into
 * their own error (a catalogue code, an OpenVPN config error, a CLI usage line, a form message).
 *
 * Strict on purpose: dotted quads without leading zeros (`010.0.0.0` is octal to some parsers),
 * prefix 0–32 in one or two digits, and — for `readIpv4Cidr` — no host bits set.
 */
import ipaddr from 'ipaddr.js';

export interface Ipv4Cidr {
  /** The network address as written (already canonical: no leading zeros are accepted). */
  network: string;
  prefix: number;
  /** The one spelling of this block (`0.0.0.0/00` and `0.0.0.0/0` are both `0.0.0.0/0`). */
  canonical: string;
  /** Dotted-quad netmask, e.g. `255.255.0.0` for /16. */
  netmask: string;
  /** First and last address as 32-bit unsigned integers, inclusive. */
  first: number;
  last: number;
}

/**
 * Why a text is not a network block: `syntax` (not `a.b.c.d/n`), `prefix` (over 32) or `host_bits`
 * (an address inside the block rather than its network address; `network` says which one was meant).
 */
export type CidrProblem = { problem: 'syntax' } | { problem: 'prefix'; prefix: number } | { problem: 'host_bits'; network: string; prefix: number };

export type CidrReading = ({ ok: true } & Ipv4Cidr) | ({ ok: false } & CidrProblem);

const SHAPE = /^([^/]+)\/(\d{1,2})$/;

/** A canonical dotted quad: four decimal octets 0–255, no leading zeros, nothing else. */
export const isIpv4 = (text: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(text);

export const ipv4ToUint = (text: string): number => ipaddr.IPv4.parse(text).octets.reduce((acc, octet) => (acc * 256 + octet) >>> 0, 0);

export const uintToIpv4 = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');

/** Reads `a.b.c.d/n` as a network block; says what is wrong instead of throwing. */
export function readIpv4Cidr(text: string): CidrReading {
  const match = SHAPE.exec(text);
  const address = match?.[1];
  if (!match || address === undefined || !isIpv4(address)) return { ok: false, problem: 'syntax' };
  const prefix = Number(match[2]);
  if (prefix > 32) return { ok: false, problem: 'prefix', prefix };
  const start = ipv4ToUint(address);
  const size = 2 ** (32 - prefix);
  const first = start - (start % size);
  if (first !== start) return { ok: false, problem: 'host_bits', network: uintToIpv4(first), prefix };
  const netmask = ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString();
  return { ok: true, network: address, prefix, canonical: `${address}/${prefix}`, netmask, first, last: first + size - 1 };
}

/** `a.b.c.d/n` with a valid address and prefix; host bits are not looked at (forms, CLI arguments). */
export function isIpv4CidrSyntax(text: string): boolean {
  const reading = readIpv4Cidr(text);
  return reading.ok || reading.problem === 'host_bits';
}

export const overlaps = (a: Pick<Ipv4Cidr, 'first' | 'last'>, b: Pick<Ipv4Cidr, 'first' | 'last'>): boolean => a.first <= b.last && b.first <= a.last;

/**
 * Part `index` of `parts` equal blocks of `block` (parts a power of two), e.g. the half of a client
 * pool one of two gateways hands out, so the two never give one address twice. Undefined when the
 * block is too small to split so.
 */
export function subBlock(block: Pick<Ipv4Cidr, 'first' | 'prefix'>, index: number, parts: number): string | undefined {
  const extraBits = Math.log2(parts);
  if (!Number.isInteger(extraBits) || index < 0 || index >= parts || block.prefix + extraBits > 32) return undefined;
  const prefix = block.prefix + extraBits;
  return `${uintToIpv4(block.first + index * 2 ** (32 - prefix))}/${prefix}`;
}
