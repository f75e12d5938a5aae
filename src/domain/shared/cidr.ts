import { fieldError } from '../../errors/catalogue.ts';
import { overlaps, readIpv4Cidr, type Ipv4Cidr } from '../../ip/cidr.ts';

export type { Ipv4Cidr } from '../../ip/cidr.ts';
export { overlaps } from '../../ip/cidr.ts';

/** Parses `a.b.c.d/n` strictly: dotted quad, prefix 0–32, no host bits set (src/ip/cidr.ts). */
export function parseIpv4Cidr(text: string, field: string): Ipv4Cidr {
  const reading = readIpv4Cidr(text);
  if (reading.ok) {
    const { ok: _ok, ...cidr } = reading;
    return cidr;
  }
  switch (reading.problem) {
    case 'syntax':
      throw fieldError('invalid_cidr', field, `${field} must be an IPv4 CIDR block like 10.8.0.0/16`, text);
    case 'prefix':
      throw fieldError('invalid_cidr', field, `${field} has a prefix length over 32`, text);
    case 'host_bits':
      throw fieldError('invalid_cidr', field, `${field} has host bits set; did you mean ${reading.network}/${reading.prefix}?`, text);
  }
}

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
