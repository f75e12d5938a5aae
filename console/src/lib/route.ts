/** The console's URL scheme (history API; the server answers index.html for every non-API path). */
export type ServerTab = 'overview' | 'clients' | 'routes' | 'monitoring';

export type Route = { page: 'servers' } | { page: 'server'; id: string; tab: ServerTab } | { page: 'gateways' } | { page: 'not_found'; path: string };

const TABS: readonly ServerTab[] = ['overview', 'clients', 'routes', 'monitoring'];

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'vpn_servers')) return { page: 'servers' };
  if (parts.length === 1 && parts[0] === 'gateways') return { page: 'gateways' };
  if (parts[0] === 'vpn_servers' && parts[1] && parts.length <= 3) {
    const tab = (parts[2] ?? 'overview') as ServerTab;
    if (TABS.includes(tab)) return { page: 'server', id: parts[1], tab };
  }
  return { page: 'not_found', path: pathname };
}

export function routePath(route: Route): string {
  switch (route.page) {
    case 'servers':
      return '/vpn_servers';
    case 'gateways':
      return '/gateways';
    case 'server':
      return `/vpn_servers/${encodeURIComponent(route.id)}${route.tab === 'overview' ? '' : `/${route.tab}`}`;
    default:
      return route.path;
  }
}

export const tabIndex = (tab: ServerTab): number => TABS.indexOf(tab);
export const tabAt = (index: number): ServerTab => TABS[index] ?? 'overview';
