import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/**
 * Every answer carries a strict Content-Security-Policy and frame protection. The console is a
 * bundle of same-origin scripts, styles and fonts, so nothing inline or foreign is allowed; no
 * page of this service may be framed (clickjacking on Disconnect/Delete). HSTS is left to the
 * TLS terminator in front of Sluice: this service itself speaks plain HTTP.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}
