/**
 * The reference's IAM roles. Viewer ⊂ Operator ⊂ Editor ⊂ Administrator are platform/service roles
 * that grow by inclusion; VPNClient stands apart: it only lets a user connect with a passcode.
 *
 * MetricsReader (Sluice's own) stands apart too: it reads `/metrics` and nothing else. A scraper's
 * credential sits in a monitoring system's config file, so it must not also read client lists or
 * change anything; and metrics cover every server at once, which no per-server Viewer/Operator
 * binding may see. Administrators, who see everything anyway, may read metrics as well.
 */
export const ROLES = ['Viewer', 'Operator', 'Editor', 'Administrator', 'VPNClient', 'MetricsReader'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { Viewer: 1, Operator: 2, Editor: 3, Administrator: 4, VPNClient: 0, MetricsReader: 0 };

/** Roles outside the inclusion chain that another role also grants. */
const ALSO_GRANTED_BY: Partial<Record<Role, readonly Role[]>> = { MetricsReader: ['Administrator'] };

/** Each action names the least role that may take it. */
export const ACTIONS = {
  'vpn_server.read': 'Viewer',
  'vpn_server.write': 'Editor',
  'route.read': 'Viewer',
  'route.write': 'Editor',
  'client_configuration.read': 'Viewer',
  'client.read': 'Operator',
  'client.disconnect': 'Operator',
  'client.delete': 'Operator',
  'client_profile.issue': 'Editor',
  'certificate.read': 'Viewer',
  'certificate.write': 'Editor',
  'identity.admin': 'Administrator',
  'audit.read': 'Administrator',
  'metrics.read': 'MetricsReader',
  // Gateways are the hosts that run VPN servers: seeing them is harmless, enrolling one is not.
  'gateway.read': 'Viewer',
  'gateway.write': 'Administrator',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof ACTIONS;

export interface RoleBinding {
  role: Role;
  /** null = every VPN server (account-wide). */
  vpnServerId: string | null;
}

export interface Principal {
  userId: string;
  userName: string;
  bindings: RoleBinding[];
  /** The API key the token was issued for (recorded in the audit trail). */
  apiKeyId?: string;
}

const grants = (binding: RoleBinding, needed: Role): boolean =>
  binding.role === needed || (RANK[needed] > 0 && RANK[binding.role] >= RANK[needed]) || (ALSO_GRANTED_BY[needed]?.includes(binding.role) ?? false);

/** Whether the principal may take `action`, on one server or (serverId undefined) account-wide. */
export function can(principal: Principal, action: Action, serverId?: string): boolean {
  const needed = ACTIONS[action];
  return principal.bindings.some(
    (b) => grants(b, needed) && (b.vpnServerId === null || (serverId !== undefined && b.vpnServerId === serverId)),
  );
}

/** null = every server is visible; otherwise only these ids. */
export function visibleServerIds(principal: Principal, action: Action): Set<string> | null {
  const needed = ACTIONS[action];
  const relevant = principal.bindings.filter((b) => grants(b, needed));
  if (relevant.some((b) => b.vpnServerId === null)) return null;
  return new Set(relevant.map((b) => b.vpnServerId ?? ''));
}

export const hasRole = (principal: Principal, role: Role, serverId: string): boolean =>
  principal.bindings.some((b) => b.role === role && (b.vpnServerId === null || b.vpnServerId === serverId));
