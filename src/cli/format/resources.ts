import type { Gateway, GatewayJoinToken, VpnServer, VpnServerClient, VpnServerRoute } from '../../client/types.ts';
import { dash, renderFields, renderTable } from './table.ts';
import { localTime } from './time.ts';

export function serversTable(servers: readonly VpnServer[]): string {
  return renderTable(
    ['ID', 'Name', 'Status', 'Health', 'Hostname', 'Port', 'Protocol', 'Client IP pool', 'Clients', 'Created'],
    servers.map((s) => [s.id, s.name, s.lifecycle_state, s.health_state, s.hostname, String(s.port), s.protocol, s.client_ip_pool, dash(s.connected_clients), localTime(s.created_at)]),
  );
}

const authMethods = (s: VpnServer): string => s.client_authentication.map((a) => a.method).join(',');
const clientCa = (s: VpnServer): string => {
  const auth = s.client_authentication.find((a) => a.method === 'certificate');
  return auth && auth.method === 'certificate' ? dash(auth.client_ca?.crn) : '-';
};
const refs = (items: readonly { id: string; name?: string }[]): string => (items.length ? items.map((r) => r.name ?? r.id).join(', ') : '-');

export function serverFields(s: VpnServer): string {
  const retention = s.client_auto_delete_timeout_seconds !== undefined ? `${s.client_auto_delete_timeout_seconds}s` : `${s.client_auto_delete_timeout}h`;
  return renderFields([
    ['ID', s.id],
    ['Name', s.name],
    ['CRN', s.crn],
    ['Status', s.lifecycle_state],
    ['Health', s.health_state + (s.health_reasons.length ? ` (${s.health_reasons.map((r) => r.code).join(', ')})` : '')],
    ['Hostname', s.hostname],
    ['Port', String(s.port)],
    ['Protocol', s.protocol],
    ['Client IP pool', s.client_ip_pool],
    ['Client auth methods', authMethods(s)],
    ['Client CA', clientCa(s)],
    ['Certificate', s.certificate.crn],
    ['Client DNS', s.client_dns_server_ips.length ? s.client_dns_server_ips.map((d) => d.address).join(', ') : '-'],
    ['Client idle timeout', `${s.client_idle_timeout}s`],
    ['Client auto delete timeout', retention],
    ['Split tunnel', s.enable_split_tunneling ? 'true' : 'false'],
    ['Subnets', refs(s.subnets)],
    ['Security groups', refs(s.security_groups)],
    ['Connected clients', dash(s.connected_clients)],
    ['Resource group', s.resource_group.name ?? s.resource_group.id],
    ['Created', localTime(s.created_at)],
  ]);
}

export const CLIENT_HEADERS = ['ID', 'Client IP', 'Remote IP:port', 'User ID', 'Common name', 'Status', 'Created', 'Disconnected'] as const;

export const clientRow = (c: VpnServerClient): string[] => [
  c.id,
  c.client_ip.address,
  `${c.remote_ip.address}:${c.remote_port}`,
  dash(c.username),
  dash(c.common_name),
  c.disconnect_requested_at && c.status === 'connected' ? 'disconnecting' : c.status,
  localTime(c.created_at),
  localTime(c.disconnected_at),
];

export const clientsTable = (clients: readonly VpnServerClient[]): string => renderTable(CLIENT_HEADERS, clients.map(clientRow));

export function clientFields(c: VpnServerClient): string {
  const row = clientRow(c);
  const fields: [string, string][] = CLIENT_HEADERS.map((header, i) => [header, row[i] ?? '-']);
  if (c.bytes_sent !== undefined) fields.push(['Bytes sent', String(c.bytes_sent)]);
  if (c.bytes_received !== undefined) fields.push(['Bytes received', String(c.bytes_received)]);
  if (c.disconnect_requested_at) fields.push(['Disconnect requested', localTime(c.disconnect_requested_at)]);
  return renderFields(fields);
}

/** `everyone`, or who is listed: `users alice, bob; common names laptop-1`. */
export function accessText(access: VpnServerRoute['access']): string {
  if (!access) return 'everyone';
  const parts = [];
  if (access.users.length > 0) parts.push(`users ${access.users.join(', ')}`);
  if (access.common_names.length > 0) parts.push(`common names ${access.common_names.join(', ')}`);
  return parts.join('; ');
}

const counted = (value: number | undefined): string => (value === undefined ? '-' : String(value));

export function routesTable(routes: readonly VpnServerRoute[]): string {
  return renderTable(
    ['ID', 'Name', 'Destination', 'Action', 'Access', 'Packets', 'Bytes', 'Status', 'Created'],
    routes.map((r) => [r.id, r.name, r.destination, r.action, accessText(r.access), counted(r.packets), counted(r.bytes), r.lifecycle_state, localTime(r.created_at)]),
  );
}

export function routeFields(r: VpnServerRoute): string {
  const fields: [string, string][] = [
    ['ID', r.id],
    ['Name', r.name],
    ['Destination', r.destination],
    ['Action', r.action],
    ['Access', accessText(r.access)],
    ['Status', r.lifecycle_state],
    ['Health', r.health_state],
    ['Created', localTime(r.created_at)],
  ];
  if (r.counted_at !== undefined) {
    fields.push(['Packets', counted(r.packets)], ['Bytes', counted(r.bytes)], ['Denied packets', counted(r.denied_packets)], ['Counted', localTime(r.counted_at)]);
  }
  return renderFields(fields);
}

const portRangeText = (g: Gateway): string => (g.port_range ? `${g.port_range.min}-${g.port_range.max}` : '-');
const labelsText = (g: Gateway): string => {
  const entries = Object.entries(g.labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '-';
};

export function gatewaysTable(gateways: readonly Gateway[]): string {
  return renderTable(
    ['ID', 'Name', 'Host', 'Ports', 'Subnet', 'Status', 'Last seen', 'Version', 'Servers', 'Clients'],
    gateways.map((g) => [g.id, g.name, g.host, portRangeText(g), g.subnet.id, g.status, localTime(g.last_seen_at ?? undefined), dash(g.version), String(g.vpn_servers), String(g.connected_clients)]),
  );
}

export function gatewayFields(g: Gateway): string {
  return renderFields([
    ['ID', g.id],
    ['Name', g.name],
    ['Host', g.host],
    ['Ports', portRangeText(g)],
    ['Labels', labelsText(g)],
    ['Subnet', g.subnet.id],
    ['Status', g.status],
    ['Last seen', localTime(g.last_seen_at ?? undefined)],
    ['Version', dash(g.version)],
    ['VPN servers', String(g.vpn_servers)],
    ['Connected clients', String(g.connected_clients)],
    ['Created', localTime(g.created_at)],
  ]);
}

/** The join token, with the warning that it is not shown again. */
export function joinTokenFields(join: GatewayJoinToken): string {
  return `${renderFields([
    ['Join token', join.token],
    ['Expires', localTime(join.expires_at)],
  ])}This join token is shown once: hand it to the gateway now. \`sluice gateway-join-token\` issues a new one.\n`;
}
