import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApi } from '../../test/support/api-client.ts';
import { playScenario, startStandaloneFake } from '../fake-openvpn/binary.ts';
import { createServer, pool } from '../lib/api.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { startEmbeddedSluice } from '../lib/embedded-sluice.ts';
import { RawManagementClient } from '../lib/raw-management.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { single, summarize } from '../lib/stats.ts';
import type { Scenario } from '../fake-openvpn/protocol.ts';

/** Issue 12: ≥ 2 000 decisions/s with p99 ≤ 20 ms on both stores. */
const GOAL = 2000;
const P99_GOAL_MS = 20;
/** Clients awaiting a decision at once; the reference's limit is 10 authentications/s per server. */
const WINDOW = 32;
/**
 * Decisions played before each measured run, on both sides and not counted: the first window
 * after start runs cold code and prepares its statements (20–27 ms for each of its 32, measured),
 * and alone it is 1.6 % of 2 000 decisions, enough to set the p99 of a process that has been
 * deciding for a while. Its cost is shown in the latency row's note.
 */
const WARM_UP = 4 * WINDOW;

/**
 * Username + one-time passcode authentications through the management socket: every CONNECT is
 * checked against the store (user, role, passcode consumed) and answered. The fake DISCONNECTs
 * each client right after its answer without ESTABLISHED, so record ingest does not mix in.
 * Baseline: a raw management client that lets everyone in, on the same fake.
 */
export const auth: Benchmark = {
  name: 'auth',
  describe: 'username+passcode decisions/s and decision latency (fake OpenVPN)',
  defaultSizes: [2000],
  needs: ['postgres'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    for (const dialect of ctx.dialects) {
      for (const n of sizes) {
        await withCleanup(async (cleanup) => {
          const sluice = await startEmbeddedSluice(cleanup, dialect);
          const server = await createServer(sluice.api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'username' }] });
          const serverId = String(server.id);
          const user = await sluice.api.ok('POST', '/v1/users', { name: 'bench-user', roles: [{ role: 'VPNClient', vpn_server_id: serverId }] });
          const key = await sluice.api.ok('POST', `/v1/users/${String(user.id)}/api_keys`, { name: 'bench' });
          const userApi = await new TestApi(sluice.running.url, String(key.apikey)).login();
          const passcodes = (count: number) => pool(Array.from({ length: count }), 16, async () => ({ username: 'bench-user', password: String((await userApi.ok('POST', '/identity/passcode')).passcode) }));
          const credentials = await passcodes(n);
          const scenario: Scenario = { count: n, window: WINDOW, establish: false, end: true, prefix: 'auth', credentials };
          const warmUp: Scenario = { ...scenario, count: WARM_UP, prefix: 'warm', credentials: await passcodes(WARM_UP) };

          const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-raw-'));
          cleanup.add('remove raw dir', () => rmSync(dir, { recursive: true, force: true }));
          const fake = await startStandaloneFake(dir);
          cleanup.add('stop standalone fake', fake.stop);
          const raw = await RawManagementClient.connect(fake.socket);
          cleanup.add('close raw client', () => raw.close());
          await playScenario(dir, warmUp);
          const baseline = await playScenario(dir, scenario);

          const cold = await playScenario(sluice.serverDir(serverId), warmUp);
          // Sluice runs in this process: its CPU per decision is steadier than the rate on a shared machine.
          const cpuBefore = process.cpuUsage();
          const measured = await playScenario(sluice.serverDir(serverId), scenario);
          const cpu = process.cpuUsage(cpuBefore);
          const cpuPerDecisionUs = (cpu.user + cpu.system) / n;
          if (measured.allowed !== n) throw new Error(`auth: ${measured.denied} of ${n} valid passcodes were refused`);
          const rate = n / (measured.ms / 1000);
          const baseRate = n / (baseline.ms / 1000);
          const throughput = row({ case: `${dialect} n=${n}`, metric: 'decisions/s', unit: '/s', better: 'higher', sluice: single(rate), baseline: single(baseRate), goal: `≥ ${GOAL}/s` });
          throughput.met = rate >= GOAL;
          throughput.note = `Sluice CPU ${Math.round(cpuPerDecisionUs)} µs/decision`;
          const latency = row({
            case: `${dialect} n=${n}`,
            metric: 'decision latency',
            unit: 'ms',
            better: 'lower',
            sluice: summarize(measured.latenciesMs),
            baseline: summarize(baseline.latenciesMs),
            note: `p99 ${summarize(measured.latenciesMs).p99.toFixed(1)} ms vs ${summarize(baseline.latenciesMs).p99.toFixed(1)} ms with ${WINDOW} waiting at once; the warm-up's first ${WINDOW} decisions after start took up to ${Math.max(...cold.latenciesMs.slice(0, WINDOW)).toFixed(1)} ms`,
          });
          latency.goal = `p99 ≤ ${P99_GOAL_MS} ms`;
          latency.met = latency.sluice.p99 <= P99_GOAL_MS;
          rows.push(throughput, latency);
          ctx.log(`auth ${throughput.case}: ${Math.round(rate)}/s (p99 ${latency.sluice.p99.toFixed(1)} ms, CPU ${Math.round(cpuPerDecisionUs)} µs/decision) vs raw ${Math.round(baseRate)}/s`);
        });
      }
    }
    return { rows, notes: [`${WINDOW} clients await a decision at once; latency = CONNECT written → answer read by the fake`], options: { window: WINDOW } };
  },
};
