/**
 * A throwaway network for the data-plane suite, made of network namespaces this test creates:
 *
 *   client-a  198.18.0.2/24 ─┐ bridge `wan`            ┌─ 198.18.1.2/24, .130   behind-1 (routes the
 *                            ├─ 198.18.0.1  gateway ───┤                        pool back: deliver)
 *   client-b  198.18.0.3/24 ─┘  (sluice serve, OpenVPN,└─ 198.18.2.2/24, 198.18.3.2/24  behind-2
 *                                nftables)                                 (no route back: translate)
 *
 * Addresses come only from 198.18.0.0/15 (underlay) and 100.64.0.0/10 (client pools); no namespace
 * is linked or routed to the host's interfaces, and nftables rules and sysctls change only inside
 * these namespaces. Names carry this process's pid; everything is removed by `destroy()`, on
 * process exit, and — for a run that was killed — by the next run (whose pid check finds it dead).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../../support/real-openvpn.ts';

export const ADDRESSES = {
  gatewayPublic: '198.18.0.1',
  clientA: '198.18.0.2',
  clientB: '198.18.0.3',
  gatewayToBehind1: '198.18.1.1',
  behind1: '198.18.1.2',
  behind1Dropped: '198.18.1.130',
  gatewayToBehind2: '198.18.2.1',
  behind2: '198.18.2.2',
  /** On behind-2 and routed there by the gateway, but no VPN route covers it. */
  unrouted: '198.18.3.2',
} as const;

const PREFIX = 'sldp';

/** Needs root, `ip`, `nft`, `openvpn`, `openssl`, /dev/net/tun. Under CI=true a missing part fails the run. */
export function dataplaneSuiteSkipReason(): string | undefined {
  const missing = ['ip', 'nft', 'openvpn', 'openssl'].filter((name) => findBinary(name) === undefined);
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  if (!existsSync('/dev/net/tun')) missing.push('/dev/net/tun');
  if (missing.length === 0) return undefined;
  const message = `DATA-PLANE TESTS NOT RUN: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true requires them; .ci/run installs nftables and iproute2)`);
  process.stderr.write(`\n*** ${message} — skipping ***\n\n`);
  return message;
}

const ours = { namespaces: new Set<string>(), pids: new Set<number>() };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills what runs in a namespace of ours (processes this test started there), then removes it. */
function removeNamespace(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  spawnSync('ip', ['netns', 'del', name]);
}

function cleanupSync(): void {
  for (const pid of ours.pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const name of ours.namespaces) removeNamespace(name);
  ours.namespaces.clear();
}

process.once('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanupSync();
    process.exit(1);
  });
}

/** Namespaces of an earlier run of this suite whose process is gone (killed before it could clean up). */
function sweepAbandoned(): void {
  const names = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)x[0-9a-f]+-`).exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) removeNamespace(name);
  }
}

/** A process started in a namespace of ours: killed on exit, or with the namespace. */
function spawnIn(namespace: string, command: string, args: readonly string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.pid !== undefined) ours.pids.add(child.pid);
  return child;
}

export interface ScratchNamespace {
  name: string;
  run(command: string, args: readonly string[], input?: string): string;
  /** A long-running process inside it (a net helper), killed with it. */
  spawn(command: string, args: readonly string[]): ChildProcess;
  remove(): void;
}

/** One empty network namespace of ours, for tests that need a kernel of their own but no network. */
export function scratchNamespace(): ScratchNamespace {
  sweepAbandoned();
  const name = `${PREFIX}${process.pid}x${randomBytes(3).toString('hex')}-k`;
  execFileSync('ip', ['netns', 'add', name]);
  ours.namespaces.add(name);
  return {
    name,
    run: (command, args, input) => execFileSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }),
    spawn: (command, args) => spawnIn(name, command, args),
    remove: () => {
      removeNamespace(name);
      ours.namespaces.delete(name);
    },
  };
}

/** Commands to the net helper running in one namespace. */
export class NetHelper {
  private readonly pending = new Map<number, (answer: Record<string, unknown>) => void>();
  private next = 1;
  readonly ready: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    let started: () => void = () => undefined;
    this.ready = new Promise((resolve) => (started = resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number } & Record<string, unknown>;
      if (answer.id === 0) return started();
      this.pending.get(answer.id)?.(answer);
      this.pending.delete(answer.id);
    });
  }

  async send<T = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<{ ok: boolean; error?: string } & T> {
    await this.ready;
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (answer: Record<string, unknown>) => void);
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** A TCP connection attempt: the address the server saw, or why it failed ('timeout' = dropped on the way). */
  connect(host: string, port: number, timeoutMs = 1500): Promise<{ ok: boolean; seen?: string; error?: string }> {
    return this.send('connect', { host, port, timeoutMs });
  }
}

const HELPER = fileURLToPath(new URL('./net-helper.mjs', import.meta.url));

/** The net helper, running inside a scratch namespace. */
export const netHelperIn = (namespace: ScratchNamespace): NetHelper => new NetHelper(namespace.spawn(process.execPath, [HELPER]));

export type Place = 'gateway' | 'clientA' | 'clientB' | 'behind1' | 'behind2';

export class Lab {
  readonly ns: Record<Place, string>;
  private readonly helpers = new Map<Place, NetHelper>();

  private constructor(readonly id: string) {
    this.ns = { gateway: `${id}-gw`, clientA: `${id}-ca`, clientB: `${id}-cb`, behind1: `${id}-b1`, behind2: `${id}-b2` };
  }

  static create(): Lab {
    sweepAbandoned();
    const lab = new Lab(`${PREFIX}${process.pid}x${randomBytes(3).toString('hex')}`);
    try {
      lab.build();
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  /** `ip …` inside the namespace of `place`. */
  ip(place: Place, ...args: string[]): string {
    return execFileSync('ip', ['-n', this.ns[place], ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** A command run inside the namespace of `place`; throws with its stderr when it fails. */
  run(place: Place, command: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.ns[place], command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** `nft …` in the gateway's namespace. */
  nft(...args: string[]): string {
    return this.run('gateway', 'nft', ...args);
  }

  /** The nf_tables tables in the gateway's namespace, as `family name`. */
  tables(): string[] {
    return this.nft('list', 'tables').split('\n').filter(Boolean).map((line) => line.replace(/^table /, ''));
  }

  /** A named counter of a table in the gateway (packets). */
  counter(table: string, name: string): number {
    const listing = JSON.parse(this.nft('-j', 'list', 'counter', 'inet', table, name)) as { nftables: { counter?: { packets: number } }[] };
    return listing.nftables.find((e) => e.counter)?.counter?.packets ?? -1;
  }

  /** The elements of a set of a table in the gateway. */
  setElements(table: string, set: string): string[] {
    const listing = JSON.parse(this.nft('-j', 'list', 'set', 'inet', table, set)) as { nftables: { set?: { elem?: string[] } }[] };
    return listing.nftables.find((e) => e.set)?.set?.elem ?? [];
  }

  helper(place: Place): NetHelper {
    let helper = this.helpers.get(place);
    if (!helper) {
      helper = new NetHelper(this.spawn(place, process.execPath, [HELPER]));
      this.helpers.set(place, helper);
    }
    return helper;
  }

  /** A process inside the namespace, killed with the lab. */
  spawn(place: Place, command: string, args: readonly string[]): ChildProcess {
    return spawnIn(this.ns[place], command, args);
  }

  /** Removes every namespace (their veths go with them) and kills what runs in them. */
  destroy(): void {
    for (const name of Object.values(this.ns)) {
      if (ours.namespaces.has(name)) {
        removeNamespace(name);
        ours.namespaces.delete(name);
      }
    }
  }

  private build(): void {
    for (const name of Object.values(this.ns)) {
      execFileSync('ip', ['netns', 'add', name]);
      ours.namespaces.add(name);
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    }
    const link = (a: Place, aName: string, aAddress: string, b: Place, bName: string, bAddress: string): void => {
      execFileSync('ip', ['link', 'add', aName, 'netns', this.ns[a], 'type', 'veth', 'peer', 'name', bName, 'netns', this.ns[b]]);
      this.ip(a, 'addr', 'add', aAddress, 'dev', aName);
      this.ip(b, 'addr', 'add', bAddress, 'dev', bName);
      this.ip(a, 'link', 'set', aName, 'up');
      this.ip(b, 'link', 'set', bName, 'up');
    };
    // Both clients on one segment with the gateway's public address, as on the internet: OpenVPN
    // answers every client from the address it was reached at.
    this.ip('gateway', 'link', 'add', 'wan', 'type', 'bridge');
    this.ip('gateway', 'addr', 'add', `${ADDRESSES.gatewayPublic}/24`, 'dev', 'wan');
    this.ip('gateway', 'link', 'set', 'wan', 'up');
    for (const [place, name, address] of [['clientA', 'ca', ADDRESSES.clientA], ['clientB', 'cb', ADDRESSES.clientB]] as const) {
      execFileSync('ip', ['link', 'add', 'eth0', 'netns', this.ns[place], 'type', 'veth', 'peer', 'name', name, 'netns', this.ns.gateway]);
      this.ip(place, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      this.ip(place, 'link', 'set', 'eth0', 'up');
      this.ip('gateway', 'link', 'set', name, 'master', 'wan', 'up');
      this.ip(place, 'route', 'add', 'default', 'via', ADDRESSES.gatewayPublic);
    }
    link('behind1', 'eth0', `${ADDRESSES.behind1}/24`, 'gateway', 'b1', `${ADDRESSES.gatewayToBehind1}/24`);
    link('behind2', 'eth0', `${ADDRESSES.behind2}/24`, 'gateway', 'b2', `${ADDRESSES.gatewayToBehind2}/24`);
    this.ip('behind1', 'addr', 'add', `${ADDRESSES.behind1Dropped}/24`, 'dev', 'eth0');
    this.ip('behind2', 'addr', 'add', `${ADDRESSES.unrouted}/24`, 'dev', 'eth0');
    // `deliver` needs the network behind to route the pool back; behind-2 deliberately does not.
    this.ip('behind1', 'route', 'add', '100.64.0.0/10', 'via', ADDRESSES.gatewayToBehind1);
    this.ip('gateway', 'route', 'add', '198.18.3.0/24', 'via', ADDRESSES.behind2);
    // The gateway host's own firewall, as a real one would have: nothing is forwarded from the
    // underlay side, so only the tunnel can carry clients' traffic to the networks behind.
    this.run('gateway', 'nft', 'add table inet lab_host; add chain inet lab_host forward { type filter hook forward priority filter; policy accept; }; add rule inet lab_host forward iifname "wan" drop');
  }
}
