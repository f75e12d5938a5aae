import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { RoleBinding } from '../../../domain/identity/roles.ts';
import type { User } from '../../../store/identity.ts';

export const toBindings = (roles: { role: RoleBinding['role']; vpn_server_id?: string | undefined }[]): RoleBinding[] =>
  roles.map((r) => ({ role: r.role, vpnServerId: r.vpn_server_id ?? null }));

export const presentUser = (user: User, bindings: RoleBinding[]) => ({
  id: user.id,
  name: user.name,
  disabled: user.disabled,
  created_at: toTimestamp(user.createdAt),
  roles: bindings.map((b) => (b.vpnServerId === null ? { role: b.role } : { role: b.role, vpn_server_id: b.vpnServerId })),
});
