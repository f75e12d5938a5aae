import { listAllServers } from '../../store/vpn-servers.ts';
import { disconnectCertificateSessions } from '../clients/by-certificate.ts';
import type { Actor, DomainContext } from '../context.ts';
import type { Certificate } from './model.ts';
import type { IntentOrigin } from '../clients/model.ts';
import type { CertificateService } from './service.ts';

/**
 * Revokes a client certificate and makes it stick: every server that trusts its CA gets the new
 * CRL (so the certificate cannot reconnect) and the live sessions of that certificate — not of
 * others that share its common name — are disconnected at once.
 */
export async function revokeAndDisconnect(ctx: DomainContext, certificates: CertificateService, id: string, reason: string, actor: Actor, origin: IntentOrigin = {}): Promise<Certificate> {
  const revoked = await certificates.revoke(id, reason);
  await enforceRevocation(ctx, certificates, revoked, actor, origin);
  return revoked;
}

/** Deletes a certificate; one a Sluice CA issued is revoked with it, with the same effect as above. */
export async function deleteAndDisconnect(ctx: DomainContext, certificates: CertificateService, id: string, actor: Actor, origin: IntentOrigin = {}): Promise<void> {
  const deleted = await certificates.delete(id);
  await enforceRevocation(ctx, certificates, deleted, actor, origin);
}

async function enforceRevocation(ctx: DomainContext, certificates: CertificateService, cert: Certificate, actor: Actor, origin: IntentOrigin): Promise<void> {
  const issuer = cert.issuerId === null ? undefined : await certificates.get(cert.issuerId).catch(() => undefined);
  if (!issuer) return;
  for (const server of await listAllServers(ctx.store.db)) {
    const trusts = server.clientAuthentication.some((a) => a.method === 'certificate' && a.client_ca.crn === issuer.crn);
    if (!trusts) continue;
    ctx.gateway.serverChanged(server.id);
    if (cert.kind === 'client') await disconnectCertificateSessions(ctx, server.id, { serial: cert.serial, commonName: cert.commonName }, actor, { ...origin, cause: 'revoke' });
  }
}
