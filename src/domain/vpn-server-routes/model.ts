import type { RouteAccess } from './access.ts';

// The route model, apart from the service so the store can read its types without importing the
// service that imports the store.

export type RouteAction = 'deliver' | 'drop' | 'translate';

export interface VpnRoute {
  id: string;
  vpnServerId: string;
  name: string;
  destination: string;
  action: RouteAction;
  lifecycleState: string;
  healthState: string;
  createdAt: number;
  /** Who may use the route; null = everyone. */
  access: RouteAccess | null;
  /** The gateway's data-plane counters; countedAt null until it first reports them. */
  counters: RouteCounters;
}

export interface RouteCounters {
  packets: number;
  bytes: number;
  deniedPackets: number;
  countedAt: number | null;
}
