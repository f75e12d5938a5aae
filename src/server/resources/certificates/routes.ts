import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { deleteAndDisconnect, revokeAndDisconnect } from '../../../domain/certificates/revocation.ts';
import { actorOf } from '../../auth.ts';
import { auditLink } from '../../audit/hook.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted, Pem, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { CertificateSchema, CreateBody, RevokeBody, Params, Query, CERTIFICATE_SORTS, ListQuery, CertificateCollection } from './schema.ts';
import { present } from './presenter.ts';

const tags = ['Certificates'];

export function registerCertificateRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const certs = services.certificates;

  app.get('/v1/certificates', {
    config: { action: 'certificate.read' },
    schema: { operationId: 'list_certificates', summary: 'List certificates', description: 'Lists the certificates of the built-in certificate manager.', tags, querystring: ListQuery, response: { 200: CertificateCollection, ...errorResponses } },
  }, async (request) => {
    const sort = parseSort(request.query.sort, CERTIFICATE_SORTS, { column: 'created_at', direction: 'desc' });
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const page = pageInMemory(await certs.list(), sort, (c) => (sort.column === 'name' ? c.name : c.createdAt), limit, request.query.start);
    const base = baseUrl(request);
    return collectionOf(request, 'certificates', page, limit, (c) => present(c, base));
  });

  app.post('/v1/certificates', {
    config: { action: 'certificate.write' },
    schema: { operationId: 'create_certificate', summary: 'Create, issue or import a certificate', description: 'Creates a CA, issues a server or client certificate from a Sluice CA, or imports a PEM certificate (and key).', tags, querystring: Query, body: CreateBody, response: { 201: CertificateSchema, ...errorResponses } },
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
    schema: { operationId: 'get_certificate', summary: 'Get a certificate', description: 'Retrieves one certificate (never its private key).', tags, params: Params, querystring: Query, response: { 200: CertificateSchema, ...errorResponses } },
  }, async (request) => present(await certs.get(request.params.id), baseUrl(request)));

  app.delete('/v1/certificates/:id', {
    config: { action: 'certificate.write' },
    schema: { operationId: 'delete_certificate', summary: 'Delete a certificate', description: 'Deletes a certificate no VPN server uses. A certificate a Sluice CA issued is revoked too (it stays on the CRL until it expires) and its live VPN sessions are disconnected.', tags, params: Params, querystring: Query, response: { 202: Accepted('Deleted.'), ...errorResponses } },
  }, async (request, reply) => {
    await deleteAndDisconnect(services.ctx, certs, request.params.id, actorOf(request), auditLink(request));
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
      body: RevokeBody,
      response: { 200: CertificateSchema, ...errorResponses },
    },
  }, async (request) => {
    const revoked = await revokeAndDisconnect(services.ctx, certs, request.params.id, request.body?.reason ?? 'unspecified', actorOf(request), auditLink(request));
    return present(revoked, baseUrl(request));
  });

  app.get('/v1/certificates/:id/crl', {
    config: { action: 'certificate.read' },
    schema: { operationId: 'get_certificate_crl', summary: 'Get the CRL of a CA', description: 'The current certificate revocation list of a Sluice CA, PEM.', tags, params: Params, querystring: Query, response: { 200: { description: 'The CRL, PEM.', content: { 'application/x-pem-file': { schema: Pem('The CRL, PEM.', 4_000_000) } } }, ...errorResponses } },
  }, async (request, reply) => reply.type('application/x-pem-file').send(await certs.crlOf(request.params.id)));
}
