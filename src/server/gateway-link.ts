import { createHash } from 'node:crypto';
import type { AgentReply, AgentRequest, ControlNotice, ControlPlaneChannel, ServerSpec } from '../gateway/channel.ts';
import { pendingIntents } from '../domain/clients/lifecycle.ts';
import { SessionIngest } from '../domain/clients/ingest.ts';
import { finishVpnServerDeletion } from '../domain/vpn-servers/service.ts';
import { authorizeVpnClient } from '../domain/vpn-access/authorize.ts';
import { hasMethod, type VpnServer } from '../domain/vpn-servers/model.ts';
import { placedOnEmbedded } from '../domain/gateways/placement.ts';
import type { CertificateService } from '../domain/certificates/service.ts';
import type { IdentityService } from '../domain/identity/service.ts';
import type { DomainContext, GatewayPort } from '../domain/context.ts';
import { connectedClients } from '../store/clients.ts';
import { findServer, listAllServers, setServerState } from '../store/vpn-servers.ts';
import { listRoutes } from '../store/vpn-server-routes.ts';
import { recordRouteCounters } from '../domain/vpn-server-routes/service.ts';
import { recordLiveTraffic } from '../domain/clients/traffic.ts';
import type { GatewayMetricsSnapshot, KillCause } from '../gateway/metrics.ts';
import type { VpnClient } from '../domain/clients/model.ts';

/**
 * The control plane's side of the gateway channel: answers agent requests from the domain and
 * turns domain notifications into notices for the agent.
 */
export interface LinkDeps {
  ctx: DomainContext;
  identity: IdentityService;
  certificates: CertificateService;
}

/** Who else hears what gateways report (metrics, the monitoring time-series). */
export interface LinkObserver {
  gatewayReported(snapshot: GatewayMetricsSnapshot): void;
  /** A disconnect or delete was carried out this long after it was asked for. */
  intentCarriedOut(intent: 'disconnect' | 'delete', seconds: number): void;
}

const killOf = (client: VpnClient): { reason: string; cause: KillCause } =>
  client.intent === 'delete'
    ? { reason: 'deleted by the VPN operator', cause: 'delete' }
    : client.intentCause === 'revoke'
      ? { reason: 'access revoked by the VPN operator', cause: 'revoke' }
      : { reason: 'disconnected by the VPN operator', cause: 'operator_disconnect' };

export class GatewayLink implements ControlPlaneChannel, GatewayPort {
  /** The embedded agent (`sluice serve --gateway embedded`). */
  private agent: ((notice: ControlNotice) => void) | undefined;
  /** Remote gateways connected to this replica; each re-reads what is placed on it. */
  private readonly remotes = new Set<(notice: ControlNotice) => void>();
  private observer: LinkObserver | undefined;
  /** An agent has asked for its servers: it is attached and working. */
  private listed = false;
  private sessions: SessionIngest | undefined;

  /** `deps` is read lazily: the domain context needs this link before the services exist. */
  constructor(private readonly deps: () => LinkDeps) {}

  private ctx(): DomainContext {
    return this.deps().ctx;
  }

  private get identity(): IdentityService {
    return this.deps().identity;
  }

  private get certificates(): CertificateService {
    return this.deps().certificates;
  }

  /** Session facts are stored by group commit; each request is answered once its batch committed. */
  get ingest(): SessionIngest {
    return (this.sessions ??= new SessionIngest(this.ctx()));
  }

  connectAgent(listener: (notice: ControlNotice) => void): void {
    this.agent = listener;
  }

  /** A remote gateway's connection hears every notice from now on; the returned function ends that. */
  connectRemote(listener: (notice: ControlNotice) => void): () => void {
    this.remotes.add(listener);
    return () => this.remotes.delete(listener);
  }

  /** Notices are hints every gateway may hear: each acts only on the servers placed on it. */
  private tell(notice: ControlNotice): void {
    this.agent?.(notice);
    for (const remote of this.remotes) remote(notice);
  }

  observe(observer: LinkObserver): void {
    this.observer = observer;
  }

  /** Whether a gateway agent is attached (for /readyz). */
  get attached(): boolean {
    return this.agent !== undefined && this.listed;
  }

  // GatewayPort: the domain recorded something the agent must act on.
  serverChanged(serverId: string): void {
    this.tell({ type: 'server_changed', serverId });
    this.announceServer(serverId);
  }
  serverDeleted(serverId: string): void {
    // With no gateway here to stop its OpenVPN, the deletion finishes at once (as it always has
    // without an embedded agent); a remote gateway that runs it stops it when it hears or re-reads.
    if (this.agent || this.remotes.size > 0) this.tell({ type: 'server_deleted', serverId });
    else void finishVpnServerDeletion(this.ctx(), serverId);
    this.announceServer(serverId);
  }

  /**
   * Tells the replica that runs the gateway when the change was made on another one. Sent after
   * the commit: a notice lost to a crash right then is made good when the gateway re-reads its
   * servers (listener reconnect or restart).
   */
  private announceServer(serverId: string): void {
    const { store } = this.ctx();
    void store.changes.publish(store.db, 'servers', serverId).catch(() => undefined);
  }
  /** Remote gateways connected to this replica (set by the gateway socket), cut off on revocation. */
  private revocationListener: ((gatewayId: string) => void) | undefined;

  onGatewayRevoked(listener: (gatewayId: string) => void): void {
    this.revocationListener = listener;
  }

  gatewayRevoked(gatewayId: string): void {
    this.revocationListener?.(gatewayId);
    // The gateway's socket may be on another replica. Sent after the revocation committed; a
    // notice lost to a gap is made good by that replica's next check of the credential.
    const { store } = this.ctx();
    void store.changes.publish(store.db, 'gateways', gatewayId).catch(() => undefined);
  }

  /** Another replica revoked a gateway (the store's change feed): cut it off if its socket is here. */
  gatewayRevokedElsewhere(gatewayId: string): void {
    this.revocationListener?.(gatewayId);
  }

  /** The intents travel with the notice: the agent kills as soon as they are committed. */
  clientIntents(serverId: string, clients: readonly VpnClient[]): void {
    const kills = clients.filter((c) => c.intent !== null).map((c) => ({ sessionKey: c.sessionKey, ...killOf(c) }));
    if (kills.length > 0) this.tell({ type: 'kill_requested', serverId, kills });
  }

  /** The embedded agent's requests: it runs the servers placed on no registered gateway. */
  async request<R extends AgentRequest>(request: R): Promise<AgentReply<R>> {
    if (request.type === 'list_servers') {
      this.listed = true;
      const servers = await placedOnEmbedded(this.ctx(), await this.runnableServers());
      return { serverIds: servers.map((s) => s.id) } as AgentReply<R>;
    }
    if (request.type === 'get_server') {
      const server = await findServer(this.ctx().store.db, request.serverId);
      const here = server && server.lifecycleState !== 'deleting' ? await placedOnEmbedded(this.ctx(), [server]) : [];
      return { server: here[0] ? await this.specOf(here[0]) : null } as AgentReply<R>;
    }
    if (request.type === 'server_stopped') {
      // A server on a remote gateway is finished by that gateway's report, not by this agent's.
      const server = await findServer(this.ctx().store.db, request.serverId);
      if (server && (await placedOnEmbedded(this.ctx(), [server])).length === 0) return {} as AgentReply<R>;
    }
    return (await this.handle(request)) as AgentReply<R>;
  }

  /** Notices from another replica (the store's change feed), for every gateway attached here. */
  relay(notice: ControlNotice): void {
    this.tell(notice);
  }

  /**
   * After a gap in the change feed, what the embedded agent's reload and catch-up do for it: every
   * remote gateway attached here hears of every server again — `servers`: it re-reads each (one
   * being deleted reads as gone), `intents`: it re-reads each one's pending disconnects.
   */
  async resyncRemotes(kind: 'servers' | 'intents'): Promise<void> {
    if (this.remotes.size === 0) return;
    for (const server of await listAllServers(this.ctx().store.db)) {
      const notice: ControlNotice = kind === 'servers' ? { type: 'server_changed', serverId: server.id } : { type: 'kill_requested', serverId: server.id };
      for (const remote of this.remotes) remote(notice);
    }
  }

  /** A remote gateway's request, once its placement was checked (`RemoteGateways`). */
  async answerPlaced<R extends AgentRequest>(request: R): Promise<AgentReply<R>> {
    return (await this.handle(request)) as AgentReply<R>;
  }

  private async runnableServers(): Promise<VpnServer[]> {
    return (await listAllServers(this.ctx().store.db)).filter((s) => s.lifecycleState !== 'deleting');
  }

  private async handle(request: AgentRequest): Promise<AgentReply<AgentRequest>> {
    const ctx = this.ctx();
    switch (request.type) {
      case 'list_servers':
        return { serverIds: (await this.runnableServers()).map((s) => s.id) };
      case 'get_server': {
        const server = await findServer(ctx.store.db, request.serverId);
        return { server: server && server.lifecycleState !== 'deleting' ? await this.specOf(server) : null };
      }
      case 'server_state': {
        const { lifecycle, health, reasons } = request.state;
        const failed = lifecycle === 'failed';
        await setServerState(ctx.store.db, request.serverId, {
          lifecycle,
          lifecycleReasons: failed ? reasons : [],
          health,
          healthReasons: failed ? [] : reasons,
        });
        return {};
      }
      case 'server_stopped': {
        // A gateway stops a server it should no longer run for other reasons too (moved elsewhere):
        // only a server being deleted is finished.
        const server = await findServer(ctx.store.db, request.serverId);
        if (server?.lifecycleState === 'deleting') await finishVpnServerDeletion(ctx, request.serverId);
        return {};
      }
      case 'session_established':
        await this.ingest.established(request.serverId, request.session);
        return {};
      case 'session_ended': {
        const ended = await this.ingest.ended(request.serverId, request.session);
        // intent_at stays on the ended record; a repeated report of an old end carries another time.
        if (ended?.intentAt != null && ended.disconnectedAt === request.session.endedAt) {
          this.observer?.intentCarriedOut(ended.intent === 'delete' ? 'delete' : 'disconnect', Math.max(0, request.session.endedAt - ended.intentAt) / 1000);
        }
        return {};
      }
      case 'stored_sessions': {
        const stored = await connectedClients(ctx.store.db, request.serverId);
        return {
          sessions: stored.map((c) => ({ sessionKey: c.sessionKey, startedAt: c.createdAt, remoteIp: c.remoteIp, remotePort: c.remotePort, bytesSent: c.bytesSent, bytesReceived: c.bytesReceived })),
        };
      }
      case 'authorize':
        return authorizeVpnClient(ctx, this.identity, request);
      case 'pending_kills': {
        const intents = await pendingIntents(ctx, request.serverId);
        return { kills: intents.map((c) => ({ sessionKey: c.sessionKey, ...killOf(c) })) };
      }
      case 'attempts_ended':
        await this.identity.releaseAttempts(request.serverId, request.sessionKeys);
        return {};
      case 'session_traffic':
        await recordLiveTraffic(ctx, request.serverId, request.sessions);
        return {};
      case 'route_counters':
        await recordRouteCounters(ctx, request.serverId, request.at, request.routes);
        return {};
      case 'metrics':
        this.observer?.gatewayReported(request.snapshot);
        return {};
    }
  }

  private async specOf(server: VpnServer): Promise<ServerSpec> {
    const ctx = this.ctx();
    const certificate = await this.certificates.byCrn(server.certificateCrn, 'certificate.crn');
    const certAuth = server.clientAuthentication.find((a) => a.method === 'certificate');
    const clientCa = certAuth?.method === 'certificate' ? await this.certificates.byCrn(certAuth.client_ca.crn, 'client_ca.crn') : undefined;
    // Username-only servers still need a CA for TLS; the server certificate's issuer serves.
    const caPem = clientCa?.certificatePem ?? (certificate.issuerId ? (await this.certificates.get(certificate.issuerId)).certificatePem : certificate.certificatePem);
    const crlPem = clientCa && certAuth?.method === 'certificate' ? await this.certificates.crlForServer(clientCa, certAuth.crl) : undefined;
    const routes = (await listRoutes(ctx.store.db, server.id)).map((r) => ({
      id: r.id,
      destination: r.destination,
      action: r.action,
      ...(r.access && { access: { users: r.access.users, commonNames: r.access.commonNames } }),
    }));
    const base = {
      id: server.id,
      name: server.name,
      port: server.port,
      protocol: server.protocol,
      clientIpPool: server.clientIpPool,
      dnsServers: server.clientDnsServerIps,
      splitTunnel: server.enableSplitTunneling,
      idleTimeoutSeconds: server.clientIdleTimeout,
      authMethods: { certificate: hasMethod(server, 'certificate'), username: hasMethod(server, 'username') },
      routes,
      serverCertificatePem: certificate.certificatePem,
      serverKeyPem: await this.certificates.privateKeyOf(certificate),
      clientCaPem: caPem,
    };
    // Routes (and who may use them) and the CRL reach the gateway without a restart, so they stay
    // out of the revision.
    const { routes: _routes, ...restartRelevant } = base;
    const revision = createHash('sha256').update(JSON.stringify(restartRelevant)).digest('hex').slice(0, 16);
    return { ...base, revision, crlPem };
  }
}
