import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { StoredCertificate } from '../../../store/certificates.ts';
import { deleteAndDisconnect, revokeAndDisconnect } from '../../../domain/certificates/revocation.ts';
import { actorOf } from '../../auth.ts';
import { auditLink } from '../../audit/hook.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted, Crn, Line, Href, Id, Name, PageQuery, Pem, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, errorResponses, named } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Certificates'];
const CommonName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f/\\\\]+$', description: 'Subject common name.' });
const Serial = Type.String({ pattern: '^[0-9a-f]+$', minLength: 1, maxLength: 64, description: 'Serial number, lowercase hex.' });
const KINDS = ['ca', 'server', 'client', 'imported'] as const;

const CERT = 'r001-39b4dda8-9219-4b6f-869d-e3f163c7ed68';
const CERTIFICATE_EXAMPLE = {
  id: CERT,
  crn: `crn:v1:sluice:private:secrets-manager:local:a/2022ea3d7cfba8b41a61348eb2bfdfb6::secret:${CERT}`,
  href: `https://vpn.example.com/v1/certificates/${CERT}`,
  name: 'office-client-ca',
  kind: 'ca',
  common_name: 'Office client CA',
  serial: '5f1c2a9e0b7d44e1',
  not_before: '2026-11-25T17:27:07.000Z',
  not_after: '2036-11-23T17:27:07.000Z',
  has_private_key: true,
  certificate_pem: '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIIXxwqngt9ROEwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n',
  created_at: '2026-11-25T17:27:07.120Z',
  resource_type: 'certificate',
};

const CertificateSchema = named('Certificate', Type.Object(
  {
    id: Id,
    crn: Crn,
    href: Href,
    name: Name,
    kind: StringEnum([...KINDS], 'ca, server, client or imported.'),
    common_name: CommonName,
    serial: Serial,
    not_before: Timestamp,
    not_after: Timestamp,
    issuer: Type.Optional(named('CertificateIssuerReference', Type.Object({ id: Id, href: Href }, { description: 'The issuing CA, when Sluice issued it.' }))),
    has_private_key: Type.Boolean({ description: 'Whether Sluice holds the private key.' }),
    revoked_at: Type.Optional(Timestamp),
    certificate_pem: Pem('The certificate, PEM.'),
    intermediate_pem: Type.Optional(Pem('Intermediate chain, PEM.')),
    created_at: Timestamp,
    resource_type: StringEnum(['certificate'], 'Resource type.'),
  },
  { description: 'A certificate.', example: CERTIFICATE_EXAMPLE },
));

const IssuerIdentity = named('CertificateIssuerIdentity', Type.Object({ crn: Crn }, { additionalProperties: false, description: 'The issuing CA, by CRN.' }));
const CreateBody = named('CertificatePrototype', Type.Union([
  named('CertificateAuthorityPrototype', Type.Object({ kind: StringEnum(['ca'], 'A new certificate authority.'), name: Type.Optional(Name), common_name: CommonName }, { additionalProperties: false, description: 'A new certificate authority.' })),
  named('CertificateIssuePrototype', Type.Object(
    { kind: StringEnum(['server', 'client'], 'A server or client certificate.'), name: Type.Optional(Name), common_name: CommonName, issuer: IssuerIdentity },
    { additionalProperties: false, description: 'A certificate issued by a Sluice CA.' },
  )),
  named('CertificateImportPrototype', Type.Object(
    { kind: StringEnum(['imported'], 'An imported certificate.'), name: Type.Optional(Name), certificate_pem: Pem('Certificate.'), private_key_pem: Type.Optional(Pem('Private key.')), intermediate_pem: Type.Optional(Pem('Chain.')) },
    { additionalProperties: false, description: 'An imported certificate.' },
  )),
], { description: 'Certificate prototype: a CA, a certificate issued by a CA, or an import.' }));

const RevokeBody = named('CertificateRevocationPrototype', Type.Object(
  { reason: Type.Optional(Line('Why; default unspecified.', 64)) },
  { additionalProperties: false, description: 'Revocation details; the body may be empty.' },
));

const Params = Type.Object({ id: Type.String({ ...Id, description: 'The certificate identifier.' }) }, { description: 'Path parameters.' });
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
const CERTIFICATE_SORTS = ['created_at', 'name'] as const;
const ListQuery = Type.Object({ ...PageQuery, sort: SortQuery(CERTIFICATE_SORTS, '-created_at') }, { description: 'List parameters.' });
const CertificateCollection = collection('CertificateCollection', 'certificates', CertificateSchema, 'Certificates.', collectionExample('/v1/certificates', 'certificates', CERTIFICATE_EXAMPLE));

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
    schema: { operationId: 'list_certificates', summary: 'List certificates', description: 'Lists the certificates of the built-in certificate manager.', tags, querystring: ListQuery, response: { 200: CertificateCollection, ...errorResponses } },
  }, async (request) => {
    const sort = parseSort(request.query.sort, CERTIFICATE_SORTS, { column: 'created_at', direction: 'desc' });
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const page = pageInMemory(await certs.list(), sort, (c) => (sort.column === 'name' ? c.name : c.created_at), limit, request.query.start);
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
