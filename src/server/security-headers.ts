import type { FastifyInstance } from 'fastify';

/**
 * Every answer carries a strict Content-Security-Policy and frame protection. The console is a
 * bundle of same-origin scripts, styles and fonts, so nothing inline or foreign is allowed; no
 * page of this service may be framed (clickjacking on Disconnect/Delete). HSTS is left to the
 * TLS terminator in front of Sluice: this service itself speaks plain HTTP.
 *
 * These are the headers helmet's middleware sets for that policy (its defaults otherwise), written
 * out once: @fastify/helmet rebuilt the middleware from its options on every request, a cost of
 * its own on every API call. `src/server/security-headers.test.ts` checks that they are still
 * exactly what helmet answers for the same policy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const HEADERS = Object.entries(SECURITY_HEADERS);

/**
 * Set on the raw response as the request arrives, as helmet did: answers Fastify never
 * serialises itself — event streams, static files, errors — carry them too.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of HEADERS) raw.setHeader(name, value);
    done();
  });
}
