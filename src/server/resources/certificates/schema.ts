import { Type } from 'typebox';
import { Crn, Line, Href, Id, Name, PageQuery, Pem, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';

export const CommonName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f/\\\\]+$', description: 'Subject common name.' });

export const Serial = Type.String({ pattern: '^[0-9a-f]+$', minLength: 1, maxLength: 64, description: 'Serial number, lowercase hex.' });

export const KINDS = ['ca', 'server', 'client', 'imported'] as const;

export const CERT = 'r001-39b4dda8-9219-4b6f-869d-e3f163c7ed68';

export const CERTIFICATE_EXAMPLE = {
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

export const CertificateSchema = named('Certificate', Type.Object(
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

export const IssuerIdentity = named('CertificateIssuerIdentity', Type.Object({ crn: Crn }, { additionalProperties: false, description: 'The issuing CA, by CRN.' }));

export const CreateBody = named('CertificatePrototype', Type.Union([
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

export const RevokeBody = named('CertificateRevocationPrototype', Type.Object(
  { reason: Type.Optional(Line('Why; default unspecified.', 64)) },
  { additionalProperties: false, description: 'Revocation details; the body may be empty.' },
));

export const Params = Type.Object({ id: Type.String({ ...Id, description: 'The certificate identifier.' }) }, { description: 'Path parameters.' });

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const CERTIFICATE_SORTS = ['created_at', 'name'] as const;

export const ListQuery = Type.Object({ ...PageQuery, sort: SortQuery(CERTIFICATE_SORTS, '-created_at') }, { description: 'List parameters.' });

export const CertificateCollection = collection('CertificateCollection', 'certificates', CertificateSchema, 'Certificates.', collectionExample('/v1/certificates', 'certificates', CERTIFICATE_EXAMPLE));
