import ipaddr from 'ipaddr.js';
import { fieldError } from '../../errors/catalogue.ts';

export interface Ipv4Cidr {
  network: string;
  prefix: number;
  /** The one spelling of this block (`0.0.0.0/00` and `0.0.0.0/0` are both `0.0.0.0/0`). */
  canonical: string;
  /** First and last address as 32-bit unsigned integers. */
  first: number;
  last: number;
}

const toUint = (address: ipaddr.IPv4): number =>
  address.octets.reduce((acc, octet) => (acc * 256 + octet) >>> 0, 0);

const fromUint = (value: number): string =>
  [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');

/** Parses `a.b.c.d/n` strictly: dotted quad, prefix 0–32, no host bits set. */
export function parseIpv4Cidr(text: string, field: string): Ipv4Cidr {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1] ?? '')) {
    throw fieldError('invalid_cidr', field, `${field} must be an IPv4 CIDR block like 10.8.0.0/16`, text);
  }
  const prefix = Number(match[2]);
  if (prefix > 32) throw fieldError('invalid_cidr', field, `${field} has a prefix length over 32`, text);
  const first = toUint(ipaddr.IPv4.parse(match[1] ?? ''));
  const size = 2 ** (32 - prefix);
  if (first % size !== 0) {
    const network = fromUint(first - (first % size));
    throw fieldError('invalid_cidr', field, `${field} has host bits set; did you mean ${network}/${prefix}?`, text);
  }
  // The text passed the strict checks above, so ipaddr.js reads it the way they did (no octal).
  const [address, bits] = ipaddr.IPv4.parseCIDR(`${match[1] ?? ''}/${prefix}`);
  const network = address.toString();
  return { network, prefix: bits, canonical: `${network}/${bits}`, first, last: first + size - 1 };
}

export const overlaps = (a: Ipv4Cidr, b: Ipv4Cidr): boolean => a.first <= b.last && b.first <= a.last;

const reserved = ['127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4'].map((c) => parseIpv4Cidr(c, 'reserved'));

/** The reference's rules for `client_ip_pool`: prefix /9–/22, clear of loopback, link-local, multicast. */
export function validateClientIpPool(text: string, field = 'client_ip_pool'): Ipv4Cidr {
  const cidr = parseIpv4Cidr(text, field);
  if (cidr.prefix < 9 || cidr.prefix > 22) {
    throw fieldError('client_ip_pool_prefix', field, `${field} prefix must be from /9 to /22, got /${cidr.prefix}`, text);
  }
  const clash = reserved.find((r) => overlaps(r, cidr));
  if (clash) {
    throw fieldError('client_ip_pool_reserved', field, `${field} overlaps the reserved range ${clash.network}/${clash.prefix}`, text);
  }
  return cidr;
}
