import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestApi } from '../../test/support/api-client.ts';
import { installFakeOpenvpn, playScenario } from '../fake-openvpn/binary.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { sleep, until, withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { sampleRss } from '../lib/rss.ts';
import { seedClients } from '../lib/seed.ts';
import { startServe } from '../lib/sluice-serve.ts';
import { summarize } from '../lib/stats.ts';

const BARE = fileURLToPath(new URL('../lib/bare-fastify.ts', import.meta.url));
const GOAL_MB = 250;

/** The floor: Node + tsx + Fastify with one route, no store, no gateway. */
async function bareRss(cleanup: Cleanup, dir: string): Promise<number[]> {
  const body = join(dir, 'body.json');
  writeFileSync(body, '{}');
  const child = spawn(process.execPath, ['--import', 'tsx', BARE, body], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add('stop bare fastify', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await sleep(500);
  return sampleRss(child.pid ?? 0);
}

/**
 * RSS of a real `sluice serve` (run from source with tsx, as the tests run it): idle, with 100k
 * client records, and with 10k live sessions (fake OpenVPN as its openvpn binary).
 * Baseline: a bare Fastify process under the same runtime.
 */
export const memory: Benchmark = {
  name: 'memory',
  describe: 'RSS of sluice serve: idle, +LIVE fake sessions, +RECORDS client records (sizes: RECORDS,LIVE)',
  defaultSizes: [100_000, 10_000],
  needs: [],
  async run(ctx, sizes) {
    const [records = 100_000, live = 10_000] = sizes;
    const rows: Row[] = [];
    const notes: string[] = [];
    await withCleanup(async (cleanup) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-mem-'));
      cleanup.add('remove temp dir', () => rmSync(dir, { recursive: true, force: true }));
      const baseline = await bareRss(cleanup, dir);
      const serve = await startServe(cleanup, { SLUICE_LOG_LEVEL: 'info', SLUICE_OPENVPN_BINARY: installFakeOpenvpn(dir) });
      const api = await new TestApi(serve.url, BENCH_ADMIN_KEY).login();
      await sleep(1000);
      const idle = await sampleRss(serve.pid);

      const server = await createServer(api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] });
      const serverId = String(server.id);
      // Live sessions first, then the records: the end state is the same, and ingest into an
      // empty table keeps the default run short (see the ingest figures for why order matters).
      await playScenario(join(serve.dataDir, 'gateway', serverId), { count: live, window: 64, establish: true, end: false, prefix: 'mem', usernames: false });
      await until(`${live} live sessions recorded`, async () => {
        const page = await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=1&status=connected`);
        return Number(page.total_count) >= live ? true : undefined;
      }, 600_000, 250);
      const withLive = await sampleRss(serve.pid);

      await seedClients(join(serve.dataDir, 'sluice.db'), serverId, 0, records);
      // Read them the way operators do, so caches and pages are as in service.
      for (let i = 0; i < 20; i++) await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?limit=100`);
      const withBoth = await sampleRss(serve.pid);

      const base = summarize(baseline);
      rows.push(row({ case: 'idle', metric: 'RSS', unit: 'MB', better: 'lower', sluice: summarize(idle), baseline: base }));
      rows.push(row({ case: `${live} live`, metric: 'RSS', unit: 'MB', better: 'lower', sluice: summarize(withLive), baseline: base }));
      const full = row({ case: `${live} live + ${records} records`, metric: 'RSS', unit: 'MB', better: 'lower', sluice: summarize(withBoth), baseline: base, goal: `≤ ${GOAL_MB} MB` });
      full.met = full.sluice.median <= GOAL_MB;
      rows.push(full);
      const perSession = ((summarize(withLive).median - summarize(idle).median) * 1024) / live;
      // RSS is not forced through a GC, so small growth can hide in the heap's slack.
      notes.push(perSession > 0 ? `live sessions: ≈ ${perSession.toFixed(1)} kB each over idle (server, tracker and page cache included)` : 'live sessions: growth below RSS noise');
      ctx.log(`memory: idle ${summarize(idle).median.toFixed(0)} MB, +live ${summarize(withLive).median.toFixed(0)} MB, +records ${full.sluice.median.toFixed(0)} MB (bare ${base.median.toFixed(0)} MB)`);
    });
    return { rows, notes, options: { records, live } };
  },
};
