import { useMemo } from 'react';
import { InlineNotification, Tag } from '@carbon/react';
import type { VpnServer } from '../../../src/client/types.ts';
import { clientList, type ClientsState } from '../lib/clients-state.ts';
import { connectedSeries } from '../lib/series.ts';
import { healthTag, serverStatus } from '../lib/status.ts';
import { duration } from '../lib/time.ts';
import { useNow } from '../hooks/useNow.ts';
import { RelativeTime } from './RelativeTime.tsx';
import { Sparkline } from './Sparkline.tsx';

export function OverviewTab({ server, clients }: { server: VpnServer; clients: ClientsState }) {
  const now = useNow(30_000);
  const series = useMemo(() => connectedSeries(clientList(clients), now), [clients, now]);
  const status = serverStatus(server.lifecycle_state, server.health_state);
  const health = healthTag(server.health_state);
  const retentionSeconds = server.client_auto_delete_timeout_seconds ?? server.client_auto_delete_timeout * 3600;
  const auth = server.client_authentication.map((a) => (a.method === 'certificate' ? `Client certificate (CA ${a.client_ca?.crn ?? 'built-in'})${a.crl ? ', with CRL' : ''}` : 'User ID and passcode'));
  const fields: [string, React.ReactNode][] = [
    ['Status', <Tag key="s" type={status.type} size="sm">{status.label}</Tag>],
    ['Health', <Tag key="h" type={health.type} size="sm">{health.label}</Tag>],
    ['ID', <span key="id" className="sl-mono">{server.id}</span>],
    ['CRN', <span key="crn" className="sl-mono">{server.crn}</span>],
    ['Hostname', `${server.hostname}`],
    ['Port / protocol', `${server.port}/${server.protocol}`],
    ['Client IP pool', <span key="p" className="sl-mono">{server.client_ip_pool}</span>],
    ['Client authentication', auth.join('; ')],
    ['Server certificate', <span key="c" className="sl-mono">{server.certificate.crn}</span>],
    ['Client DNS servers', server.client_dns_server_ips.map((d) => d.address).join(', ') || 'None (clients keep their own)'],
    ['Split tunnelling', server.enable_split_tunneling ? 'On: only routes go through the VPN' : 'Off: all traffic goes through the VPN'],
    ['Idle timeout', server.client_idle_timeout === 0 ? 'Never' : duration(server.client_idle_timeout)],
    ['Disconnected clients kept for', retentionSeconds === 0 ? 'Removed at disconnect' : duration(retentionSeconds)],
    ['Gateways (subnets)', (server.subnets ?? []).map((s) => s.name ?? s.id).join(', ') || '—'],
    ['Resource group', server.resource_group?.name ?? server.resource_group?.id ?? '—'],
    ['Created', <RelativeTime key="t" value={server.created_at} now={now} />],
  ];
  return (
    <section aria-label="Overview">
      {[...server.health_reasons, ...server.lifecycle_reasons].map((r) => (
        <InlineNotification key={`${r.code}-${r.message}`} kind={server.health_state === 'faulted' ? 'error' : 'warning'} title={r.code} subtitle={r.message} lowContrast hideCloseButton />
      ))}
      <h2 className="sl-section-title">Connected clients, last hour</h2>
      <Sparkline values={series} label={`Connected clients over the last hour; now ${server.connected_clients ?? series.at(-1) ?? 0}`} current={server.connected_clients ?? series.at(-1) ?? 0} />
      <h2 className="sl-section-title">Details</h2>
      <dl className="sl-fields">
        {fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
