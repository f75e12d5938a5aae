/** A VPN server as the domain sees it. The HTTP presenter turns it into the reference's shape. */
export type ClientAuthentication =
  | { method: 'certificate'; client_ca: { crn: string }; crl?: string }
  | { method: 'username'; identity_provider: { provider_type: 'iam' } };

/** How long a disconnected client stays listed when the server does not say: one hour (the reference's default). */
export const DEFAULT_CLIENT_RETENTION_SECONDS = 3600;

export interface Reference {
  id: string;
  name?: string;
  crn?: string;
  href?: string;
}

export interface Reason {
  code: string;
  message: string;
  more_info?: string;
}

export type LifecycleState = 'pending' | 'stable' | 'updating' | 'deleting' | 'failed' | 'suspended' | 'waiting';
export type HealthState = 'ok' | 'degraded' | 'faulted' | 'inapplicable';
export type Protocol = 'udp' | 'tcp';

export interface VpnServer {
  id: string;
  name: string;
  crn: string;
  certificateCrn: string;
  clientAuthentication: ClientAuthentication[];
  clientAutoDeleteTimeoutSeconds: number;
  clientDnsServerIps: string[];
  clientIdleTimeout: number;
  clientIpPool: string;
  enableSplitTunneling: boolean;
  port: number;
  protocol: Protocol;
  lifecycleState: LifecycleState;
  lifecycleReasons: Reason[];
  healthState: HealthState;
  healthReasons: Reason[];
  subnets: Reference[];
  securityGroups: Reference[];
  vpc: Reference | null;
  resourceGroup: Reference | null;
  revision: number;
  createdAt: number;
}

export const hasMethod = (server: Pick<VpnServer, 'clientAuthentication'>, method: ClientAuthentication['method']): boolean =>
  server.clientAuthentication.some((auth) => auth.method === method);

/** The ETag is derived from the revision so any write changes it and equal revisions compare equal. */
export const etagOf = (server: Pick<VpnServer, 'id' | 'revision'>): string => `W/"${server.id}-${server.revision}"`;

/** The subnet id of the gateway built into `sluice serve`: a server's default placement. */
export const EMBEDDED_SUBNET_ID = 'local';
