import type { OutgoingHttpHeaders } from 'node:http';
import { BaseService, IamAuthenticator, getQueryParam } from 'ibm-cloud-sdk-core';

/**
 * A client for the 15 VPN-server operations of IBM's VPC API, written the way IBM's generated
 * Node SDK (`vpc/v1.ts`) makes its calls, on IBM's own SDK core: `BaseService.createRequest` with
 * the SDK's path templates, `version` and `generation` on every query, `Accept` and `Content-Type`
 * per operation, `If-Match` where the SDK sends it, an `IamAuthenticator` for tokens, and pagers
 * that follow `next.href` by its `start` token. Nothing here knows Sluice: if Sluice answers this
 * client, the SDK itself works against it.
 */

/** What `createRequest` resolves with (the SDK core's response shape). */
export interface SdkResponse<T> {
  result: T;
  status: number;
  statusText: string;
  headers: Record<string, string>;
}

/** What `createRequest` rejects with when the service answers an error. */
export interface SdkError extends Error {
  status: number;
  result: { errors: { code: string; message: string; more_info?: string; target?: { name: string; type: string; value?: string } }[]; trace: string; status_code: number };
}

export type Json = Record<string, unknown>;

interface Call {
  url: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  operation: string;
  path?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: OutgoingHttpHeaders;
}

/** Drops undefined values, as the SDK's extend() leaves headers it was not given unset. */
const defined = (headers: OutgoingHttpHeaders): OutgoingHttpHeaders => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));

export class VpcVpnServersClient extends BaseService {
  static override DEFAULT_SERVICE_NAME = 'vpc';
  readonly version: string;
  readonly generation = 2;

  /** `serviceUrl` is the API root including `/v1`; `iamUrl` the host that serves `/identity/token`. */
  static withApiKey(options: { serviceUrl: string; iamUrl: string; apikey: string; version?: string }): VpcVpnServersClient {
    const authenticator = new IamAuthenticator({ apikey: options.apikey, url: options.iamUrl });
    return new VpcVpnServersClient({ authenticator, serviceUrl: options.serviceUrl, version: options.version ?? '2026-03-24' });
  }

  constructor(options: { authenticator: IamAuthenticator; serviceUrl: string; version: string }) {
    super({ authenticator: options.authenticator, serviceUrl: options.serviceUrl });
    this.version = options.version;
  }

  private send<T>(call: Call): Promise<SdkResponse<T>> {
    const sdkHeaders = { 'User-Agent': `vpc-node-sdk-compat-test/0 ${call.operation}` };
    const parameters = {
      options: {
        url: call.url,
        method: call.method,
        qs: { version: this.version, generation: this.generation, ...call.query },
        ...(call.path && { path: call.path }),
        ...(call.body !== undefined && { body: call.body }),
      },
      defaultOptions: { ...this.baseOptions, headers: defined({ ...sdkHeaders, ...this.baseOptions.headers, ...call.headers }) },
    };
    return this.createRequest(parameters) as Promise<SdkResponse<T>>;
  }

  // --- VPN servers ---------------------------------------------------------------------------

  listVpnServers(params: { name?: string; start?: string; limit?: number; resourceGroupId?: string; sort?: string } = {}) {
    return this.send<Json>({
      operation: 'listVpnServers',
      url: '/vpn_servers',
      method: 'GET',
      query: { name: params.name, start: params.start, limit: params.limit, 'resource_group.id': params.resourceGroupId, sort: params.sort },
      headers: { Accept: 'application/json' },
    });
  }

  createVpnServer(params: { certificate: Json; clientAuthentication: Json[]; clientIpPool: string; subnets: Json[]; clientDnsServerIps?: Json[]; clientIdleTimeout?: number; enableSplitTunneling?: boolean; name?: string; port?: number; protocol?: string; resourceGroup?: Json; securityGroups?: Json[] }) {
    const body = {
      certificate: params.certificate,
      client_authentication: params.clientAuthentication,
      client_ip_pool: params.clientIpPool,
      subnets: params.subnets,
      client_dns_server_ips: params.clientDnsServerIps,
      client_idle_timeout: params.clientIdleTimeout,
      enable_split_tunneling: params.enableSplitTunneling,
      name: params.name,
      port: params.port,
      protocol: params.protocol,
      resource_group: params.resourceGroup,
      security_groups: params.securityGroups,
    };
    return this.send<Json>({ operation: 'createVpnServer', url: '/vpn_servers', method: 'POST', body, headers: { Accept: 'application/json', 'Content-Type': 'application/json' } });
  }

  deleteVpnServer(params: { id: string; ifMatch?: string }) {
    return this.send<Json>({ operation: 'deleteVpnServer', url: '/vpn_servers/{id}', method: 'DELETE', path: { id: params.id }, headers: { 'If-Match': params.ifMatch } });
  }

  getVpnServer(params: { id: string }) {
    return this.send<Json>({ operation: 'getVpnServer', url: '/vpn_servers/{id}', method: 'GET', path: { id: params.id }, headers: { Accept: 'application/json' } });
  }

  updateVpnServer(params: { id: string; ifMatch?: string; name?: string; clientIdleTimeout?: number; clientDnsServerIps?: Json[]; enableSplitTunneling?: boolean; port?: number; protocol?: string; clientIpPool?: string; certificate?: Json; clientAuthentication?: Json[]; subnets?: Json[] }) {
    const body = {
      certificate: params.certificate,
      client_authentication: params.clientAuthentication,
      client_dns_server_ips: params.clientDnsServerIps,
      client_idle_timeout: params.clientIdleTimeout,
      client_ip_pool: params.clientIpPool,
      enable_split_tunneling: params.enableSplitTunneling,
      name: params.name,
      port: params.port,
      protocol: params.protocol,
      subnets: params.subnets,
    };
    return this.send<Json>({
      operation: 'updateVpnServer',
      url: '/vpn_servers/{id}',
      method: 'PATCH',
      path: { id: params.id },
      body,
      headers: { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json', 'If-Match': params.ifMatch },
    });
  }

  getVpnServerClientConfiguration(params: { id: string }) {
    return this.send<string>({ operation: 'getVpnServerClientConfiguration', url: '/vpn_servers/{id}/client_configuration', method: 'GET', path: { id: params.id }, headers: { Accept: 'text/plain' } });
  }

  // --- clients -------------------------------------------------------------------------------

  listVpnServerClients(params: { vpnServerId: string; start?: string; limit?: number; sort?: string }) {
    return this.send<Json>({
      operation: 'listVpnServerClients',
      url: '/vpn_servers/{vpn_server_id}/clients',
      method: 'GET',
      path: { vpn_server_id: params.vpnServerId },
      query: { start: params.start, limit: params.limit, sort: params.sort },
      headers: { Accept: 'application/json' },
    });
  }

  deleteVpnServerClient(params: { vpnServerId: string; id: string }) {
    return this.send<Json>({ operation: 'deleteVpnServerClient', url: '/vpn_servers/{vpn_server_id}/clients/{id}', method: 'DELETE', path: { vpn_server_id: params.vpnServerId, id: params.id } });
  }

  getVpnServerClient(params: { vpnServerId: string; id: string }) {
    return this.send<Json>({ operation: 'getVpnServerClient', url: '/vpn_servers/{vpn_server_id}/clients/{id}', method: 'GET', path: { vpn_server_id: params.vpnServerId, id: params.id }, headers: { Accept: 'application/json' } });
  }

  /** A POST without a body: the SDK core still sends `Content-Type: application/json`. */
  disconnectVpnClient(params: { vpnServerId: string; id: string }) {
    return this.send<Json>({ operation: 'disconnectVpnClient', url: '/vpn_servers/{vpn_server_id}/clients/{id}/disconnect', method: 'POST', path: { vpn_server_id: params.vpnServerId, id: params.id } });
  }

  // --- routes --------------------------------------------------------------------------------

  listVpnServerRoutes(params: { vpnServerId: string; start?: string; limit?: number; sort?: string }) {
    return this.send<Json>({
      operation: 'listVpnServerRoutes',
      url: '/vpn_servers/{vpn_server_id}/routes',
      method: 'GET',
      path: { vpn_server_id: params.vpnServerId },
      query: { start: params.start, limit: params.limit, sort: params.sort },
      headers: { Accept: 'application/json' },
    });
  }

  createVpnServerRoute(params: { vpnServerId: string; destination: string; action?: string; name?: string }) {
    return this.send<Json>({
      operation: 'createVpnServerRoute',
      url: '/vpn_servers/{vpn_server_id}/routes',
      method: 'POST',
      path: { vpn_server_id: params.vpnServerId },
      body: { destination: params.destination, action: params.action, name: params.name },
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    });
  }

  deleteVpnServerRoute(params: { vpnServerId: string; id: string }) {
    return this.send<Json>({ operation: 'deleteVpnServerRoute', url: '/vpn_servers/{vpn_server_id}/routes/{id}', method: 'DELETE', path: { vpn_server_id: params.vpnServerId, id: params.id } });
  }

  getVpnServerRoute(params: { vpnServerId: string; id: string }) {
    return this.send<Json>({ operation: 'getVpnServerRoute', url: '/vpn_servers/{vpn_server_id}/routes/{id}', method: 'GET', path: { vpn_server_id: params.vpnServerId, id: params.id }, headers: { Accept: 'application/json' } });
  }

  updateVpnServerRoute(params: { vpnServerId: string; id: string; name?: string }) {
    return this.send<Json>({
      operation: 'updateVpnServerRoute',
      url: '/vpn_servers/{vpn_server_id}/routes/{id}',
      method: 'PATCH',
      path: { vpn_server_id: params.vpnServerId, id: params.id },
      body: { name: params.name },
      headers: { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json' },
    });
  }
}

/**
 * The generated SDK's pagers (`VpnServersPager`, …): call the list operation, take the `start`
 * token out of `next.href`, stop when there is no `next`. A `start` given up front is refused.
 */
export class Pager<P extends { start?: string }> {
  private next: string | undefined;
  private more = true;
  readonly pages: Json[] = [];

  constructor(
    private readonly list: (params: P) => Promise<SdkResponse<Json>>,
    private readonly key: string,
    private readonly params: P,
  ) {
    if (params.start !== undefined) throw new Error('the params.start field should not be set');
  }

  hasNext(): boolean {
    return this.more;
  }

  async getNext(): Promise<Json[]> {
    if (!this.more) throw new Error('No more results available');
    const response = await this.list(this.next === undefined ? this.params : { ...this.params, start: this.next });
    this.pages.push(response.result);
    const href = (response.result.next as { href?: string } | undefined)?.href;
    this.next = href ? getQueryParam(href, 'start') : undefined;
    if (!this.next) this.more = false;
    return response.result[this.key] as Json[];
  }

  async getAll(): Promise<Json[]> {
    const all: Json[] = [];
    while (this.hasNext()) all.push(...(await this.getNext()));
    return all;
  }
}
