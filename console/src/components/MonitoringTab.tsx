import { useCallback, useMemo, useState } from 'react';
import { ContentSwitcher, InlineLoading, Switch } from '@carbon/react';
import { AreaChart, LineChart, ScaleTypes, SimpleBarChart, TickRotations, type AreaChartOptions, type BarChartOptions, type LineChartOptions } from '@carbon/charts-react';
import '@carbon/charts-react/styles.css';
import type { Api } from '../lib/api.ts';
import type { MonitoringPoint, VpnServer } from '../../../src/client/types.ts';
import { WINDOWS, chartData, formatBytes, totals, type MonitoringWindow } from '../lib/monitoring.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { LoadError } from './Table.tsx';

const POLL_MS = 30_000;

/** Options every panel shares: the window's time on the bottom, no toolbar (its PNG export injects styles). */
function options(title: string, left: string, domain: [Date, Date] | undefined, extra: { curve?: string; bytes?: boolean } = {}) {
  return {
    title,
    height: '220px',
    animations: false,
    toolbar: { enabled: false },
    legend: { alignment: 'left' },
    points: { enabled: false },
    timeScale: { addSpaceOnEdges: 0 },
    axes: {
      bottom: { mapsTo: 'date', scaleType: ScaleTypes.TIME, ticks: { number: 6, rotation: TickRotations.NEVER }, ...(domain && { domain }) },
      left: { mapsTo: 'value', title: left, scaleType: ScaleTypes.LINEAR, includeZero: true, ...(extra.bytes && { ticks: { formatter: (v: number | Date) => formatBytes(Number(v)) } }) },
    },
    ...(extra.curve && { curve: extra.curve }),
  };
}

function Panel({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <section className="sl-chart" aria-label={name} data-chart={name}>
      {children}
    </section>
  );
}

/**
 * The reference's Monitoring tab: connected clients, connects and disconnects, traffic and auth
 * failures over the last hour, 24 hours or 7 days, from the control plane's own time-series.
 * Loaded on demand (the charts are most of the console's weight).
 */
export default function MonitoringTab({ api, server }: { api: Api; server: VpnServer }) {
  const [window, setWindow] = useState<MonitoringWindow>('1h');
  const fetchSeries = useCallback(() => api.client.getVpnServerMonitoring(server.id, window), [api, server.id, window]);
  const { value: series, error } = useLoad(fetchSeries, POLL_MS);
  const points: MonitoringPoint[] = useMemo(() => (series?.window === window ? series.points : []), [series, window]);
  const sum = totals(points);
  const domain: [Date, Date] | undefined = series?.window === window ? [new Date(series.start), new Date(series.end)] : undefined;
  const data = useMemo(
    () => ({
      connected: chartData(points, { 'Connected clients': (p) => p.connected_clients }),
      sessions: chartData(points, { Connects: (p) => p.connects, Disconnects: (p) => p.disconnects }),
      traffic: chartData(points, { Received: (p) => p.bytes_received, Sent: (p) => p.bytes_sent }),
      failures: chartData(points, { 'Auth failures': (p) => p.auth_failures }),
    }),
    [points],
  );

  return (
    <section aria-label="Monitoring" className="sl-monitoring">
      <div className="sl-monitoring-bar">
        <ContentSwitcher size="sm" selectedIndex={WINDOWS.findIndex((w) => w.id === window)} onChange={({ index }) => setWindow(WINDOWS[index ?? 0]?.id ?? '1h')}>
          {WINDOWS.map((w) => (
            <Switch key={w.id} name={w.id} text={w.label} />
          ))}
        </ContentSwitcher>
        {!series && !error && <InlineLoading description="Loading monitoring data" />}
      </div>
      {error !== undefined && <LoadError action="Could not load the monitoring data" error={error} />}
      <div className="sl-charts">
        <Panel name="connected">
          <AreaChart data={data.connected} options={options(`Connected clients (peak ${sum.peak})`, 'Clients', domain, { curve: 'curveStepAfter' }) as AreaChartOptions} />
        </Panel>
        <Panel name="sessions">
          <LineChart data={data.sessions} options={options(`Connects and disconnects (${sum.connects} / ${sum.disconnects})`, 'Sessions', domain) as LineChartOptions} />
        </Panel>
        <Panel name="traffic">
          <LineChart data={data.traffic} options={options(`Traffic (${formatBytes(sum.bytes)})`, 'Bytes', domain, { bytes: true }) as LineChartOptions} />
        </Panel>
        <Panel name="auth-failures">
          <SimpleBarChart data={data.failures} options={options(`Authentication failures (${sum.authFailures})`, 'Refused', domain) as BarChartOptions} />
        </Panel>
      </div>
    </section>
  );
}
