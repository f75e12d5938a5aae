import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freshDatabase } from '../../test/support/dialects.ts';
import { TestApi, type Json } from '../../test/support/api-client.ts';
import { installFakeOpenvpn, playScenario, startStandaloneFake } from '../fake-openvpn/binary.ts';
import type { Scenario } from '../fake-openvpn/protocol.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { until, withCleanup } from '../lib/cleanup.ts';
import { RawManagementClient } from '../lib/raw-management.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { sampleRss } from '../lib/rss.ts';
import { startServe } from '../lib/sluice-serve.ts';
import { single, summarize } from '../lib/stats.ts';

const PAGE = 100;
const ROUNDS = 5;

/**
 * One VPN server at the reference's limit of live sessions, through the fake OpenVPN: a connect
 * storm of all N (64 handshakes at once), reading them all page by page through the API, one bulk
 * disconnect of all (by their shared common name), and the RSS of `sluice serve` at each stage.
 * Baseline: the same fake on its own, driven by a raw management client that lets everyone in —
 * `status 3` listing all N (storm), one `status 3` (reading them), N `client-kill`s back to back
 * until `status 3` lists none (disconnect).
 */
export const scale: Benchmark = {
  name: 'scale',
  describe: 'N live sessions on one server (fake OpenVPN): connect storm, list pages, bulk disconnect, RSS',
  defaultSizes: [2000],
  needs: [],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const dialect of ctx.dialects) {
      for (const n of sizes) {
        await withCleanup(async (cleanup) => {
          const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-scale-'));
          cleanup.add('remove temp dir', () => rmSync(dir, { recursive: true, force: true }));
          const database = await freshDatabase(dialect);
          cleanup.add('drop database', () => database.drop());
          const serve = await startServe(cleanup, { SLUICE_DATABASE_URL: database.url, SLUICE_OPENVPN_BINARY: installFakeOpenvpn(dir) });
          const api = await new TestApi(serve.url, BENCH_ADMIN_KEY).login();
          const server = await createServer(api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] });
          const serverId = String(server.id);
          const clientsUrl = `/v1/vpn_servers/${serverId}/clients`;
          const connected = async (): Promise<number> => Number((await api.ok('GET', `${clientsUrl}?limit=1&status=connected`)).total_count);
          const idle = summarize(await sampleRss(serve.pid));

          const rawDir = mkdtempSync(join(tmpdir(), 'sluice-bench-scale-raw-'));
          cleanup.add('remove raw dir', () => rmSync(rawDir, { recursive: true, force: true }));
          const fake = await startStandaloneFake(rawDir);
          cleanup.add('stop standalone fake', fake.stop);
          const raw = await RawManagementClient.connect(fake.socket);
          cleanup.add('close raw client', () => raw.close());

          const scenario: Scenario = { count: n, window: 64, establish: true, end: false, prefix: 'scale', commonName: 'scale', usernames: false };
          // Connect storm: start → every session listed (API) vs `status 3` lists every session.
          let t0 = performance.now();
          await playScenario(rawDir, scenario);
          await until(`raw: status 3 lists ${n}`, async () => ((await raw.statusCids()).length >= n ? true : undefined), 600_000, 10);
          const rawStormMs = performance.now() - t0;
          t0 = performance.now();
          await playScenario(join(serve.dataDir, 'gateway', serverId), scenario);
          await until(`API lists ${n} connected`, async () => ((await connected()) >= n ? true : undefined), 600_000, 10);
          const stormMs = performance.now() - t0;
          const live = summarize(await sampleRss(serve.pid));

          // Reading them all: every page of the API vs one `status 3`.
          const pagesMs: number[] = [];
          const statusMs: number[] = [];
          for (let round = 0; round < ROUNDS; round++) {
            let started = performance.now();
            let seen = 0;
            let next: string | undefined = `${clientsUrl}?limit=${PAGE}&status=connected`;
            while (next !== undefined) {
              const page: Json = await api.ok('GET', next);
              seen += (page.clients as unknown[]).length;
              const href = (page.next as { href?: string } | undefined)?.href;
              const start = href === undefined ? null : new URL(href).searchParams.get('start');
              next = start === null ? undefined : `${clientsUrl}?limit=${PAGE}&status=connected&start=${start}`;
            }
            if (seen !== n) throw new Error(`scale: the pages listed ${seen} of ${n} sessions`);
            pagesMs.push(performance.now() - started);
            started = performance.now();
            if ((await raw.statusCids()).length !== n) throw new Error('scale: status 3 lost sessions');
            statusMs.push(performance.now() - started);
          }
          const listed = summarize(await sampleRss(serve.pid));

          // Bulk disconnect: one API call → every record `disconnected` vs N client-kills → status 3 empty.
          const cids = await raw.statusCids();
          t0 = performance.now();
          await Promise.all(cids.map((cid) => raw.killClient(cid)));
          await until('raw: status 3 lists none', async () => ((await raw.statusCids()).length === 0 ? true : undefined), 600_000, 10);
          const rawKillMs = performance.now() - t0;
          t0 = performance.now();
          const bulk = await api.ok('POST', `${clientsUrl}/disconnect`, { common_name: 'scale' });
          const acceptedMs = performance.now() - t0;
          if ((bulk.clients as unknown[]).length !== n) throw new Error(`scale: the bulk disconnect matched ${(bulk.clients as unknown[]).length} of ${n}`);
          await until('API lists none connected', async () => ((await connected()) === 0 ? true : undefined), 600_000, 10);
          const disconnectMs = performance.now() - t0;
          const after = summarize(await sampleRss(serve.pid));

          const kase = `${dialect} n=${n}`;
          rows.push(row({ case: kase, metric: 'connect storm: start → all listed', unit: 'ms', better: 'lower', sluice: single(stormMs), baseline: single(rawStormMs) }));
          const pages = row({ case: kase, metric: `read all: ${Math.ceil(n / PAGE)} API pages vs one status 3`, unit: 'ms', better: 'lower', sluice: summarize(pagesMs), baseline: summarize(statusMs) });
          rows.push(pages);
          const off = row({ case: kase, metric: 'bulk disconnect: request → all disconnected', unit: 'ms', better: 'lower', sluice: single(disconnectMs), baseline: single(rawKillMs) });
          off.note = `the 202 came after ${Math.round(acceptedMs)} ms`;
          rows.push(off);
          const rss = row({ case: kase, metric: 'RSS of sluice serve: idle → live → after listing → after disconnect', unit: 'MB', better: 'lower', sluice: single(listed.median), baseline: single(idle.median) });
          rss.note = `idle ${idle.median.toFixed(0)} MB, ${n} live ${live.median.toFixed(0)} MB, after listing ${listed.median.toFixed(0)} MB, after the bulk disconnect ${after.median.toFixed(0)} MB`;
          rows.push(rss);
          ctx.log(`scale ${kase}: storm ${Math.round(stormMs)} ms (raw ${Math.round(rawStormMs)}), pages ${pages.sluice.median.toFixed(0)} ms (status 3 ${pages.baseline.median.toFixed(1)}), bulk disconnect ${Math.round(disconnectMs)} ms (raw ${Math.round(rawKillMs)}); ${rss.note}`);
        });
      }
    }
    notes.push(`64 handshakes at once; pages of ${PAGE}, ${ROUNDS} rounds; baseline: the fake alone with a raw management client; RSS row: Sluice = after listing, baseline = idle`);
    return { rows, notes, options: { page: PAGE, rounds: ROUNDS } };
  },
};
