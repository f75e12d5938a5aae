/**
 * Runs one `openvpn` server process: spawn (optionally detached, with a pid file, so it outlives
 * the agent and the control plane can restart without dropping VPN users), re-attach by pid after
 * an agent restart, stop by pid (SIGTERM, then SIGKILL after a deadline), report exit.
 *
 * Only mechanics live here; when to (re)start is decided by core/supervisor.ts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, fchmodSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** `openvpn` binary. */
  binary?: string;
  configPath: string;
  /** Extra command-line args, after `--config` (e.g. `--ifconfig-noexec --route-noexec`). */
  extraArgs?: readonly string[];
  cwd?: string;
  /** Let the process outlive this one (own session, no stdio ties). Needs `pidFile` to re-attach. */
  detached?: boolean;
  pidFile?: string;
  /** Where openvpn's stdout/stderr go: a log file (recommended when detached) or 'pipe'. */
  logFile?: string;
  /** Poll interval for noticing the exit of an adopted (non-child) process. */
  pollIntervalMs?: number;
}

export interface PidFileContent {
  pid: number;
  configPath: string;
  /** OpenVPN's daemon_start_time once known (written by the agent), to key sessions after re-attach. */
  processStart?: number;
}

export class OpenVpnProcess {
  readonly pid: number;
  readonly configPath: string;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ExitInfo>;
  /** Captured output when not detached and no log file was given (bounded, last 64 KiB). */
  private output = '';
  private child: ChildProcess | undefined;
  private exitInfo: ExitInfo | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  private constructor(pid: number, configPath: string, child: ChildProcess | undefined, pollIntervalMs: number) {
    this.pid = pid;
    this.configPath = configPath;
    this.child = child;
    this.exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (this.exitInfo !== undefined) return;
        this.exitInfo = info;
        if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
        resolve(info);
      };
      if (child !== undefined) {
        child.once('exit', (code, signal) => finish({ code, signal }));
      } else {
        // Not our child: no exit event, poll liveness. Exit code is unknowable here.
        this.pollTimer = setInterval(() => {
          if (!isAlive(pid)) finish({ code: null, signal: null });
        }, pollIntervalMs);
        this.pollTimer.unref();
      }
    });
  }

  /** Starts openvpn. Rejects if the binary cannot be spawned at all. */
  static async spawn(options: SpawnOptions): Promise<OpenVpnProcess> {
    const args = ['--config', options.configPath, ...(options.extraArgs ?? [])];
    const detached = options.detached ?? false;
    let logFd: number | undefined;
    if (options.logFile !== undefined) {
      // Owner-only: OpenVPN logs client names and addresses. fchmod covers a file made before.
      logFd = openSync(options.logFile, 'a', 0o600);
      fchmodSync(logFd, 0o600);
    }
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', logFd ?? (detached ? 'ignore' : 'pipe'), logFd ?? (detached ? 'ignore' : 'pipe')];
    const child = spawn(options.binary ?? 'openvpn', args, { cwd: options.cwd, detached, stdio });
    // The child holds its own copy of the descriptor.
    if (logFd !== undefined) closeSync(logFd);
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        if (child.pid === undefined) reject(new Error('openvpn spawned without a pid'));
        else resolve(child.pid);
      });
    });
    const process_ = new OpenVpnProcess(pid, options.configPath, child, options.pollIntervalMs ?? 200);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        process_.output = (process_.output + text).slice(-64 * 1024);
      });
    }
    if (detached) child.unref();
    if (options.pidFile !== undefined) writePidFile(options.pidFile, { pid, configPath: options.configPath });
    return process_;
  }

  /**
   * Re-attaches to a process started earlier (by a previous agent) from its pid file. Returns
   * undefined when the file is missing or the pid is no longer that openvpn (dead or reused).
   */
  static async adopt(pidFile: string, options: { pollIntervalMs?: number } = {}): Promise<{ process: OpenVpnProcess; pidFile: PidFileContent } | undefined> {
    const content = readPidFile(pidFile);
    if (content === undefined) return undefined;
    if (!(await isOpenVpnWithConfig(content.pid, content.configPath))) return undefined;
    return { process: new OpenVpnProcess(content.pid, content.configPath, undefined, options.pollIntervalMs ?? 200), pidFile: content };
  }

  get exitStatus(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Recent stdout/stderr (only when spawned non-detached without a log file). */
  get recentOutput(): string {
    return this.output;
  }

  signal(signal: NodeJS.Signals): boolean {
    if (this.exitInfo !== undefined) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL if still running after `timeoutMs`. Resolves with the exit. */
  async stop(timeoutMs = 10_000): Promise<ExitInfo> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([this.exited, deadline]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    this.signal('SIGKILL');
    return this.exited;
  }
}

export function writePidFile(file: string, content: PidFileContent): void {
  writeFileSync(file, `${JSON.stringify(content)}\n`, { mode: 0o600 });
}

export function readPidFile(file: string): PidFileContent | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, configPath, processStart } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof configPath !== 'string') return undefined;
    return typeof processStart === 'number' ? { pid, configPath, processStart } : { pid, configPath };
  } catch {
    return undefined;
  }
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against pid reuse: the pid must be an openvpn whose command line names our config. */
async function isOpenVpnWithConfig(pid: number, configPath: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    // argv[0] is openvpn, or an interpreter running a script called openvpn (test stubs).
    return argv.slice(0, 2).some((arg) => path.basename(arg) === 'openvpn') && argv.includes(configPath);
  } catch {
    return false;
  }
}
