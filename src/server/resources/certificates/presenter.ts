import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { StoredCertificate } from '../../../store/certificates.ts';

export const present = (c: StoredCertificate, base: string) => {
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
