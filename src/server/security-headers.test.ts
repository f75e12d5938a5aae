import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import { registerSecurityHeaders, SECURITY_HEADERS } from './security-headers.ts';

/** The policy as helmet's options: what Sluice registered before its headers were written out. */
const HELMET_POLICY = {
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
  frameguard: { action: 'deny' as const },
  strictTransportSecurity: false as const,
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** Routes of every kind of answer: serialised JSON, a thrown error, a raw stream, not found. */
function withRoutes(app: FastifyInstance): FastifyInstance {
  app.get('/json', async () => ({ ok: true }));
  app.get('/error', async () => {
    throw new Error('boom');
  });
  app.get('/raw', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.end('data: x\n\n');
  });
  return app;
}

const WITHOUT_DATE = (headers: Record<string, unknown>): Record<string, unknown> => {
  const { date: _date, ...rest } = headers;
  return rest;
};

test('every kind of answer carries exactly the headers helmet sets for the same policy', async () => {
  const reference = Fastify();
  await reference.register(helmet, HELMET_POLICY);
  const ours = Fastify();
  registerSecurityHeaders(ours);
  withRoutes(reference);
  withRoutes(ours);
  for (const url of ['/json', '/error', '/raw', '/missing']) {
    const [expected, actual] = await Promise.all([reference.inject({ url }), ours.inject({ url })]);
    assert.equal(actual.statusCode, expected.statusCode, url);
    assert.deepEqual(WITHOUT_DATE(actual.headers), WITHOUT_DATE(expected.headers), url);
  }
  const expected = await reference.inject({ url: '/json' });
  for (const name of Object.keys(SECURITY_HEADERS)) assert.ok(name in expected.headers, `helmet sets ${name}`);
  await Promise.all([reference.close(), ours.close()]);
});
