/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR blocks as inclusive ranges of them. Strict:
 * only canonical dotted quads and network addresses (no host bits), as the API stores them.
 */
import { ipv4ToUint, isIpv4, readIpv4Cidr, uintToIpv4 } from '../../ip/cidr.ts';

export const ADDRESS_SPACE_END = 2 ** 32 - 1;

export interface AddressRange {
  /** First address, inclusive. */
  first: number;
  /** Last address, inclusive. */
  last: number;
}

export class Ipv4Error extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'Ipv4Error';
  }
}

export function isIpv4Address(text: string): boolean {
  return isIpv4(text);
}

export function parseAddress(field: string, text: string): number {
  if (!isIpv4(text)) throw new Ipv4Error(field, `"${text}" is not an IPv4 address`);
  return ipv4ToUint(text);
}

export function formatAddress(value: number): string {
  return uintToIpv4(value);
}

export interface Cidr extends AddressRange {
  prefix: number;
}

/** `a.b.c.d/len` with no host bits set. */
export function parseCidr(field: string, text: string): Cidr {
  const reading = readIpv4Cidr(text);
  if (reading.ok) return { first: reading.first, last: reading.last, prefix: reading.prefix };
  if (reading.problem === 'host_bits') throw new Ipv4Error(field, `"${text}" has host bits set`);
  throw new Ipv4Error(field, `"${text}" is not an IPv4 CIDR`);
}

/** The range as nftables reads it: a prefix when it is exactly one, else `first-last`. */
export function formatRange(range: AddressRange): string {
  const size = range.last - range.first + 1;
  const prefix = 32 - Math.log2(size);
  if (Number.isInteger(prefix) && range.first % size === 0) return `${formatAddress(range.first)}/${prefix}`;
  return `${formatAddress(range.first)}-${formatAddress(range.last)}`;
}
