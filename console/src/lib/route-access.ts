import type { RouteAccess, VpnServerRoute } from '../../../src/client/types.ts';
import { bytes } from './time.ts';

/** `alice, bob` → ['alice', 'bob']: comma-separated, blanks and repeats dropped. */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(',').map((s) => s.trim())) if (item && !out.includes(item)) out.push(item);
  return out;
}

/** The form's two fields as the API's `access`; both empty = everyone (undefined). */
export function accessFromForm(users: string, commonNames: string): Partial<RouteAccess> | undefined {
  const u = parseList(users);
  const c = parseList(commonNames);
  if (u.length === 0 && c.length === 0) return undefined;
  return { ...(u.length > 0 && { users: u }), ...(c.length > 0 && { common_names: c }) };
}

/** What the Access column says. */
export function accessLabel(access: VpnServerRoute['access']): string {
  if (!access) return 'Everyone';
  const parts: string[] = [];
  if (access.users.length > 0) parts.push(`Users: ${access.users.join(', ')}`);
  if (access.common_names.length > 0) parts.push(`Common names: ${access.common_names.join(', ')}`);
  return parts.join(' · ');
}

/** What the Traffic column says: packets and bytes the gateway counted, refusals when any. */
export function trafficLabel(route: Pick<VpnServerRoute, 'packets' | 'bytes' | 'denied_packets'>): string {
  if (route.packets === undefined) return '—';
  const main = `${route.packets.toLocaleString('en-US')} packets · ${bytes(route.bytes)}`;
  return route.denied_packets ? `${main} · ${route.denied_packets.toLocaleString('en-US')} refused` : main;
}
