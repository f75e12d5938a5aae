import type { ServerStateReport } from '../../gateway/channel.ts';

/** What one gateway last said about a server, and whether it is still connected. */
export interface GatewayServerView {
  gatewayName: string;
  reachable: boolean;
  state: ServerStateReport | undefined;
}

const serving = (view: GatewayServerView): boolean => view.reachable && view.state?.lifecycle === 'stable' && (view.state.health === 'ok' || view.state.health === 'degraded');

function whyNotServing(view: GatewayServerView, others: boolean): { code: string; message: string }[] {
  const fallback = others ? `; its clients reconnect to the other gateway` : '';
  if (!view.reachable) return [{ code: 'gateway_disconnected', message: `gateway ${view.gatewayName} is not connected to the control plane${fallback}` }];
  if (view.state === undefined) return [{ code: 'gateway_starting', message: `gateway ${view.gatewayName} has not started the server yet` }];
  const reasons = view.state.reasons.length > 0 ? view.state.reasons : [{ code: 'gateway_server_down', message: `the server is ${view.state.lifecycle} on gateway ${view.gatewayName}` }];
  return reasons.map((reason) => ({ code: reason.code, message: `${reason.message} (gateway ${view.gatewayName})` }));
}

/**
 * A server's state from the gateways it is placed on. One gateway: what it says (degraded while it
 * is disconnected: its users stay connected, but nothing new is decided for them). Two: `ok` when
 * both serve, `degraded` naming the one that does not while the other still serves, `faulted`
 * when none does.
 */
export function combineServerState(views: GatewayServerView[]): ServerStateReport {
  const [only] = views;
  if (views.length === 1 && only) {
    if (only.reachable) return only.state ?? { lifecycle: 'pending', health: 'inapplicable', reasons: [] };
    return { lifecycle: only.state?.lifecycle ?? 'pending', health: 'degraded', reasons: whyNotServing(only, false) };
  }
  const up = views.filter(serving);
  const down = views.filter((view) => !serving(view));
  if (down.length === 0) {
    const reasons = up.flatMap((view) => (view.state?.health === 'degraded' ? whyNotServing({ ...view, state: { ...view.state, lifecycle: 'stable' } }, true) : []));
    return { lifecycle: 'stable', health: reasons.length > 0 ? 'degraded' : 'ok', reasons };
  }
  if (up.length > 0) return { lifecycle: 'stable', health: 'degraded', reasons: down.flatMap((view) => whyNotServing(view, true)) };
  if (views.every((view) => view.state?.lifecycle === 'failed')) return { lifecycle: 'failed', health: 'faulted', reasons: views.flatMap((view) => whyNotServing(view, false)) };
  if (views.some((view) => view.reachable && (view.state === undefined || view.state.lifecycle === 'pending'))) return { lifecycle: 'pending', health: 'inapplicable', reasons: [] };
  return { lifecycle: 'stable', health: 'faulted', reasons: views.flatMap((view) => whyNotServing(view, false)) };
}
