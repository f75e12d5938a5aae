/**
 * CPU time per list request, Sluice vs the minimal handler, on one SQLite database: robust where
 * req/s is not (a shared 2-core machine). Each round sends the same number of requests to each
 * process, alternating, and reads the process's user+system CPU time from /proc before and after.
 *   node --import tsx bench/tools/list-cpu.ts [records=1000] [requests=20000] [rounds=3]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freshDatabase } from '../../test/support/dialects.ts';
import { API_VERSION } from '../../test/support/api-client.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { startListTarget } from '../lib/list-target.ts';
import { seedClients } from '../lib/seed.ts';

const MINIMAL = fileURLToPath(new URL(process.env.MINIMAL ?? '../lib/minimal-list.ts', import.meta.url));
const [records = 1000, requests = 20_000, rounds = 3] = process.argv.slice(2).map(Number);
const TICK_MS = 10; // USER_HZ 100

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function measure(pid: number, url: string, headers: Record<string, string>, amount: number): Promise<{ cpuUs: number; rps: number }> {
  const before = cpuMs(pid);
  const result = await autocannon({ url, headers, connections: 50, amount });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { cpuUs: ((cpuMs(pid) - before) * 1000) / amount, rps: Math.round(result.requests.average) };
}

await withCleanup(async (cleanup) => {
  const database = await freshDatabase('sqlite');
  cleanup.add('drop database', () => database.drop());
  const { sluice, serverId, token, headers } = await startListTarget(cleanup, database.url);
  await seedClients(database.url, serverId, 0, records);
  // BENCH_PROFILE_DIR profiles the minimal handler too; the pids below tell the two profiles apart.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', MINIMAL, database.url, token], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(`sluice serve pid ${sluice.pid}, minimal handler pid ${child.pid ?? '?'}\n`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add('stop minimal', async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const minimalUrl = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim())));
  const path = `/v1/vpn_servers/${serverId}/clients?limit=50&${API_VERSION}`;
  await measure(sluice.pid, `${sluice.url}${path}`, headers, 3000);
  await measure(child.pid ?? 0, `${minimalUrl}${path}`, headers, 3000);
  for (let round = 0; round < rounds; round++) {
    const s = await measure(sluice.pid, `${sluice.url}${path}`, headers, requests);
    const m = await measure(child.pid ?? 0, `${minimalUrl}${path}`, headers, requests);
    process.stdout.write(`round ${round + 1}: sluice ${s.cpuUs.toFixed(0)} µs CPU/req (${s.rps} req/s), minimal ${m.cpuUs.toFixed(0)} µs/req (${m.rps} req/s); CPU ratio minimal/sluice ${(m.cpuUs / s.cpuUs).toFixed(2)}, req/s ratio ${(s.rps / m.rps).toFixed(2)}\n`);
  }
});
