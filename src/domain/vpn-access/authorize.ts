import { bindOnFirstUse } from '../../store/certificates.ts';
import { findClientBySession } from '../../store/clients.ts';
import { serialOrNull } from '../certificates/certificate.ts';
import type { DomainContext } from '../context.ts';
import type { IdentityService } from '../identity/service.ts';
import { hasMethod, type VpnServer } from '../vpn-servers/model.ts';
import { serverFactsOf } from './server-facts.ts';
import { readIssuedCertificate } from './certificate-reads.ts';

/** What the gateway asks when OpenVPN wants a decision on a client (CONNECT) or a renegotiation (REAUTH). */
export interface VpnAuthRequest {
  serverId: string;
  username: string | undefined;
  password: string | undefined;
  /** A renegotiation of a live session: its one-time passcode is spent and is not checked again. */
  reauth: boolean;
  /** `<process start>:<cid>` of the session, to find who a renegotiating session belongs to. */
  sessionKey: string | undefined;
  /** Serial of the client certificate (`tls_serial_hex_0`), in any spelling. */
  certSerial: string | undefined;
  /** OpenVPN's untrusted_ip(6): failed attempts are counted per remote address. */
  remoteIp?: string | undefined;
}

export type VpnAuthDecision = { allow: true } | { allow: false; reason: string };

const deny = (reason: string): VpnAuthDecision => ({ allow: false, reason });

/** The certificate check's verdict; `bind` names a pre-binding certificate to bind once everything passed. */
type CertificateVerdict = { ok: true; bind?: string } | { ok: false; reason: string };

/**
 * TLS has checked the chain and the CRL; this checks what only Sluice knows. A certificate Sluice
 * issued for one server opens no other, even one trusting the same CA; one it no longer lists
 * (deleted, revoked) opens nothing. Certificates from outside Sluice (an imported CA's own PKI) are
 * the operator's to manage.
 */
async function checkCertificate(ctx: DomainContext, server: VpnServer, caId: string | null, serialText: string | undefined): Promise<CertificateVerdict> {
  const serial = serialOrNull(serialText);
  if (serial === null) return { ok: false, reason: 'no client certificate serial' };
  if (caId === null) return { ok: false, reason: 'the client CA is gone' };
  const cert = await readIssuedCertificate(ctx, caId, serial);
  if (!cert) return { ok: true };
  if (cert.deleted_at !== null || cert.revoked_at !== null) return { ok: false, reason: 'certificate is revoked' };
  // A server certificate from the same CA (the built-in CA signs both) must not pose as a client.
  if (cert.kind !== 'client') return { ok: false, reason: `a ${cert.kind} certificate is not a client certificate` };
  if (cert.vpn_server_id !== null && cert.vpn_server_id !== server.id) return { ok: false, reason: 'certificate was issued for another VPN server' };
  return cert.bind_on_first_use === 1 ? { ok: true, bind: cert.id } : { ok: true };
}

/** Username auth: a valid one-time passcode on CONNECT; on REAUTH only whether the session's user may still connect. */
async function checkUser(ctx: DomainContext, identity: IdentityService, request: VpnAuthRequest): Promise<VpnAuthDecision> {
  if (request.reauth) {
    const session = request.sessionKey === undefined ? undefined : await findClientBySession(ctx.store.db, request.serverId, request.sessionKey);
    const username = session?.username ?? request.username;
    if (!username) return deny('user ID is required');
    const access = await identity.vpnAccessOf(request.serverId, username);
    return access.ok ? { allow: true } : deny(access.reason);
  }
  if (!request.username || !request.password) return deny('user ID and passcode are required');
  const result = await identity.verifyVpnCredentials(request.serverId, request.username, request.password, { sessionKey: request.sessionKey, remoteAddress: request.remoteIp });
  return result.ok ? { allow: true } : deny(result.reason);
}

/** The decision on one CONNECT or REAUTH. Every method the server requires must pass. */
export async function authorizeVpnClient(ctx: DomainContext, identity: IdentityService, request: VpnAuthRequest): Promise<VpnAuthDecision> {
  const facts = await serverFactsOf(ctx, request.serverId);
  if (!facts || facts.server.lifecycleState === 'deleting') return deny('VPN server is being deleted');
  const { server } = facts;
  const caId = facts.clientCa?.id;
  const certificate: CertificateVerdict = caId === undefined ? { ok: true } : await checkCertificate(ctx, server, caId, request.certSerial);
  if (!certificate.ok) return deny(certificate.reason);
  if (hasMethod(server, 'username')) {
    const user = await checkUser(ctx, identity, request);
    if (!user.allow) return user;
  }
  // A certificate from before binding belongs to the first server it passes on. Bound only now, so
  // a failed attempt elsewhere binds nothing; a race lost to another server's connect is a refusal.
  if (certificate.bind !== undefined && caId !== undefined && !(await bindOnFirstUse(ctx.store.db, certificate.bind, server.id))) {
    const again = await checkCertificate(ctx, server, caId, request.certSerial);
    if (!again.ok || again.bind !== undefined) return deny(again.ok ? 'certificate binding failed' : again.reason);
  }
  return { allow: true };
}
