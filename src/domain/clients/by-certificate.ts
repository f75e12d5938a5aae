import type { Actor, DomainContext } from '../context.ts';
import type { IntentOrigin } from './model.ts';
import { disconnectMatching, type BulkResult } from './lifecycle.ts';

/**
 * Disconnects the live sessions of one certificate, by serial: another certificate with the same
 * common name keeps its sessions. A session recorded without a serial (found by reconciliation,
 * whose `status` output carries none) cannot be told apart, so it goes too — a revocation must not
 * leave a session of the revoked certificate running.
 */
export async function disconnectCertificateSessions(ctx: DomainContext, serverId: string, cert: { serial: string; commonName: string }, actor: Actor, origin: IntentOrigin = {}): Promise<BulkResult[]> {
  const bySerial = await disconnectMatching(ctx, serverId, { certSerial: cert.serial }, actor, origin);
  const unknownSerial = await disconnectMatching(ctx, serverId, { commonName: cert.commonName, certSerial: null }, actor, origin);
  return [...bySerial, ...unknownSerial];
}
