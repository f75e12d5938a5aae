import type { Executor } from './database.ts';
import type { VpnServerRow } from './schema.ts';
import type { VpnServer } from '../domain/vpn-servers/model.ts';

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));

export function toRow(server: VpnServer, updatedAt: number): VpnServerRow {
  return {
    id: server.id,
    name: server.name,
    crn: server.crn,
    certificate_crn: server.certificateCrn,
    client_authentication: json(server.clientAuthentication),
    client_auto_delete_timeout_s: server.clientAutoDeleteTimeoutSeconds,
    client_dns_server_ips: json(server.clientDnsServerIps),
    client_idle_timeout: server.clientIdleTimeout,
    client_ip_pool: server.clientIpPool,
    enable_split_tunneling: server.enableSplitTunneling ? 1 : 0,
    port: server.port,
    protocol: server.protocol,
    lifecycle_state: server.lifecycleState,
    lifecycle_reasons: json(server.lifecycleReasons),
    health_state: server.healthState,
    health_reasons: json(server.healthReasons),
    subnets: json(server.subnets),
    security_groups: json(server.securityGroups),
    vpc: server.vpc ? json(server.vpc) : null,
    resource_group: server.resourceGroup ? json(server.resourceGroup) : null,
    revision: server.revision,
    created_at: server.createdAt,
    updated_at: updatedAt,
  };
}

export function fromRow(row: VpnServerRow): VpnServer {
  return {
    id: row.id,
    name: row.name,
    crn: row.crn,
    certificateCrn: row.certificate_crn,
    clientAuthentication: parse(row.client_authentication, []),
    clientAutoDeleteTimeoutSeconds: row.client_auto_delete_timeout_s,
    clientDnsServerIps: parse(row.client_dns_server_ips, []),
    clientIdleTimeout: row.client_idle_timeout,
    clientIpPool: row.client_ip_pool,
    enableSplitTunneling: row.enable_split_tunneling === 1,
    port: row.port,
    protocol: row.protocol === 'tcp' ? 'tcp' : 'udp',
    lifecycleState: row.lifecycle_state as VpnServer['lifecycleState'],
    lifecycleReasons: parse(row.lifecycle_reasons, []),
    healthState: row.health_state as VpnServer['healthState'],
    healthReasons: parse(row.health_reasons, []),
    subnets: parse(row.subnets, []),
    securityGroups: parse(row.security_groups, []),
    vpc: parse(row.vpc, null),
    resourceGroup: parse(row.resource_group, null),
    revision: row.revision,
    createdAt: row.created_at,
  };
}

export async function findServer(db: Executor, id: string): Promise<VpnServer | undefined> {
  const row = await db.selectFrom('vpn_servers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function findServerByName(db: Executor, name: string): Promise<VpnServer | undefined> {
  const row = await db.selectFrom('vpn_servers').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function insertServer(db: Executor, server: VpnServer, now: number): Promise<void> {
  await db.insertInto('vpn_servers').values(toRow(server, now)).execute();
}

/** Writes the server only if its revision is still `expectedRevision`; returns whether it did. */
export async function updateServer(db: Executor, server: VpnServer, expectedRevision: number, now: number): Promise<boolean> {
  const { id: _id, created_at: _created, ...changes } = toRow(server, now);
  const result = await db
    .updateTable('vpn_servers')
    .set(changes)
    .where('id', '=', server.id)
    .where('revision', '=', expectedRevision)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteServerRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('vpn_servers').where('id', '=', id).execute();
}

export async function listAllServers(db: Executor): Promise<VpnServer[]> {
  const rows = await db.selectFrom('vpn_servers').selectAll().orderBy('created_at').execute();
  return rows.map(fromRow);
}

export async function serverUsingPort(db: Executor, port: number, protocol: string, exceptId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('vpn_servers')
    .select('name')
    .where('port', '=', port)
    .where('protocol', '=', protocol)
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return row?.name;
}

/** Lifecycle and health as the gateway reports them; not a user edit, so the ETag stays. */
export async function setServerState(
  db: Executor,
  id: string,
  state: { lifecycle: string; lifecycleReasons: unknown[]; health: string; healthReasons: unknown[] },
): Promise<void> {
  await db
    .updateTable('vpn_servers')
    .set({
      lifecycle_state: state.lifecycle,
      lifecycle_reasons: JSON.stringify(state.lifecycleReasons),
      health_state: state.health,
      health_reasons: JSON.stringify(state.healthReasons),
    })
    .where('id', '=', id)
    .where('lifecycle_state', '!=', 'deleting')
    .execute();
}
