import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { StoredCertificate } from '../../../store/certificates.ts';
import { deleteAndDisconnect, revokeAndDisconnect } from '../../../domain/certificates/revocation.ts';
import { actorOf } from '../../auth.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Crn, Href, Id, Name, PageQuery, Timestamp, VersionQuery, collection, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Certificates'];
const CommonName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f/\\\\]+$', description: 'Subject common name.' });
const Pem = (description: string) => Type.String({ minLength: 1, maxLength: 200_000, description });

const CertificateSchema = Type.Object(
  {
    id: Id,
    crn: Crn,
    href: Href,
    name: Name,
    kind: Type.String({ description: 'ca, server, client or imported.' }),
    common_name: Type.String({ description: 'Subject common name.' }),
    serial: Type.String({ description: 'Serial number, lowercase hex.' }),
    not_before: Timestamp,
    not_after: Timestamp,
    issuer: Type.Optional(Type.Object({ id: Id, href: Href }, { description: 'The issuing CA, when Sluice issued it.' })),
    has_private_key: Type.Boolean({ description: 'Whether Sluice holds the private key.' }),
    revoked_at: Type.Optional(Timestamp),
    certificate_pem: Type.String({ description: 'The certificate, PEM.' }),
    intermediate_pem: Type.Optional(Type.String({ description: 'Intermediate chain, PEM.' })),
    created_at: Timestamp,
    resource_type: Type.Literal('certificate', { description: 'Resource type.' }),
  },
  { description: 'A certificate.' },
);

const CreateBody = Type.Union([
  Type.Object({ kind: Type.Literal('ca'), name: Type.Optional(Name), common_name: CommonName }, { additionalProperties: false, description: 'A new certificate authority.' }),
  Type.Object(
    { kind: Type.Union([Type.Literal('server'), Type.Literal('client')]), name: Type.Optional(Name), common_name: CommonName, issuer: Type.Object({ crn: Crn }, { additionalProperties: false }) },
    { additionalProperties: false, description: 'A certificate issued by a Sluice CA.' },
  ),
  Type.Object(
    { kind: Type.Literal('imported'), name: Type.Optional(Name), certificate_pem: Pem('Certificate.'), private_key_pem: Type.Optional(Pem('Private key.')), intermediate_pem: Type.Optional(Pem('Chain.')) },
    { additionalProperties: false, description: 'An imported certificate.' },
  ),
]);

const Params = Type.Object({ id: Id }, { description: 'Path parameters.' });
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

const present = (c: StoredCertificate, base: string) => {
  const out: Record<string, unknown> = {
    id: c.id,
    crn: c.crn,
    href: `${base}/v1/certificates/${c.id}`,
    name: c.name,
    kind: c.kind,
    common_name: c.subject_cn,
    serial: c.serial,
    not_before: toTimestamp(c.not_before),
    not_after: toTimestamp(c.not_after),
    has_private_key: c.private_key_sealed !== null,
    certificate_pem: c.certificate_pem,
    created_at: toTimestamp(c.created_at),
    resource_type: 'certificate',
  };
  if (c.issuer_id !== null) out.issuer = { id: c.issuer_id, href: `${base}/v1/certificates/${c.issuer_id}` };
  if (c.revoked_at !== null) out.revoked_at = toTimestamp(c.revoked_at);
  if (c.intermediate_pem !== null) out.intermediate_pem = c.intermediate_pem;
  return out;
};

export function registerCertificateRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const certs = services.certificates;

  app.get('/v1/certificates', {
    config: { action: 'certificate.read' },
    schema: { operationId: 'list_certificates', summary: 'List certificates', tags, querystring: Type.Object({ ...PageQuery, sort: Type.Optional(Type.String({ maxLength: 32 })) }), response: { 200: collection('certificates', CertificateSchema, 'Certificates.'), ...errorResponses } },
  }, async (request) => {
    const sort = parseSort(request.query.sort, ['created_at', 'name'] as const, { column: 'created_at', direction: 'desc' });
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const page = pageInMemory(await certs.list(), sort, (c) => (sort.column === 'name' ? c.name : c.created_at), limit, request.query.start);
    const base = baseUrl(request);
    return collectionOf(request, 'certificates', page, limit, (c) => present(c, base));
  });

  app.post('/v1/certificates', {
    config: { action: 'certificate.write' },
    schema: { operationId: 'create_certificate', summary: 'Create, issue or import a certificate', tags, querystring: Query, body: CreateBody, response: { 201: CertificateSchema, ...errorResponses } },
  }, async (request, reply) => {
    const body = request.body;
    const created =
      body.kind === 'ca'
        ? await certs.createAuthority(body.name, body.common_name)
        : body.kind === 'imported'
          ? await certs.import({ name: body.name, certificatePem: body.certificate_pem, privateKeyPem: body.private_key_pem, intermediatePem: body.intermediate_pem })
          : await certs.issue(body.kind, body.issuer.crn, body.common_name, body.name);
    return reply.code(201).send(present(created, baseUrl(request)));
  });

  app.get('/v1/certificates/:id', {
    config: { action: 'certificate.read' },
    schema: { operationId: 'get_certificate', summary: 'Get a certificate', tags, params: Params, querystring: Query, response: { 200: CertificateSchema, ...errorResponses } },
  }, async (request) => present(await certs.get(request.params.id), baseUrl(request)));

  app.delete('/v1/certificates/:id', {
    config: { action: 'certificate.write' },
    schema: { operationId: 'delete_certificate', summary: 'Delete a certificate', description: 'A certificate a Sluice CA issued is revoked too (it stays on the CRL until it expires) and its live VPN sessions are disconnected.', tags, params: Params, querystring: Query, response: { 202: Type.Null({ description: 'Deleted.' }), ...errorResponses } },
  }, async (request, reply) => {
    await deleteAndDisconnect(services.ctx, certs, request.params.id, actorOf(request));
    return reply.code(202).send();
  });

  app.post('/v1/certificates/:id/revoke', {
    config: { action: 'certificate.write' },
    schema: {
      operationId: 'revoke_certificate',
      summary: 'Revoke a certificate',
      description: 'Adds it to its CA\u2019s CRL; live VPN sessions using it are disconnected.',
      tags,
      params: Params,
      querystring: Query,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 64, description: 'Why.' })) }, { additionalProperties: false })),
      response: { 200: CertificateSchema, ...errorResponses },
    },
  }, async (request) => {
    const revoked = await revokeAndDisconnect(services.ctx, certs, request.params.id, request.body?.reason ?? 'unspecified', actorOf(request));
    return present(revoked, baseUrl(request));
  });

  app.get('/v1/certificates/:id/crl', {
    config: { action: 'certificate.read' },
    schema: { operationId: 'get_certificate_crl', summary: 'Get the CRL of a CA', tags, params: Params, querystring: Query, produces: ['application/pkix-crl'] },
  }, async (request, reply) => reply.type('application/x-pem-file').send(await certs.crlOf(request.params.id)));
}
