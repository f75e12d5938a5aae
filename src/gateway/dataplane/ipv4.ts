/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR blocks as inclusive ranges of them. Strict:
 * only canonical dotted quads and network addresses (no host bits), as the API stores them.
 */

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

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ADDRESS = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export function isIpv4Address(text: string): boolean {
  return ADDRESS.test(text);
}

export function parseAddress(field: string, text: string): number {
  if (!isIpv4Address(text)) throw new Ipv4Error(field, `"${text}" is not an IPv4 address`);
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Cidr extends AddressRange {
  prefix: number;
}

/** `a.b.c.d/len` with no host bits set. */
export function parseCidr(field: string, text: string): Cidr {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  const prefix = Number(match?.[2]);
  if (!match?.[1] || !isIpv4Address(match[1]) || prefix > 32) throw new Ipv4Error(field, `"${text}" is not an IPv4 CIDR`);
  const first = parseAddress(field, match[1]);
  const size = 2 ** (32 - prefix);
  if (first % size !== 0) throw new Ipv4Error(field, `"${text}" has host bits set`);
  return { first, last: first + size - 1, prefix };
}

/** The range as nftables reads it: a prefix when it is exactly one, else `first-last`. */
export function formatRange(range: AddressRange): string {
  const size = range.last - range.first + 1;
  const prefix = 32 - Math.log2(size);
  if (Number.isInteger(prefix) && range.first % size === 0) return `${formatAddress(range.first)}/${prefix}`;
  return `${formatAddress(range.first)}-${formatAddress(range.last)}`;
}
