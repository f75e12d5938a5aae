import { isIpv4, isIpv4CidrSyntax } from '../../../src/ip/cidr.ts';
import type { VpnServerPrototype } from '../../../src/client/types.ts';

/** The create-server form: values as typed, client-side checks, and the API body. */
export interface ServerFormValues {
  name: string;
  clientIpPool: string;
  authMethods: 'certificate' | 'username' | 'certificate,username';
  port: string;
  protocol: 'udp' | 'tcp';
  dns: string;
  idleTimeout: string;
  autoDeleteHours: string;
  splitTunnel: boolean;
  certificateCrn: string;
  clientCaCrn: string;
}

export const defaultServerForm: ServerFormValues = {
  name: '',
  clientIpPool: '10.8.0.0/22',
  authMethods: 'certificate',
  port: '443',
  protocol: 'udp',
  dns: '',
  idleTimeout: '600',
  autoDeleteHours: '1',
  splitTunnel: false,
  certificateCrn: '',
  clientCaCrn: '',
};

/** Form field → API field, so API errors land next to the right input. */
export const FIELD_FOR_API: Record<string, keyof ServerFormValues> = {
  name: 'name',
  client_ip_pool: 'clientIpPool',
  client_authentication: 'authMethods',
  port: 'port',
  protocol: 'protocol',
  client_dns_server_ips: 'dns',
  client_idle_timeout: 'idleTimeout',
  client_auto_delete_timeout: 'autoDeleteHours',
  'certificate.crn': 'certificateCrn',
  certificate: 'certificateCrn',
};

export function formFieldOf(apiField: string): keyof ServerFormValues | undefined {
  if (FIELD_FOR_API[apiField]) return FIELD_FOR_API[apiField];
  if (apiField.startsWith('client_authentication')) return apiField.includes('client_ca') ? 'clientCaCrn' : 'authMethods';
  if (apiField.startsWith('client_dns_server_ips')) return 'dns';
  return undefined;
}

const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export { isIpv4 };

/** `a.b.c.d/n` as typed; the API says whether host bits are set. */
export const isCidr = (s: string): boolean => isIpv4CidrSyntax(s);

const intIn = (s: string, min: number, max: number): boolean => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max;

export const splitList = (s: string): string[] =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Quick checks that save a round trip; the API stays the authority (its messages are shown too). */
export function validateServerForm(v: ServerFormValues): Partial<Record<keyof ServerFormValues, string>> {
  const errors: Partial<Record<keyof ServerFormValues, string>> = {};
  const name = v.name.trim();
  if (name && (name.length > 63 || !NAME.test(name))) errors.name = 'Use 1–63 lowercase letters, digits and hyphens, starting with a letter.';
  const pool = v.clientIpPool.trim();
  if (!pool) errors.clientIpPool = 'A client IP pool is required, e.g. 10.8.0.0/22.';
  else if (!isCidr(pool)) errors.clientIpPool = 'Enter an IPv4 CIDR block, e.g. 10.8.0.0/22.';
  else {
    const prefix = Number(pool.split('/')[1]);
    if (prefix < 9 || prefix > 22) errors.clientIpPool = 'The prefix must be from /9 to /22.';
  }
  if (!intIn(v.port, 1, 65535)) errors.port = 'A port from 1 to 65535.';
  const dns = splitList(v.dns);
  if (dns.length > 2) errors.dns = 'At most two DNS servers.';
  else if (dns.some((d) => !isIpv4(d))) errors.dns = 'DNS servers are IPv4 addresses, comma-separated.';
  if (!intIn(v.idleTimeout, 0, 28800)) errors.idleTimeout = 'Seconds from 0 (never) to 28800.';
  if (!intIn(v.autoDeleteHours, 0, 24)) errors.autoDeleteHours = 'Hours from 0 (at once) to 24.';
  return errors;
}

export function serverCreateBody(v: ServerFormValues): VpnServerPrototype {
  const methods = v.authMethods.split(',') as ('certificate' | 'username')[];
  const body: VpnServerPrototype = {
    client_ip_pool: v.clientIpPool.trim(),
    client_authentication: methods.map((m) =>
      m === 'username'
        ? { method: 'username', identity_provider: { provider_type: 'iam' } }
        : v.clientCaCrn.trim()
          ? { method: 'certificate', client_ca: { crn: v.clientCaCrn.trim() } }
          : { method: 'certificate' },
    ),
    port: Number(v.port),
    protocol: v.protocol,
    client_idle_timeout: Number(v.idleTimeout),
    client_auto_delete_timeout: Number(v.autoDeleteHours),
    enable_split_tunneling: v.splitTunnel,
  };
  if (v.name.trim()) body.name = v.name.trim();
  const dns = splitList(v.dns);
  if (dns.length) body.client_dns_server_ips = dns.map((address) => ({ address }));
  if (v.certificateCrn.trim()) body.certificate = { crn: v.certificateCrn.trim() };
  return body;
}

/** Route form: destination CIDR required, name optional. */
export function validateRoute(destination: string, name: string): { destination?: string; name?: string } {
  const out: { destination?: string; name?: string } = {};
  if (!isCidr(destination.trim())) out.destination = 'Enter an IPv4 CIDR block, e.g. 192.168.10.0/24.';
  if (name.trim() && !NAME.test(name.trim())) out.name = 'Use lowercase letters, digits and hyphens, starting with a letter.';
  return out;
}

export function validateName(name: string): string | undefined {
  const n = name.trim();
  if (!n) return 'A name is required.';
  if (n.length > 63 || !NAME.test(n)) return 'Use 1–63 lowercase letters, digits and hyphens, starting with a letter.';
  return undefined;
}
