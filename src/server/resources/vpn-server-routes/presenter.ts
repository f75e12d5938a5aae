import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { VpnRoute } from '../../../domain/vpn-server-routes/service.ts';

export const present = (route: VpnRoute, base: string) => ({
  action: route.action,
  created_at: toTimestamp(route.createdAt),
  destination: route.destination,
  health_reasons: [],
  health_state: route.healthState,
  href: `${base}/v1/vpn_servers/${route.vpnServerId}/routes/${route.id}`,
  id: route.id,
  lifecycle_reasons: [],
  lifecycle_state: route.lifecycleState,
  name: route.name,
  resource_type: 'vpn_server_route' as const,
  ...(route.access && { access: { users: route.access.users, common_names: route.access.commonNames } }),
  ...(route.counters.countedAt !== null && {
    packets: route.counters.packets,
    bytes: route.counters.bytes,
    denied_packets: route.counters.deniedPackets,
    counted_at: toTimestamp(route.counters.countedAt),
  }),
});
