import { setTimeout as delay } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { memoryIo } from '../../src/cli/test-io.ts';
import { startSluice } from '../support/sluice-process.ts';
import { API_VERSION } from '../support/api-client.ts';

export const REPO = resolve(import.meta.dirname, '../..');
const ENTRY = join(REPO, 'src/cli/main.ts');
export const VERSION_QUERY = API_VERSION;

export type Server = Awaited<ReturnType<typeof startSluice>>;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A real server plus a CLI environment with its own config dir, logged in as the administrator. */
export async function startWithCli(): Promise<{ server: Server; env: NodeJS.ProcessEnv; cli: (...argv: string[]) => Promise<Result> }> {
  const server = await startSluice();
  const env = cliEnv();
  const cli = (...argv: string[]): Promise<Result> => runCli(argv, { env });
  const login = await cli('login', '--endpoint', server.url, '--apikey', server.adminApiKey);
  if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
  return { server, env, cli };
}

/** A fresh config dir; TZ pinned so local times in tables are predictable. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { SLUICE_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'sluice-cli-')), TZ: 'UTC', ...extra };
}

/** The CLI in process, with captured output (fast; used for most checks). */
export async function runCli(argv: string[], options: { env: NodeJS.ProcessEnv; stdin?: string[]; tty?: boolean; signal?: AbortSignal }): Promise<Result> {
  const m = memoryIo(options);
  const code = await main(argv, m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Waits for a child to exit, killing it if the deadline passes first. */
function collect(child: ReturnType<typeof spawn>, deadlineMs: number): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not finish within ${deadlineMs} ms; stdout so far: ${stdout}`));
    }, deadlineMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The CLI as a real process with piped (non-TTY) stdin. */
export function spawnCli(argv: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...argv], { env: { ...process.env, ...env }, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input);
  return collect(child, 30_000);
}

/**
 * The CLI on a real pseudo-terminal via util-linux `script`: `input` is typed into the terminal,
 * `null` sends end-of-file (script forwards it when its stdin closes). stdout carries the whole
 * terminal transcript, with CRLF line ends.
 */
export function runInPty(argv: string[], env: NodeJS.ProcessEnv, input: string | null): Promise<Result> {
  const command = [process.execPath, '--import', 'tsx', ENTRY, ...argv].map(shellQuote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input ?? '');
  return collect(child, 30_000).then((r) => ({ ...r, stdout: r.stdout.replace(/\r\n/g, '\n') }));
}

/** Direct API access (raw fetch, not the CLI's client) to compare the CLI's output with. */
export async function apiAs(server: Server) {
  const form = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: server.adminApiKey });
  const tokenResponse = await fetch(`${server.url}/identity/token`, { method: 'POST', body: form });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const separator = path.includes('?') ? '&' : '?';
    const response = await fetch(`${server.url}${path}${separator}${VERSION_QUERY}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

/** Polls `check` until it returns a value, or fails at the deadline. */
export async function eventually<T>(check: () => Promise<T | undefined>, deadlineMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/**
 * Runs a long-lived verb (`--watch`) in process and stops it (as Ctrl-C would) once its output
 * satisfies `until`; fails if that does not happen before the deadline.
 */
export async function runCliUntil(argv: string[], env: NodeJS.ProcessEnv, until: (stdout: string) => boolean, deadlineMs = 15_000): Promise<Result> {
  const controller = new AbortController();
  const m = memoryIo({ env, signal: controller.signal });
  let stdout = '';
  m.io.stdout = {
    isTTY: false,
    write: (chunk: string) => {
      stdout += chunk;
      if (until(stdout)) controller.abort();
    },
  };
  const timer = setTimeout(() => controller.abort(new Error('deadline')), deadlineMs);
  const code = await main(argv, m.io);
  clearTimeout(timer);
  if (controller.signal.reason instanceof Error && controller.signal.reason.message === 'deadline') throw new Error(`no matching output within ${deadlineMs} ms: ${stdout}`);
  return { code, stdout, stderr: m.stderr() };
}
