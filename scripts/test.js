#!/usr/bin/env node
// Runs test files with Node's test runner.
//
//   node scripts/test.js              every test file (what `npm test` runs)
//   node scripts/test.js --unit       the unit set: pure and in-process tests on SQLite — no console
//                                     build, no PostgreSQL, no OpenVPN, no child `sluice serve`
//   node scripts/test.js FILE…        just those files; the console is built only when one of them
//                                     drives the browser, PostgreSQL prepared only when one of them
//                                     runs on both dialects (SLUICE_TEST_DIALECTS=sqlite skips it)
//
// PostgreSQL comes from SLUICE_TEST_PG_URL, the local server at 127.0.0.1:5432, or a throwaway
// cluster started here (Debian's postgresql package); when none can be had the PostgreSQL runs are
// announced as not run — and under CI=true that is a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ci = process.env.CI === 'true';
const roots = ['src', 'test', 'console/src'];

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') findTests(path, out);
    else if (/\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * Not in the unit set: suites that start `sluice serve`, OpenVPN, a browser or the kernel's packet
 * filter (whole folders, and files named *.e2e / *.real / *.kernel), and the OpenAPI lint, which runs
 * IBM's ruleset through the Spectral CLI.
 */
const NOT_UNIT_FOLDERS = ['test/gateway/', 'test/cli/', 'test/compat/', 'test/console/', 'test/dataplane/', 'test/server/'];
const NOT_UNIT_FILES = ['test/api/openapi.test.ts'];
const slashed = (file) => file.split('\\').join('/').replace(/^\.\//, '');
const isUnit = (file) => {
  const path = slashed(file);
  return !/\.(e2e|real|kernel)\.test\.tsx?$/.test(path) && !NOT_UNIT_FOLDERS.some((f) => path.startsWith(f)) && !NOT_UNIT_FILES.includes(path);
};
/** What a file needs before it runs: the built console (browser suites), PostgreSQL (both-dialect suites). */
const needsConsole = (file) => slashed(file).startsWith('test/console/');
const needsPostgres = (file) => /support\/dialects\.ts|SLUICE_TEST_PG_URL/.test(readFileSync(file, 'utf8'));

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

function postgresBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort().reverse();
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  return undefined;
}

/** Starts a private PostgreSQL cluster on a free port; returns its URL and a stop function. */
async function throwawayCluster() {
  const bin = postgresBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    return spawnSync(full[0], full[1], { stdio: 'pipe', encoding: 'utf8' });
  };
  const init = run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  if (init.status !== 0) {
    process.stderr.write(`initdb failed: ${init.stderr}\n`);
    return undefined;
  }
  const port = await freePort();
  const start = run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  if (start.status !== 0) {
    process.stderr.write(`pg_ctl start failed: ${start.stderr}\n`);
    return undefined;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function preparePostgres(env) {
  const dialects = (env.SLUICE_TEST_DIALECTS ?? 'sqlite,postgres').split(',');
  if (!dialects.includes('postgres')) return undefined;
  const candidates = [env.SLUICE_TEST_PG_URL, 'postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'].filter(Boolean);
  for (const url of candidates) {
    if (await reachable(url)) {
      env.SLUICE_TEST_PG_URL = url;
      return undefined;
    }
  }
  const cluster = await throwawayCluster();
  if (cluster && (await reachable(cluster.url))) {
    process.stdout.write(`PostgreSQL: started a throwaway cluster at ${cluster.url}\n`);
    env.SLUICE_TEST_PG_URL = cluster.url;
    return cluster;
  }
  const message = 'PostgreSQL is not reachable and no throwaway cluster could be started (install Debian\'s "postgresql" package)';
  if (ci) {
    process.stderr.write(`FAIL: ${message}; CI must run the PostgreSQL tests.\n`);
    process.exit(1);
  }
  process.stderr.write(`\n*** NOT RUN: every PostgreSQL test. ${message}. Running SQLite only. ***\n\n`);
  env.SLUICE_TEST_DIALECTS = dialects.filter((d) => d !== 'postgres').join(',');
  return undefined;
}

/** The browser tests drive the built console; rebuild it when a source file is newer than the build. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureConsoleBuilt() {
  const index = join('console', 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join('console', 'src'))) return;
  process.stdout.write('console: building (console/dist is missing or older than console/src)\n');
  const build = spawnSync('npm', ['run', '--silent', 'build:console'], { stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('FAIL: the console does not build\n');
    process.exit(1);
  }
}

const env = { ...process.env };
// Whatever the caller's environment says, no test process touches the host's nftables or sysctls:
// the data-plane suite turns it on explicitly, inside network namespaces it creates.
env.SLUICE_DATAPLANE = 'none';
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const only = args.filter((a) => a !== '--unit');
for (const file of only) {
  if (!existsSync(file)) {
    process.stderr.write(`FAIL: no test file ${file}\n`);
    process.exit(1);
  }
}
const everything = roots.flatMap((root) => findTests(root));
const files = only.length > 0 ? only : unit ? everything.filter(isUnit) : everything;
if (unit) {
  // The unit set runs on SQLite; the tests that open no database ignore it. Tell the suites not to
  // start OpenVPN either (pki.test.ts has a handshake between two real openvpn processes).
  env.SLUICE_TEST_DIALECTS = 'sqlite';
  env.SLUICE_TEST_UNIT = '1';
}
if (files.some(needsConsole)) ensureConsoleBuilt();
const cluster = files.some(needsPostgres) ? await preparePostgres(env) : undefined;
const exitCode = (child) => new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));

/**
 * The unit set in two processes (the machines it runs on have two cores), each importing its share
 * of the files (scripts/unit-shard.js), balanced by size. A shard's report is printed when it ends.
 */
async function runShards(files, count = 2) {
  const shards = Array.from({ length: count }, () => ({ files: [], size: 0 }));
  for (const file of [...files].sort((a, b) => statSync(b).size - statSync(a).size)) {
    const lightest = shards.reduce((a, b) => (b.size < a.size ? b : a));
    lightest.files.push(file);
    lightest.size += statSync(file).size;
  }
  const codes = await Promise.all(
    shards.map(async (shard) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', join('scripts', 'unit-shard.js'), ...shard.files], { stdio: ['ignore', 'pipe', 'pipe'], env });
      const out = [];
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => out.push(chunk));
      const code = await exitCode(child);
      process.stdout.write(Buffer.concat(out));
      return code;
    }),
  );
  return codes.find((c) => c !== 0) ?? 0;
}

let code;
if (unit && only.length === 0) {
  process.stdout.write(`unit set: ${files.length} files on SQLite, in two processes\n`);
  code = await runShards(files);
} else {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { stdio: 'inherit', env });
  code = await exitCode(child);
}
cluster?.stop();
process.exit(code);
