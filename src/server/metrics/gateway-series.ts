import { Counter, Gauge, type Registry } from 'prom-client';
import { AUTH_RESULTS, DISCONNECT_CAUSES, HEALTH_STATES, type GatewayMetricsSnapshot, type ServerSeries } from '../../gateway/metrics.ts';

/**
 * The series each gateway reports about its VPN servers, exposed with `gateway` and `vpn_server`
 * (the server's id) as labels — never a client, user or address. Values are the gateway's own
 * counters, set from its latest snapshot at scrape time.
 */
export class GatewaySeries {
  private readonly latest = new Map<string, GatewayMetricsSnapshot>();

  constructor(registry: Registry, now: () => number) {
    const latest = this.latest;
    const perServer = (read: (series: ServerSeries, set: (labels: Record<string, string>, value: number) => void) => void) =>
      function collect(this: Counter | Gauge): void {
        this.reset();
        for (const snapshot of latest.values()) {
          for (const [vpnServer, series] of Object.entries(snapshot.servers)) {
            read(series, (labels, value) => {
              const all = { gateway: snapshot.gateway, vpn_server: vpnServer, ...labels };
              if (this instanceof Counter) this.inc(all, value);
              else this.set(all, value);
            });
          }
        }
      };
    const registers = [registry];
    new Gauge({ name: 'sluice_vpn_server_connected_clients', help: 'Sessions connected now.', labelNames: ['gateway', 'vpn_server'], registers, collect: perServer((s, set) => set({}, s.connected)) });
    new Counter({ name: 'sluice_vpn_server_connects_total', help: 'Sessions that reached ESTABLISHED.', labelNames: ['gateway', 'vpn_server'], registers, collect: perServer((s, set) => set({}, s.connects)) });
    new Counter({
      name: 'sluice_vpn_server_disconnects_total',
      help: `Sessions that ended, by cause (${DISCONNECT_CAUSES.join(', ')}).`,
      labelNames: ['gateway', 'vpn_server', 'cause'],
      registers,
      collect: perServer((s, set) => DISCONNECT_CAUSES.forEach((cause) => set({ cause }, s.disconnects[cause]))),
    });
    new Counter({
      name: 'sluice_vpn_server_auth_decisions_total',
      help: `Answers to client CONNECTs, by result (${AUTH_RESULTS.join(', ')}).`,
      labelNames: ['gateway', 'vpn_server', 'result'],
      registers,
      collect: perServer((s, set) => AUTH_RESULTS.forEach((result) => set({ result }, s.auth[result]))),
    });
    new Counter({ name: 'sluice_vpn_server_received_bytes_total', help: 'Bytes received from clients (live sessions as of the last status poll).', labelNames: ['gateway', 'vpn_server'], registers, collect: perServer((s, set) => set({}, s.bytesReceived)) });
    new Counter({ name: 'sluice_vpn_server_sent_bytes_total', help: 'Bytes sent to clients (live sessions as of the last status poll).', labelNames: ['gateway', 'vpn_server'], registers, collect: perServer((s, set) => set({}, s.bytesSent)) });
    new Counter({ name: 'sluice_openvpn_restarts_total', help: 'OpenVPN process starts after the first (crash, configuration change).', labelNames: ['gateway', 'vpn_server'], registers, collect: perServer((s, set) => set({}, s.restarts)) });
    new Gauge({
      name: 'sluice_vpn_server_health',
      help: 'Health of the server on the gateway: 1 for the current state, 0 for the others.',
      labelNames: ['gateway', 'vpn_server', 'state'],
      registers,
      collect: perServer((s, set) => HEALTH_STATES.forEach((state) => set({ state }, s.health === state ? 1 : 0))),
    });
    new Gauge({
      name: 'sluice_gateway_report_age_seconds',
      help: 'Seconds since the gateway last reported its figures (it reports when they change, and re-attaching resets it).',
      labelNames: ['gateway'],
      registers,
      collect(this: Gauge) {
        this.reset();
        for (const snapshot of latest.values()) this.set({ gateway: snapshot.gateway }, Math.max(0, (now() - snapshot.at) / 1000));
      },
    });
  }

  report(snapshot: GatewayMetricsSnapshot): void {
    this.latest.set(snapshot.gateway, snapshot);
  }
}
