import { listAllServers } from '../../store/vpn-servers.ts';
import { disconnectMatching } from '../clients/lifecycle.ts';
import type { Actor, DomainContext } from '../context.ts';
import type { StoredCertificate } from '../../store/certificates.ts';
import type { IntentOrigin } from '../clients/model.ts';
import type { CertificateService } from './service.ts';

/**
 * Revokes a client certificate and makes it stick: every server that trusts its CA gets the new
 * CRL (so the certificate cannot reconnect) and its live sessions are disconnected at once.
 */
export async function revokeAndDisconnect(ctx: DomainContext, certificates: CertificateService, id: string, reason: string, actor: Actor, origin: IntentOrigin = {}): Promise<StoredCertificate> {
  const revoked = await certificates.revoke(id, reason);
  const issuer = revoked.issuer_id === null ? undefined : await certificates.get(revoked.issuer_id);
  if (!issuer) return revoked;
  for (const server of await listAllServers(ctx.store.db)) {
    const trusts = server.clientAuthentication.some((a) => a.method === 'certificate' && a.client_ca.crn === issuer.crn);
    if (!trusts) continue;
    ctx.gateway.serverChanged(server.id);
    if (revoked.kind === 'client') await disconnectMatching(ctx, server.id, { commonName: revoked.subject_cn }, actor, { ...origin, cause: 'revoke' });
  }
  return revoked;
}
