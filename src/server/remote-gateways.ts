import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AgentRequest, LiveSession, ServerSpec } from '../gateway/channel.ts';
import type { DomainContext } from '../domain/context.ts';
import { authenticateGateway, recordGatewaySeen } from '../domain/gateways/service.ts';
import { placementOn, type Placement } from '../domain/gateways/placement.ts';
import { gatewayReachable, recordGatewayServerState } from '../domain/gateways/server-state.ts';
import { sessionsReplacedBy } from '../domain/gateways/failover.ts';
import { SluiceError } from '../errors/catalogue.ts';
import { readIpv4Cidr, subBlock } from '../ip/cidr.ts';
import type { GatewayLink } from './gateway-link.ts';
import { acceptGatewaySockets, type GatewaySession } from './gateway-socket.ts';
import { noticeFor, ownKills, ownStoredSessions, scopeRequest } from '../domain/gateways/session-keys.ts';

/** How often a connected gateway's `last_seen_at` is written (other replicas read health from it). */
const SEEN_EVERY_MS = 10_000;
/** How long a placement answer is trusted before it is read again. */
const PLACEMENT_TTL_MS = 5_000;

interface Peer {
  gatewayId: string;
  name: string;
  subnetId: string;
  version: string;
  /** This run of the gateway process (from its hello). */
  instance: string;
}

/**
 * Remote gateways (`sluice gateway`) on this replica: each authenticates with its credential, hears
 * every notice meant for it, and may read or report on the VPN servers placed on it — by their
 * `subnets` — and on no other. A server on two gateways gets half of its client pool on each, so
 * the two never hand out one address, and its health is what the two say together.
 */
export class RemoteGateways {
  private readonly sessions = new Map<GatewaySession, { peer: Peer; stop: () => void }>();
  private readonly subnets = new Map<string, string>();
  private readonly placements = new Map<string, { placement: Placement | undefined; at: number }>();
  /** The credential each gateway last authenticated with, checked again at every seen tick. */
  private readonly credentials = new Map<string, string>();
  private readonly socket: ReturnType<typeof acceptGatewaySockets>;

  constructor(
    server: Server,
    private readonly ctx: DomainContext,
    private readonly link: GatewayLink,
    private readonly log: Logger,
  ) {
    this.socket = acceptGatewaySockets(server, {
      authenticate: async (credential) => {
        const gateway = await authenticateGateway(ctx, credential);
        if (!gateway) return undefined;
        this.subnets.set(gateway.id, gateway.subnetId);
        this.credentials.set(gateway.id, credential);
        return { gatewayId: gateway.id, name: gateway.name };
      },
      handle: (peer, request) => this.handle(this.peerOf(peer), request),
      connected: (session) => this.connected(session),
      log,
    });
    link.onGatewayRevoked((gatewayId) => this.revoked(gatewayId));
  }

  async close(): Promise<void> {
    for (const { stop } of this.sessions.values()) stop();
    await this.socket.close();
  }

  private peerOf(peer: { gatewayId: string; name: string; version: string; instance: string }): Peer {
    return { gatewayId: peer.gatewayId, name: peer.name, version: peer.version, instance: peer.instance, subnetId: this.subnets.get(peer.gatewayId) ?? peer.gatewayId };
  }

  private connected(session: GatewaySession): void {
    const peer = this.peerOf(session.peer);
    this.log.info({ gatewayId: peer.gatewayId, version: peer.version }, 'gateway connected');
    const disconnect = this.link.connectRemote((notice) => {
      const own = noticeFor(peer.gatewayId, notice);
      if (own) session.notify(own);
    });
    // When it was last heard, not now: a socket cut after missed pings (a partition) has been silent
    // for a while, and the gateway's `connected` status runs 30 s from what is written here.
    const seen = (): Promise<void> => recordGatewaySeen(this.ctx, peer.gatewayId, { version: peer.version, at: this.ctx.clock.now() - Math.round(session.silentMs()) });
    const warn = (what: string) => (error: unknown) => this.log.warn({ err: error, gatewayId: peer.gatewayId }, what);
    void seen()
      .then(() => gatewayReachable(this.ctx, peer.gatewayId, peer.instance))
      .catch(warn('recording that the gateway connected failed'));
    // A revocation made on another replica is heard here at the next tick: the credential no
    // longer authenticates, and the session is cut off as a revocation made here would be.
    const tick = async (): Promise<void> => {
      const credential = this.credentials.get(peer.gatewayId);
      if (credential !== undefined && !(await authenticateGateway(this.ctx, credential))) {
        this.log.warn({ gatewayId: peer.gatewayId }, 'gateway credential no longer valid (revoked elsewhere); cutting it off');
        this.revoked(peer.gatewayId);
        return;
      }
      await seen();
    };
    const timer = setInterval(() => void tick().catch(warn('recording that the gateway was seen failed')), SEEN_EVERY_MS);
    timer.unref();
    const stop = (): void => {
      clearInterval(timer);
      disconnect();
      this.sessions.delete(session);
      this.forgetPlacements(peer.gatewayId);
    };
    this.sessions.set(session, { peer, stop });
    session.onClose(() => {
      if (!this.sessions.has(session)) return;
      stop();
      this.log.warn({ gatewayId: peer.gatewayId }, 'gateway disconnected');
      void seen()
        .then(() => gatewayReachable(this.ctx, peer.gatewayId, undefined))
        .catch(warn('recording that the gateway disconnected failed'));
    });
  }

  /** A revoked gateway is cut off at once; its re-dial is refused by authentication. */
  private revoked(gatewayId: string): void {
    this.credentials.delete(gatewayId);
    for (const [session, { peer, stop }] of this.sessions) {
      if (peer.gatewayId !== gatewayId) continue;
      stop();
      session.close(4003, 'gateway credential revoked');
    }
  }

  private async handle(peer: Peer, request: AgentRequest): Promise<unknown> {
    if (request.type === 'list_servers') {
      const { serverIds } = await this.link.answerPlaced(request);
      const placed = await Promise.all(serverIds.map((serverId) => this.placement(peer, serverId, true)));
      return { serverIds: serverIds.filter((_, i) => placed[i] !== undefined) };
    }
    if (request.type === 'metrics') return this.link.answerPlaced({ ...request, snapshot: { ...request.snapshot, gateway: peer.name } });
    const placement = await this.placement(peer, request.serverId, request.type === 'get_server');
    if (placement === undefined) {
      // The server moved away (or never was here): the gateway stops running it.
      if (request.type === 'get_server') return { server: null };
      if (request.type === 'server_stopped') return {};
      throw new SluiceError('not_authorized', `VPN server ${request.serverId} is not placed on gateway ${peer.gatewayId}`);
    }
    switch (request.type) {
      case 'get_server': {
        const { server } = await this.link.answerPlaced(request);
        return { server: server && withPoolShare(server, placement) };
      }
      case 'server_state':
        await recordGatewayServerState(this.ctx, request.serverId, { id: peer.gatewayId, instance: peer.instance }, request.state);
        return {};
      case 'stored_sessions': {
        const { sessions } = await this.link.answerPlaced(request);
        return { sessions: ownStoredSessions(peer.gatewayId, sessions) };
      }
      case 'pending_kills': {
        const { kills } = await this.link.answerPlaced(request);
        return { kills: ownKills(peer.gatewayId, kills) };
      }
      case 'session_established': {
        const scoped = scopeRequest(peer.gatewayId, request);
        const reply = await this.link.answerPlaced(scoped);
        if (scoped.type === 'session_established') await this.endReplaced(request.serverId, scoped.session);
        return reply;
      }
      default:
        return this.link.answerPlaced(scopeRequest(peer.gatewayId, request));
    }
  }

  /** A client back through the other gateway: its session on the gateway that died is over. */
  private async endReplaced(serverId: string, session: LiveSession): Promise<void> {
    for (const ended of await sessionsReplacedBy(this.ctx, serverId, session)) {
      this.log.info({ serverId, sessionKey: ended.sessionKey }, 'session replaced by a new one through another gateway; recorded as ended');
      await this.link.answerPlaced({ type: 'session_ended', serverId, session: ended });
    }
  }

  private async placement(peer: Peer, serverId: string, fresh: boolean): Promise<Placement | undefined> {
    const key = `${peer.gatewayId} ${serverId}`;
    const now = this.ctx.clock.now();
    const cached = this.placements.get(key);
    if (!fresh && cached && now - cached.at < PLACEMENT_TTL_MS) return cached.placement;
    const placement = await placementOn(this.ctx, serverId, peer.subnetId);
    // Only placements are kept: a server that moved away or was deleted leaves no entry behind.
    if (placement === undefined) this.placements.delete(key);
    else this.placements.set(key, { placement, at: now });
    return placement;
  }

  private forgetPlacements(gatewayId: string): void {
    for (const key of this.placements.keys()) if (key.startsWith(`${gatewayId} `)) this.placements.delete(key);
  }
}

/** The gateway's share of the client pool: the whole pool alone, its half of two. */
function withPoolShare(server: ServerSpec, placement: Placement): ServerSpec {
  if (placement.of < 2) return server;
  const pool = readIpv4Cidr(server.clientIpPool);
  const share = pool.ok ? subBlock(pool, placement.index, placement.of === 2 ? 2 : 4) : undefined;
  if (share === undefined) throw new SluiceError('service_error', `the client pool ${server.clientIpPool} of VPN server ${server.id} is too small to split between ${placement.of} gateways`);
  return { ...server, clientIpPool: share };
}
