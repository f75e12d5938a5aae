import { ApiKeyAuth, type CachedTokens, type TokenProvider } from './auth.ts';
import { nextStart, Transport, type Query } from './http.ts';
import { parseSse } from './sse.ts';
import type {
  AuditEvent,
  AuditEventQuery,
  BulkDisconnectResult,
  ClientEvent,
  Collection,
  Gateway,
  GatewayJoinToken,
  GatewayPatch,
  GatewayPrototype,
  Identity,
  Passcode,
  VpnLockout,
  VpnServer,
  VpnServerClient,
  VpnServerPatch,
  VpnServerPrototype,
  VpnServerRoute,
  VpnServerRoutePrototype,
  VpnServerRoutePatch,
  VpnServerMonitoring,
  MonitoringWindow,
} from './types.ts';

export interface PageQuery {
  limit?: number;
  start?: string;
  sort?: string;
}

export interface ClientListQuery extends PageQuery {
  status?: string;
  username?: string;
  common_name?: string;
}

export type Page<K extends string, T> = Collection & Record<K, T[]>;

export interface WithEtag<T> {
  value: T;
  etag: string | undefined;
}

export interface ClientEventMessage {
  /** `Last-Event-ID` to resume after this event. */
  id: string | undefined;
  event: ClientEvent;
}

const enc = encodeURIComponent;

/**
 * A typed client for the Sluice API (reference VPC endpoints + Sluice extensions). Uses only
 * `fetch`, so it runs in Node and in browsers; the CLI and the console share it.
 */
export class SluiceClient {
  readonly http: Transport;

  constructor(options: { endpoint: string; auth: TokenProvider; fetch?: typeof fetch; version?: string }) {
    this.http = new Transport(options);
  }

  /** A client authenticating with an API key (the CLI's way). */
  static withApiKey(options: { endpoint: string; apikey: string; cached?: CachedTokens; onTokens?: (t: CachedTokens) => void | Promise<void>; fetch?: typeof fetch }): SluiceClient {
    const auth = new ApiKeyAuth(options);
    return new SluiceClient({ endpoint: options.endpoint, auth, ...(options.fetch ? { fetch: options.fetch } : {}) });
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  // --- identity -------------------------------------------------------------------------------

  me(): Promise<Identity> {
    return this.http.json('GET', '/identity/me');
  }

  /** Ends this sign-in on the server: its refresh token and access tokens stop working everywhere. */
  logout(): Promise<void> {
    return this.http.empty('POST', '/identity/logout');
  }

  async listVpnLockouts(): Promise<VpnLockout[]> {
    return (await this.http.json<{ vpn_lockouts: VpnLockout[] }>('GET', '/v1/vpn_lockouts')).vpn_lockouts;
  }

  /** Lets a locked-out user or address try again at once. */
  deleteVpnLockout(id: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/vpn_lockouts/${encodeURIComponent(id)}`);
  }

  createPasscode(): Promise<Passcode> {
    return this.http.json('POST', '/identity/passcode');
  }

  // --- servers --------------------------------------------------------------------------------

  listVpnServers(query: PageQuery & { name?: string } = {}): Promise<Page<'vpn_servers', VpnServer>> {
    return this.http.json('GET', '/v1/vpn_servers', { query: query as Query });
  }

  listAllVpnServers(query: { name?: string; sort?: string } = {}): Promise<VpnServer[]> {
    return collectAll((start) => this.listVpnServers({ ...query, start, limit: 100 }), 'vpn_servers');
  }

  async getVpnServer(id: string): Promise<WithEtag<VpnServer>> {
    const response = await this.http.send('GET', `/v1/vpn_servers/${enc(id)}`);
    return { value: (await response.json()) as VpnServer, etag: response.headers.get('etag') ?? undefined };
  }

  async createVpnServer(prototype: VpnServerPrototype): Promise<WithEtag<VpnServer>> {
    const response = await this.http.send('POST', '/v1/vpn_servers', { body: prototype });
    return { value: (await response.json()) as VpnServer, etag: response.headers.get('etag') ?? undefined };
  }

  async updateVpnServer(id: string, patch: VpnServerPatch, ifMatch?: string): Promise<WithEtag<VpnServer>> {
    const headers: Record<string, string> = ifMatch ? { 'if-match': ifMatch } : {};
    const response = await this.http.send('PATCH', `/v1/vpn_servers/${enc(id)}`, { body: patch, headers });
    return { value: (await response.json()) as VpnServer, etag: response.headers.get('etag') ?? undefined };
  }

  deleteVpnServer(id: string, ifMatch?: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/vpn_servers/${enc(id)}`, ifMatch ? { headers: { 'if-match': ifMatch } } : {});
  }

  getVpnServerClientConfiguration(id: string): Promise<string> {
    return this.http.text('GET', `/v1/vpn_servers/${enc(id)}/client_configuration`);
  }

  /** Sluice extension: issues a client certificate and answers a ready-to-connect profile. */
  createVpnServerClientProfile(id: string, commonName: string): Promise<string> {
    return this.http.text('POST', `/v1/vpn_servers/${enc(id)}/client_profile`, { body: { common_name: commonName } });
  }

  // --- clients --------------------------------------------------------------------------------

  listVpnServerClients(serverId: string, query: ClientListQuery = {}): Promise<Page<'clients', VpnServerClient>> {
    return this.http.json('GET', `/v1/vpn_servers/${enc(serverId)}/clients`, { query: query as Query });
  }

  /** Every page of a server's clients; `max` stops after that many (a table need not hold them all). */
  listAllVpnServerClients(serverId: string, query: Omit<ClientListQuery, 'start' | 'limit'> = {}, max = Infinity): Promise<VpnServerClient[]> {
    return collectAll((start) => this.listVpnServerClients(serverId, { ...query, start, limit: 100 }), 'clients', max);
  }

  getVpnServerClient(serverId: string, id: string): Promise<VpnServerClient> {
    return this.http.json('GET', `/v1/vpn_servers/${enc(serverId)}/clients/${enc(id)}`);
  }

  deleteVpnServerClient(serverId: string, id: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/vpn_servers/${enc(serverId)}/clients/${enc(id)}`);
  }

  disconnectVpnClient(serverId: string, id: string): Promise<void> {
    return this.http.empty('POST', `/v1/vpn_servers/${enc(serverId)}/clients/${enc(id)}/disconnect`);
  }

  /** Sluice extension: disconnects every connected session of a user and/or common name. */
  disconnectVpnClients(serverId: string, match: { username?: string; common_name?: string }): Promise<BulkDisconnectResult> {
    return this.http.json('POST', `/v1/vpn_servers/${enc(serverId)}/clients/disconnect`, { body: match });
  }

  /**
   * Sluice extension: opens the server's client event stream. Resolves once the server has
   * answered (so a caller can list first and miss nothing), then yields events until the server
   * closes the stream or `signal` aborts.
   */
  async openClientEvents(serverId: string, options: { lastEventId?: string | undefined; signal?: AbortSignal } = {}): Promise<AsyncGenerator<ClientEventMessage>> {
    return clientEventsOf((await this.openClientEventStream(serverId, options)).body);
  }

  /** The client event stream's response itself, for a caller that reads it with its own `createSseParser` (the console's reconnecting follower). */
  openClientEventStream(serverId: string, options: { lastEventId?: string | undefined; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = options.lastEventId ? { 'last-event-id': options.lastEventId } : {};
    return this.http.send('GET', `/v1/vpn_servers/${enc(serverId)}/client_events`, {
      accept: 'text/event-stream',
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Sluice extension: the server's monitoring time-series over the last hour, 24 hours or 7 days. */
  getVpnServerMonitoring(id: string, window: MonitoringWindow = '1h'): Promise<VpnServerMonitoring> {
    return this.http.json('GET', `/v1/vpn_servers/${enc(id)}/monitoring`, { query: { window } });
  }

  // --- audit trail ----------------------------------------------------------------------------

  /** Sluice extension (Administrator): one page of the audit trail, newest first. */
  listAuditEvents(query: AuditEventQuery & PageQuery = {}): Promise<Page<'audit_events', AuditEvent>> {
    return this.http.json('GET', '/v1/audit_events', { query: query as Query });
  }

  /** Every page of the audit trail, handed over a page at a time (an export need not hold it all). */
  async eachAuditEventPage(query: AuditEventQuery, onPage: (events: AuditEvent[]) => void | Promise<void>): Promise<number> {
    let start: string | undefined;
    let total = 0;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const page = await this.listAuditEvents({ ...query, limit: 100, ...(start !== undefined && { start }) });
      await onPage(page.audit_events);
      total += page.audit_events.length;
      start = nextStart(page.next);
      if (start === undefined) break;
    }
    return total;
  }

  // --- gateways -------------------------------------------------------------------------------

  /** Sluice extension: one page of the gateway hosts, newest first. */
  listGateways(query: PageQuery = {}): Promise<Page<'gateways', Gateway>> {
    return this.http.json('GET', '/v1/gateways', { query: query as Query });
  }

  listAllGateways(): Promise<Gateway[]> {
    return collectAll((start) => this.listGateways({ start, limit: 100 }), 'gateways');
  }

  getGateway(id: string): Promise<Gateway> {
    return this.http.json('GET', `/v1/gateways/${enc(id)}`);
  }

  /** Registers a gateway (Administrator); the answer's `join_token` is shown only this once. */
  createGateway(prototype: GatewayPrototype): Promise<Gateway> {
    return this.http.json('POST', '/v1/gateways', { body: prototype });
  }

  updateGateway(id: string, patch: GatewayPatch): Promise<Gateway> {
    return this.http.json('PATCH', `/v1/gateways/${enc(id)}`, { body: patch });
  }

  /** Deletes the gateway; its credential stops working and its live connection ends. */
  deleteGateway(id: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/gateways/${enc(id)}`);
  }

  /** A new one-time join token for re-enrolment; the gateway's current credential stops working. */
  createGatewayJoinToken(id: string): Promise<GatewayJoinToken> {
    return this.http.json('POST', `/v1/gateways/${enc(id)}/join_token`);
  }

  // --- routes ---------------------------------------------------------------------------------

  listVpnServerRoutes(serverId: string, query: PageQuery = {}): Promise<Page<'routes', VpnServerRoute>> {
    return this.http.json('GET', `/v1/vpn_servers/${enc(serverId)}/routes`, { query: query as Query });
  }

  listAllVpnServerRoutes(serverId: string, query: { sort?: string } = {}): Promise<VpnServerRoute[]> {
    return collectAll((start) => this.listVpnServerRoutes(serverId, { ...query, start, limit: 100 }), 'routes');
  }

  getVpnServerRoute(serverId: string, id: string): Promise<VpnServerRoute> {
    return this.http.json('GET', `/v1/vpn_servers/${enc(serverId)}/routes/${enc(id)}`);
  }

  createVpnServerRoute(serverId: string, prototype: VpnServerRoutePrototype): Promise<VpnServerRoute> {
    return this.http.json('POST', `/v1/vpn_servers/${enc(serverId)}/routes`, { body: prototype });
  }

  updateVpnServerRoute(serverId: string, id: string, patch: VpnServerRoutePatch): Promise<VpnServerRoute> {
    return this.http.json('PATCH', `/v1/vpn_servers/${enc(serverId)}/routes/${enc(id)}`, { body: patch });
  }

  deleteVpnServerRoute(serverId: string, id: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/vpn_servers/${enc(serverId)}/routes/${enc(id)}`);
  }
}

/** Follows `next` links until the last page. */
async function collectAll<K extends string, T>(page: (start: string | undefined) => Promise<Page<K, T>>, key: K, max = Infinity): Promise<T[]> {
  const items: T[] = [];
  let start: string | undefined;
  for (let guard = 0; guard < 10_000 && items.length < max; guard++) {
    const current = await page(start);
    items.push(...(current[key] ?? []));
    start = nextStart(current.next);
    if (start === undefined) break;
  }
  return items;
}

async function* clientEventsOf(body: ReadableStream<Uint8Array> | null): AsyncGenerator<ClientEventMessage> {
  if (!body) return;
  for await (const message of parseSse(body)) {
    if (message.event !== 'client') continue;
    yield { id: message.id || undefined, event: JSON.parse(message.data) as ClientEvent };
  }
}
