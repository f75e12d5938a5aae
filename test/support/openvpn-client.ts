import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realOpenVpnSkipReason } from './real-openvpn.ts';

export { freeUdpPort } from './real-openvpn.ts';

/**
 * A stock `openvpn` client started from a profile the API handed out. `--dev null` with
 * `--ifconfig-noexec --route-noexec` on the command line (the profile stays as users get it):
 * nothing is configured on this machine and nothing is sent through the tunnel.
 */
export interface VpnClientProcess {
  pid: number;
  /** Resolves on "Initialization Sequence Completed". */
  connected(timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
  isRunning(): boolean;
  output(): string;
  stop(): Promise<void>;
}

export interface VpnClientOptions {
  /**
   * Keep retrying as a user's client does (the profile's defaults). Otherwise the client gives up
   * after its first failed connection attempt, which keeps failure tests short.
   */
  persistent?: boolean;
  /**
   * Run with a real tun device inside this network namespace (the data-plane suite): the profile's
   * `dev tun` and pushed routes are used as a user's client would.
   */
  netns?: string;
  /** More command-line flags, last so they override the defaults (the profile stays as the API handed it out). */
  extraArgs?: string[];
}

export function startVpnClient(profile: string, credentials?: { username: string; password: string }, options: VpnClientOptions = {}): VpnClientProcess {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-client-'));
  const config = join(dir, 'client.ovpn');
  writeFileSync(config, profile, { mode: 0o600 });
  const local = options.netns ? [] : ['--dev', 'null', '--ifconfig-noexec', '--route-noexec'];
  const args = ['--config', config, ...local, '--verb', '3'];
  if (!options.persistent) args.push('--connect-retry-max', '1', '--resolv-retry', '0');
  if (credentials) {
    const auth = join(dir, 'auth.txt');
    writeFileSync(auth, `${credentials.username}\n${credentials.password}\n`, { mode: 0o600 });
    args.push('--auth-user-pass', auth);
  }
  args.push(...(options.extraArgs ?? []));
  const [binary = 'openvpn', ...argv] = options.netns ? ['ip', 'netns', 'exec', options.netns, 'openvpn', ...args] : ['openvpn', ...args];
  const child: ChildProcess = spawn(binary, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let running = true;
  const onData = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running = false;
      rmSync(dir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return {
    pid: child.pid ?? 0,
    exited,
    isRunning: () => running,
    output: () => output,
    connected: (timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`openvpn client did not connect within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const check = (): void => {
          if (output.includes('Initialization Sequence Completed')) {
            clearTimeout(deadline);
            resolve();
          }
        };
        child.stdout?.on('data', check);
        check();
        void exited.then(() => {
          clearTimeout(deadline);
          reject(new Error(`openvpn client exited before connecting:\n${output}`));
        });
      }),
    /** SIGTERM, and SIGKILL if it is still there 5 s later, so a stuck client cannot hang cleanup. */
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(escalate);
    },
  };
}

/** OpenVPN is needed: under CI its absence is a failure, elsewhere the suite says it did not run. */
export const openvpnAvailable = (): boolean => realOpenVpnSkipReason() === undefined;

/** Polls `probe` until it returns a value that is not undefined, or fails at the deadline. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
