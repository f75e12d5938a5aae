import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../errors/catalogue.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Origin this request's `href`s are built on; set by the host check before anything else runs. */
    hrefBase: string | undefined;
  }
}

export interface HostPolicyOptions {
  /** Configured origin (`--public-url`): every href is built on it and Host is only checked for syntax. */
  publicUrl?: string | undefined;
  /** Names this service answers for without a public URL: the listen and public hosts. */
  ownHosts: string[];
}

/** host[:port] as RFC 3986 allows it in a Host header: a DNS name, IPv4 or a bracketed IPv6 literal. */
const HOST = /^(?:(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}))|\[(?<ipv6>[0-9A-Fa-f:.]{2,45})\])(?::(?<port>\d{1,5}))?$/;

export interface ParsedHost {
  hostname: string;
  port: number | undefined;
}

/** The Host header split and checked; undefined when it is not a host[:port] at all. */
export function parseHostHeader(value: string): ParsedHost | undefined {
  const match = HOST.exec(value);
  if (!match?.groups) return undefined;
  const { name, ipv6, port } = match.groups;
  if (ipv6 !== undefined && isIP(ipv6) !== 6) return undefined;
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && (portNumber < 1 || portNumber > 65535)) return undefined;
  return { hostname: (name ?? `[${ipv6 ?? ''}]`).toLowerCase(), port: portNumber };
}

const bracketed = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host.toLowerCase());

function localNames(ownHosts: string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  for (const host of ownHosts) if (host) names.add(bracketed(host));
  for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(bracketed(a.address));
  return names;
}

/**
 * `href`s name this service. They are built from the configured public URL, or from the Host the
 * caller used when it is well-formed and names this machine (its listen or public host, a local
 * address, localhost); any other Host would let a caller plant links to a host of their choosing,
 * so those fall back to the public host. A Host that is not a host[:port] is refused with 400.
 */
export function registerHostPolicy(app: FastifyInstance, options: HostPolicyOptions): void {
  const names = localNames(options.ownHosts);
  const fallbackHost = bracketed(options.ownHosts.find((h) => h && h !== '0.0.0.0' && h !== '::') ?? 'localhost');
  app.decorateRequest('hrefBase', undefined);
  // A callback hook: nothing here waits, and an async hook costs a promise per request. A throw is
  // Fastify's to catch, as a rejection would be.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.host;
    const parsed = header ? parseHostHeader(header) : undefined;
    if (header && !parsed) {
      throw new SluiceError('invalid_request', 'the Host header must be host[:port]', { name: 'Host', type: 'header', value: header.slice(0, 100) });
    }
    if (options.publicUrl) {
      request.hrefBase = options.publicUrl;
      done();
      return;
    }
    const port = parsed?.port ?? request.socket?.localPort;
    const host = parsed && names.has(parsed.hostname) ? parsed.hostname : fallbackHost;
    request.hrefBase = originOf(request.protocol, host, parsed && names.has(parsed.hostname) ? parsed.port : port);
    done();
  });
}

function originOf(protocol: string, host: string, port: number | undefined): string {
  const defaultPort = protocol === 'https' ? 443 : 80;
  return `${protocol}://${host}${port === undefined || port === defaultPort ? '' : `:${port}`}`;
}

/** The base for hrefs; never throws, even for a request the host check refused. */
export function hrefBaseOf(request: FastifyRequest): string {
  return request.hrefBase ?? '';
}
