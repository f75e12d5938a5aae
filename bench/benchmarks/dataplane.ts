import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { MissingPrerequisite } from '../lib/prereq.ts';
import { row, type Benchmark, type BenchContext, type Row } from '../lib/result.ts';
import { summarize } from '../lib/stats.ts';
import { renderRuleset, type DataPlaneRoute, type DataPlaneSpec } from '../../src/gateway/dataplane/ruleset.ts';
import { manyRoutes } from '../../src/gateway/dataplane/many-routes.ts';
import { parseCidr } from '../../src/gateway/dataplane/ipv4.ts';
import { deviceName, tableName } from '../../src/gateway/dataplane/names.ts';
import { Nft } from '../../src/gateway/io/nft.ts';
import { ADDRESSES, Lab, dataplaneSuiteSkipReason, scratchNamespace } from '../../test/dataplane/support/lab.ts';
import { startSluice } from '../../test/support/sluice-process.ts';
import { TestApi, type Json } from '../../test/support/api-client.ts';
import { eventually, startVpnClient } from '../../test/support/openvpn-client.ts';

const SINK_PORT = 9000;
const STREAM_BYTES = 48 * 1024 * 1024;

/**
 * What a data plane without the compiled map would be: one rule per route, longest prefix first,
 * the way iptables scripts do it. The baseline for apply time and for the per-packet cost.
 */
function naiveRuleset(spec: DataPlaneSpec): string {
  const table = tableName(spec.serverId);
  const ordered = [...spec.routes].sort((a, b) => parseCidr('d', b.destination).prefix - parseCidr('d', a.destination).prefix);
  const device = `"${spec.device}"`;
  const lines = [`table inet ${table} {}`, `delete table inet ${table}`, `table inet ${table} {`, '  set sessions {', '    type ipv4_addr', ...(spec.sessions.length > 0 ? [`    elements = { ${spec.sessions.map((s) => s.address).join(', ')} }`] : []), '  }'];
  lines.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', `    iifname ${device} jump from_clients`, `    oifname ${device} ip daddr != @sessions drop`, `    oifname ${device} ct state established,related accept`, `    oifname ${device} drop`, '  }');
  lines.push('  chain from_clients {', '    ip saddr != @sessions drop');
  for (const route of ordered) lines.push(`    ip daddr ${route.destination} counter ${route.action === 'drop' ? 'drop' : 'accept'}`);
  lines.push('    drop', '  }', '}');
  return `${lines.join('\n')}\n`;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * `nft -f FILE` run inside the namespace (as the agent runs it inside its own), timed there: wall
 * time without `ip netns exec`'s own start-up, and the CPU nft used (bash `times`, children).
 */
function applyTimed(ns: ReturnType<typeof scratchNamespace>, file: string): { wallMs: number; cpuMs: number } {
  const out = ns.run('bash', ['-c', `s=$(date +%s%N); nft -f ${file} || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); times`]).trim().split('\n');
  const seconds = (text: string): number => {
    const m = /^(\d+)m([\d.]+)s$/.exec(text);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  const [user = '', sys = ''] = (out.at(-1) ?? '').split(' ');
  return { wallMs: Number(out[0]) / 1000, cpuMs: (seconds(user) + seconds(sys)) * 1000 };
}

/** `nft -f` of a whole table for N routes (what the agent runs), vs the same routes as one rule each. */
async function applyRows(ctx: BenchContext, cleanup: Cleanup, n: number): Promise<Row[]> {
  const ns = scratchNamespace();
  cleanup.add('remove scratch namespace', () => ns.remove());
  const serverId = 'r001-be0c0000-0000-4000-8000-000000000001';
  const sessions = Array.from({ length: 200 }, (_, i) => ({ address: `100.64.${Math.floor(i / 250)}.${(i % 250) + 2}`, username: `user-${i * 7}`, commonName: null }));
  const routes = manyRoutes(n);
  const spec: DataPlaneSpec = { serverId, gatewayId: 'bench', device: deviceName(serverId), clientIpPool: '100.64.0.0/16', egressInterfaces: [], routes, sessions };
  const rounds = ctx.rounds ?? 15;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-nft-'));
  cleanup.add('remove scripts', () => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const previous = routes.slice(0, -1);
  const renderMs: number[] = [];
  let full = '';
  for (let round = 0; round < rounds; round++) renderMs.push(await timed(async () => void (full = renderRuleset(spec))));
  const scripts = {
    replace: file('replace.nft', full),
    before: file('before.nft', renderRuleset({ ...spec, routes: previous })),
    update: file('update.nft', renderRuleset(spec, { previous: { routes: previous, clientIpPool: spec.clientIpPool } })),
    naive: file('naive.nft', naiveRuleset(spec)),
  };
  const wall = { replace: [] as number[], update: [] as number[], naive: [] as number[] };
  const cpu = { replace: [] as number[], update: [] as number[], naive: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['replace', 'update', 'naive'] as const) {
      // An update applies to the table as it was before the route was added.
      if (kind === 'update') applyTimed(ns, scripts.before);
      const t = applyTimed(ns, scripts[kind]);
      wall[kind].push(t.wallMs);
      cpu[kind].push(t.cpuMs);
    }
  }
  const rows: Row[] = [];
  for (const [kind, metric] of [['replace', 'apply: replace the whole table'], ['update', 'apply: one route added, update in place']] as const) {
    const w = row({ case: `${n} routes, 200 sessions`, metric: `${metric} (wall)`, unit: 'ms', better: 'lower', sluice: summarize(wall[kind]), baseline: summarize(wall.naive), goal: '≤ 100 ms' });
    w.met = w.sluice.median <= 100;
    const c = row({ case: `${n} routes, 200 sessions`, metric: `${metric} (CPU of nft)`, unit: 'ms', better: 'lower', sluice: summarize(cpu[kind]), baseline: summarize(cpu.naive), goal: '≤ 100 ms' });
    c.met = c.sluice.median <= 100;
    rows.push(w, c);
  }
  rows[0]!.note = `nft -f inside the namespace; rendering takes ${summarize(renderMs).median.toFixed(1)} ms of JavaScript; baseline: the same routes as one rule each, longest prefix first`;
  ctx.log(`apply ${n} routes: replace ${rows[0]!.sluice.median.toFixed(0)} ms wall / ${rows[1]!.sluice.median.toFixed(0)} ms CPU, update ${rows[2]!.sluice.median.toFixed(0)} / ${rows[3]!.sluice.median.toFixed(0)}, one rule per route ${rows[0]!.baseline.median.toFixed(0)} / ${rows[1]!.baseline.median.toFixed(0)}`);
  ns.remove();
  return rows;
}

/** A real tunnel (sluice serve, OpenVPN, a client) in namespaces; then the agent stops and the table is swapped by hand. */
async function throughputRows(ctx: BenchContext, cleanup: Cleanup): Promise<Row[]> {
  const lab = Lab.create();
  cleanup.add('remove namespaces', () => lab.destroy());
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-dp-'));
  cleanup.add('remove data dir', () => rmSync(dir, { recursive: true, force: true }));
  const serve = await startSluice({ netns: lab.ns.gateway, dataDir: join(dir, 'data'), env: { SLUICE_DATAPLANE: 'nftables', SLUICE_OPENVPN_ARGS: '', SLUICE_PUBLIC_HOST: ADDRESSES.gatewayPublic, SLUICE_LOG_LEVEL: 'info' } });
  cleanup.add('stop sluice serve', () => serve.stop({ keepDataDir: true }));
  const socket = join(dir, 'api.sock');
  await lab.helper('gateway').send('relay', { path: socket, host: '127.0.0.1', port: Number(new URL(serve.url).port) });
  const api = await new TestApi(serve.url, serve.adminApiKey, socket).login();
  const server = await api.ok('POST', '/v1/vpn_servers', { client_ip_pool: '100.64.0.0/22', port: 1194, enable_split_tunneling: true, client_authentication: [{ method: 'certificate' }] });
  // As many routes as a server may have (50, the reference's limit): the one carrying the stream and 49 others.
  await api.ok('POST', `/v1/vpn_servers/${server.id}/routes`, { destination: '198.18.1.0/24', action: 'deliver' });
  for (let i = 0; i < 49; i++) await api.ok('POST', `/v1/vpn_servers/${server.id}/routes`, { destination: `10.${i}.0.0/16`, action: (['deliver', 'translate', 'drop'] as const)[i % 3] });
  await eventually('server stable', async () => ((await api.ok('GET', `/v1/vpn_servers/${server.id}`)).health_state === 'ok' ? true : undefined), 30_000);
  const profile = (await api.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { common_name: 'bench' })).text;
  const client = startVpnClient(profile, undefined, { netns: lab.ns.clientA });
  cleanup.add('stop client', () => client.stop());
  await client.connected(30_000);
  const clientIp = (await eventually('client listed', async () => (await api.ok('GET', `/v1/vpn_servers/${server.id}/clients?status=connected`)).clients[0] as Json | undefined)).client_ip.address as string;
  await lab.helper('behind1').send('sink', { port: SINK_PORT });
  await eventually('stream through the tunnel', async () => ((await lab.helper('clientA').send('send', { host: ADDRESSES.behind1, port: SINK_PORT, bytes: 1024, timeoutMs: 2000 })).ok ? true : undefined), 20_000);
  // The agent goes; OpenVPN and the table stay (as across a restart), and nothing re-applies behind our back.
  await serve.stop({ keepDataDir: true });

  const table = tableName(server.id);
  const spec: DataPlaneSpec = { serverId: server.id, gatewayId: 'bench', device: deviceName(server.id), clientIpPool: '100.64.0.0/22', egressInterfaces: [], routes: [], sessions: [{ address: clientIp, username: null, commonName: 'bench' }] };
  const own: DataPlaneRoute[] = [{ id: 'r001-be0c0000-0000-4000-8000-100000000000', destination: '198.18.1.0/24', action: 'deliver' }];
  for (let i = 0; i < 49; i++) own.push({ id: `r001-be0c0000-0000-4000-8000-${String(100000000001 + i)}`, destination: `10.${i}.0.0/16`, action: (['deliver', 'translate', 'drop'] as const)[i % 3] ?? 'deliver' });
  const big = [...own.slice(0, 1), ...manyRoutes(999).map((r) => ({ ...r, destination: r.destination.replace(/^10\./, '11.') }))];
  const nft = new Nft({ command: ['ip', 'netns', 'exec', lab.ns.gateway, 'nft'] });
  const variants: Record<string, string | undefined> = {
    'ruleset (50 routes)': renderRuleset({ ...spec, routes: own }),
    'ruleset (1 000 routes)': renderRuleset({ ...spec, routes: big }),
    'one rule per route (1 000)': naiveRuleset({ ...spec, routes: big }),
    none: undefined,
  };
  const samples = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  const rounds = ctx.rounds ?? 6;
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(variants);
    if (round % 2 === 1) order.reverse();
    for (const name of order) {
      const script = variants[name];
      await nft.apply(script ?? `table inet ${table} {}\ndelete table inet ${table}\n`);
      const result = await lab.helper('clientA').send<{ ms: number }>('send', { host: ADDRESSES.behind1, port: SINK_PORT, bytes: STREAM_BYTES, timeoutMs: 120_000 });
      if (!result.ok) throw new MissingPrerequisite(`the stream through the tunnel failed (${name}): ${result.error}`);
      samples.get(name)?.push((STREAM_BYTES * 8) / (result.ms / 1000) / 1e6);
    }
  }
  const none = summarize(samples.get('none') ?? []);
  const rows = ['ruleset (50 routes)', 'ruleset (1 000 routes)', 'one rule per route (1 000)'].map((name) => {
    const r = row({ case: `one TCP stream, ${name} vs none`, metric: 'throughput through the tunnel', unit: 'Mbit/s', better: 'higher', sluice: summarize(samples.get(name) ?? []), baseline: none, goal: name.startsWith('ruleset') ? 'ratio ≥ 0.95' : undefined });
    if (r.goal) r.met = r.ratio >= 0.95;
    return r;
  });
  rows[2]!.note = 'not Sluice: what a linear ruleset of the same 1 000 routes costs per packet, for comparison';
  ctx.log(`throughput: ${rows.map((r) => `${r.case} ${r.sluice.median.toFixed(0)} vs ${r.baseline.median.toFixed(0)} Mbit/s`).join('; ')}`);
  return rows;
}

export const dataplane: Benchmark = {
  name: 'dataplane',
  describe: 'nft apply time for N routes vs one rule per route; one TCP stream through a real tunnel with vs without the ruleset (namespaces)',
  defaultSizes: [1000],
  needs: ['openvpn'],
  async run(ctx, sizes) {
    const missing = dataplaneSuiteSkipReason();
    if (missing) throw new MissingPrerequisite(missing);
    const rows: Row[] = [];
    await withCleanup(async (cleanup) => {
      for (const n of sizes) rows.push(...(await applyRows(ctx, cleanup, n)));
      rows.push(...(await throughputRows(ctx, cleanup)));
    });
    return { rows, notes: [`${STREAM_BYTES / 1024 / 1024} MiB per stream; variants alternate round by round; OpenVPN 2.6 in userspace (no DCO here) bounds the stream`] };
  },
};
