import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { Certificate } from '../../../domain/certificates/model.ts';

/** The reference-style Certificate; the key itself never leaves, only whether there is one. */
export const present = (c: Certificate, base: string) => {
  const out: Record<string, unknown> = {
    id: c.id,
    crn: c.crn,
    href: `${base}/v1/certificates/${c.id}`,
    name: c.name,
    kind: c.kind,
    common_name: c.commonName,
    serial: c.serial,
    not_before: toTimestamp(c.notBefore),
    not_after: toTimestamp(c.notAfter),
    has_private_key: c.hasPrivateKey,
    certificate_pem: c.certificatePem,
    created_at: toTimestamp(c.createdAt),
    resource_type: 'certificate',
  };
  if (c.issuerId !== null) out.issuer = { id: c.issuerId, href: `${base}/v1/certificates/${c.issuerId}` };
  if (c.revokedAt !== null) out.revoked_at = toTimestamp(c.revokedAt);
  if (c.intermediatePem !== null) out.intermediate_pem = c.intermediatePem;
  return out;
};
