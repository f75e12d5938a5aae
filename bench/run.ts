/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME…]` runs some. Flags:
 *   --sizes 1000,10000     sizes for the benchmark(s) named (defaults per benchmark)
 *   --dialects sqlite      store dialects where a benchmark covers both (default sqlite,postgres)
 *   --duration 5           seconds per HTTP load run (list)
 *   --rounds N             repetitions where a benchmark repeats (disconnect, remote-gateway)
 * Each benchmark writes bench/results/NAME.json and prints its table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHMARKS } from './benchmarks/index.ts';
import { describeMachine } from './lib/machine.ts';
import { MissingPrerequisite, requireOpenvpn, requirePostgres } from './lib/prereq.ts';
import type { BenchContext, BenchResult } from './lib/result.ts';
import { renderTable } from './lib/table.ts';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results');

function numbers(flag: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new MissingPrerequisite(`--${flag} takes positive integers separated by commas, got "${text}"`);
  return values;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { sizes: { type: 'string' }, dialects: { type: 'string' }, duration: { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const usage = `usage: npm run bench [-- NAME… [--sizes A,B] [--dialects sqlite,postgres] [--duration S] [--rounds N]]\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(11)} ${b.describe} (sizes ${b.defaultSizes.join(',')})`).join('\n')}\n`;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const unknown = positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}\n${usage}`);
    return 2;
  }
  const selected = positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => positionals.includes(b.name));
  const dialects = (values.dialects ?? 'sqlite,postgres').split(',').map((d) => d.trim());
  if (dialects.some((d) => d !== 'sqlite' && d !== 'postgres')) throw new MissingPrerequisite(`--dialects takes sqlite and/or postgres, got "${values.dialects ?? ''}"`);
  const ctx: BenchContext = {
    sizes: numbers('sizes', values.sizes),
    dialects: dialects as BenchContext['dialects'],
    duration: numbers('duration', values.duration)?.[0] ?? 5,
    rounds: numbers('rounds', values.rounds)?.[0],
    log: (line) => process.stderr.write(`  · ${line}\n`),
  };
  // Every prerequisite is checked before anything starts, so a missing one costs no waiting.
  if (selected.some((b) => b.needs.includes('openvpn'))) requireOpenvpn();
  if (ctx.dialects.includes('postgres') && selected.some((b) => b.needs.includes('postgres'))) await requirePostgres();

  mkdirSync(RESULTS, { recursive: true });
  const machine = await describeMachine();
  process.stdout.write(`machine: ${machine.nproc} cpus (${machine.cpuModel}), ${machine.memoryMb} MB, node ${machine.node}, load ${machine.loadAverage.join(' ')}\n`);
  for (const bench of selected) {
    const sizes = ctx.sizes ?? bench.defaultSizes;
    process.stdout.write(`\n== ${bench.name}: ${bench.describe} — sizes ${sizes.join(', ')}\n`);
    const started = Date.now();
    const outcome = await bench.run(ctx, sizes);
    const result: BenchResult = {
      name: bench.name,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      options: { sizes, dialects: ctx.dialects, duration: ctx.duration, rounds: ctx.rounds, ...outcome.options },
      machine,
      rows: outcome.rows,
      notes: outcome.notes,
    };
    writeFileSync(join(RESULTS, `${bench.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderTable(bench.name, outcome.rows)}\n`);
    for (const r of outcome.rows) if (r.note) process.stdout.write(`  ${r.case}, ${r.metric}: ${r.note}\n`);
    for (const note of outcome.notes) process.stdout.write(`  note: ${note}\n`);
    process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s, bench/results/${bench.name}.json)\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof MissingPrerequisite) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
