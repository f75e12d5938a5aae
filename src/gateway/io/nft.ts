/**
 * The `nft` binary (Debian's nftables package) as the IO shell of the data plane: scripts in on
 * stdin (`nft -f -`, one file = one kernel transaction, all or nothing), listings out as JSON.
 * It decides nothing; what to apply is rendered by src/gateway/dataplane/.
 *
 * No maintained npm library speaks nf_tables netlink: rules are expression bytecode whose only
 * maintained encoder is libnftables itself, which the binary wraps together with its language,
 * atomic file transactions and JSON listings.
 */
import { spawn } from 'node:child_process';

export type NftFailure = 'missing' | 'permission' | 'rejected' | 'timeout';

export class NftError extends Error {
  constructor(
    readonly failure: NftFailure,
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'NftError';
  }
}

export interface NftOptions {
  /** The command that runs nft: `['nft']`, or a wrapper such as `['ip', 'netns', 'exec', 'ns1', 'nft']`. */
  command?: readonly string[];
  /** A run taking longer is killed and fails. */
  timeoutMs?: number;
}

const PERMISSION = /Operation not permitted|Permission denied/;

export class Nft {
  private readonly command: readonly string[];
  private readonly timeoutMs: number;

  constructor(options: NftOptions = {}) {
    this.command = options.command ?? ['nft'];
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** What the command is, for messages (`nft`, `/usr/sbin/nft`). */
  get describe(): string {
    return this.command.join(' ');
  }

  /** Applies a script as one transaction. */
  async apply(script: string): Promise<void> {
    await this.run(['-f', '-'], script);
  }

  /** `nft -j list …` parsed. */
  async listJson(...what: string[]): Promise<unknown> {
    const out = await this.run(['-j', 'list', ...what]);
    try {
      return JSON.parse(out) as unknown;
    } catch {
      throw new NftError('rejected', `${this.describe} -j list ${what.join(' ')} printed no JSON`, out.slice(0, 200));
    }
  }

  /** `nft list …` as nft prints it. */
  async listText(...what: string[]): Promise<string> {
    return this.run(['list', ...what]);
  }

  /** `nft --version`: proves the binary runs (it needs no privilege). */
  async version(): Promise<string> {
    return (await this.run(['--version'])).trim();
  }

  private run(args: readonly string[], input?: string): Promise<string> {
    const [binary = 'nft', ...prefix] = this.command;
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [...prefix, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new NftError('timeout', `${this.describe} ${args.join(' ')} took longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(error.code === 'ENOENT' ? new NftError('missing', `${binary} was not found (install Debian's nftables package)`) : new NftError('rejected', `${this.describe}: ${error.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) return resolve(stdout);
        const first = stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${String(code)}`;
        if (PERMISSION.test(stderr)) reject(new NftError('permission', `${this.describe} may not change the packet filter (${first.trim()}): it needs CAP_NET_ADMIN`, stderr));
        else reject(new NftError('rejected', `${this.describe} ${args[0] === '-f' ? 'refused the ruleset' : `${args.join(' ')} failed`}: ${first.trim()}`, stderr));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }
}
