import { notFound } from '../../errors/catalogue.ts';
import { findGateway, listAllGateways } from '../../store/gateways.ts';
import { pageInMemory, type Page } from '../../store/pagination.ts';
import { listAllServers } from '../../store/vpn-servers.ts';
import { connectedCounts } from '../clients/reads.ts';
import type { DomainContext } from '../context.ts';
import { statusOf, type Gateway, type GatewayStatus } from './model.ts';

/** A gateway with what is read around it: its status and the VPN servers placed on it. */
export interface GatewayView {
  gateway: Gateway;
  status: GatewayStatus;
  /** VPN servers whose `subnets` name the gateway's subnet id. */
  vpnServers: number;
  /** Connected clients of those servers. */
  connectedClients: number;
}

async function viewsOf(ctx: DomainContext, gateways: readonly Gateway[]): Promise<GatewayView[]> {
  if (gateways.length === 0) return [];
  const servers = await listAllServers(ctx.store.db);
  const counts = await connectedCounts(ctx, servers.map((s) => s.id));
  const now = ctx.clock.now();
  return gateways.map((gateway) => {
    const placed = servers.filter((s) => s.subnets.some((subnet) => subnet.id === gateway.subnetId));
    return {
      gateway,
      status: statusOf(gateway, now),
      vpnServers: placed.length,
      connectedClients: placed.reduce((sum, s) => sum + (counts.get(s.id) ?? 0), 0),
    };
  });
}

/** One page of gateways, newest first. */
export async function listGateways(ctx: DomainContext, paging: { limit: number; start?: string | undefined }): Promise<Page<GatewayView>> {
  const page = pageInMemory(await listAllGateways(ctx.store.db), { column: 'created_at', direction: 'desc' }, (g) => g.createdAt, paging.limit, paging.start);
  return { ...page, items: await viewsOf(ctx, page.items) };
}

export async function getGateway(ctx: DomainContext, id: string): Promise<GatewayView> {
  const gateway = await findGateway(ctx.store.db, id);
  if (!gateway) throw notFound('gateway', id);
  const [view] = await viewsOf(ctx, [gateway]);
  if (!view) throw notFound('gateway', id);
  return view;
}
