/**
 * A fake OpenVPN 2.6 management interface on a unix socket, for tests and load benchmarks. It
 * speaks the real protocol (framing, `>CLIENT:` blocks, the replies OpenVPN gives) as recorded from
 * OpenVPN 2.6.14 (test/fixtures/management/); fake-management.test.ts replays that recording so the
 * fake cannot drift from the real thing.
 *
 * Like OpenVPN it serves one management client at a time (others wait silently) and drops events
 * raised while nobody is attached. Output is batched per tick and written in large chunks so
 * 10 000-session bursts stay cheap.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectText, disconnectText, establishedText, poolIpFor, status3Lines } from './management-transcript.ts';
import type { ClientIdentity } from './management-transcript.ts';

export interface FakeManagementOptions {
  /** Defaults to a fresh 0700 temp dir. */
  socketPath?: string;
  /** Start held, like `--management-hold` (status 3 is refused until `hold release`). */
  hold?: boolean;
  /** Unix seconds; identifies the "process" epoch in client ENV. */
  daemonStartTime?: number;
  daemonPid?: number;
  /** Emit ADDRESS + ESTABLISHED right after a successful client-auth(-nt). Default true. */
  autoEstablish?: boolean;
  /** Delay between client-kill's SUCCESS and the DISCONNECT. Real OpenVPN: ≈ 5 s. Default 0. */
  killDisconnectDelayMs?: number;
}

export type FakeClientState = 'pending' | 'established';

export interface FakeClient extends ClientIdentity {
  kid: number;
  state: FakeClientState;
  bytesSent: number;
  bytesReceived: number;
}

export interface KillRecord {
  cid: number;
  message: string | undefined;
}

const HELLO = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n";
const VERSION_LINES = [
  'OpenVPN Version: OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]',
  'Management Version: 5',
];

export class FakeManagementServer {
  readonly socketPath: string;
  /** Every command line received, in order (client-auth config lines included). */
  readonly commands: string[] = [];
  readonly kills: KillRecord[] = [];
  readonly clients = new Map<number, FakeClient>();
  /** What `log all` answers: `<unix seconds>,<flags>,<message>` lines, as OpenVPN keeps them. */
  readonly logHistory: string[] = [];
  held: boolean;
  daemonStartTime: number;
  stateOn = false;
  private readonly options: FakeManagementOptions;
  private readonly server: net.Server;
  private readonly ownedDir: string | undefined;
  private active: net.Socket | undefined;
  private readonly waiting: net.Socket[] = [];
  private nextCid = 0;
  private out: string[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private inbound = '';
  private multiline: { header: string; cid: number; kid: number; body: string[] } | undefined;
  private readonly commandWaiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(options: FakeManagementOptions, socketPath: string, ownedDir: string | undefined) {
    this.options = options;
    this.socketPath = socketPath;
    this.ownedDir = ownedDir;
    this.held = options.hold ?? true;
    this.daemonStartTime = options.daemonStartTime ?? Math.floor(Date.now() / 1000);
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  static async start(options: FakeManagementOptions = {}): Promise<FakeManagementServer> {
    let ownedDir: string | undefined;
    let socketPath = options.socketPath;
    if (socketPath === undefined) {
      ownedDir = mkdtempSync(path.join(tmpdir(), 'sluice-fake-mgmt-'));
      socketPath = path.join(ownedDir, 'management.sock');
    }
    const fake = new FakeManagementServer(options, socketPath, ownedDir);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(socketPath, () => resolve());
    });
    return fake;
  }

  get attached(): boolean {
    return this.active !== undefined;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.active?.destroy();
    for (const socket of this.waiting) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownedDir !== undefined) rmSync(this.ownedDir, { recursive: true, force: true });
  }

  /** Drops the management client, as OpenVPN does on `quit` or when it dies. */
  disconnectManager(): void {
    this.active?.destroy();
  }

  // ---- scripting: what "clients" do -------------------------------------------------------------

  /** A client connects and awaits an auth decision (emits `>CLIENT:CONNECT`). Returns its CID. */
  connectClient(identity: Partial<Omit<ClientIdentity, 'cid' | 'daemonStartTime'>> = {}): number {
    const cid = this.nextCid++;
    const client: FakeClient = {
      commonName: 'client',
      ip: '127.0.0.1',
      port: 30000 + (cid % 30000),
      poolIp: poolIpFor(cid),
      timeUnix: Math.floor(Date.now() / 1000),
      ...identity,
      kid: identity.kid ?? 1,
      cid,
      daemonStartTime: this.daemonStartTime,
      daemonPid: this.options.daemonPid ?? 4242,
      state: 'pending',
      bytesSent: 2171,
      bytesReceived: 2035,
    };
    this.clients.set(cid, client);
    this.write(connectText(client));
    return cid;
  }

  /** Renegotiation of a live session (emits `>CLIENT:REAUTH` with a new KID). */
  reauth(cid: number): void {
    const client = this.clients.get(cid);
    if (client === undefined) throw new Error(`no fake client ${cid}`);
    client.kid += 1;
    this.write(connectText(client, 'REAUTH'));
  }

  establish(cid: number): void {
    const client = this.clients.get(cid);
    if (client === undefined) throw new Error(`no fake client ${cid}`);
    client.state = 'established';
    this.write(establishedText(client));
  }

  /** The client goes away. `emptyEnv` mimics a denied or timed-out client. */
  disconnectClient(cid: number, emptyEnv = false): void {
    const client = this.clients.get(cid);
    if (client === undefined) return;
    this.clients.delete(cid);
    this.write(disconnectText(client, { sent: client.bytesSent, received: client.bytesReceived }, emptyEnv || client.state === 'pending'));
  }

  /**
   * N complete sessions, CONNECT→ESTABLISHED→DISCONNECT each, without waiting for auth decisions
   * (for load tests of event handling). Resolves when the bytes are handed to the socket.
   */
  async burst(count: number, identity: (index: number) => Partial<ClientIdentity> = (i) => ({ username: `user${i}`, commonName: `cn${i}` })): Promise<void> {
    for (let i = 0; i < count; i++) {
      const cid = this.connectClient(identity(i));
      this.establish(cid);
      this.disconnectClient(cid);
      if (this.outBytes > 1 << 20) await this.flushNow();
    }
    await this.flushNow();
  }

  /** In-process restart (SIGHUP): DISCONNECT all, RECONNECTING, HOLD, new epoch, CIDs from 0. */
  restart(newDaemonStartTime = this.daemonStartTime + 1): void {
    for (const cid of [...this.clients.keys()]) this.disconnectClient(cid);
    this.write(`>STATE:${newDaemonStartTime},RECONNECTING,SIGHUP,,,,,\r\n`);
    this.daemonStartTime = newDaemonStartTime;
    this.nextCid = 0;
    this.held = true;
    this.write('>HOLD:Waiting for hold release:0\r\n');
  }

  /** Writes raw protocol text (e.g. an event in the middle of something). */
  emitRaw(text: string): void {
    this.write(text);
  }

  /** Resolves with the first recorded command (past or future) matching, or rejects at the deadline. */
  waitForCommand(match: string | ((command: string) => boolean), timeoutMs = 5000): Promise<string> {
    const test = typeof match === 'string' ? (c: string) => c.startsWith(match) : match;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.commands.find(test);
        if (found === undefined) return false;
        this.commandWaiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.commandWaiters.delete(check);
        reject(new Error(`fake management: no command matching ${String(match)} within ${timeoutMs} ms; got ${JSON.stringify(this.commands.slice(-10))}`));
      }, timeoutMs);
      if (!check()) this.commandWaiters.add(check);
    });
  }

  // ---- protocol ---------------------------------------------------------------------------------

  private onConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    if (this.active !== undefined) {
      // OpenVPN queues a second management client silently until the first leaves.
      this.waiting.push(socket);
      socket.on('close', () => this.waiting.splice(this.waiting.indexOf(socket), 1));
      return;
    }
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    this.active = socket;
    this.inbound = '';
    this.multiline = undefined;
    this.stateOn = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      if (this.active !== socket) return;
      this.active = undefined;
      this.out = [];
      this.outBytes = 0;
      const next = this.waiting.shift();
      if (next !== undefined) this.attach(next);
    });
    this.write(HELLO);
    if (this.held) this.write('>HOLD:Waiting for hold release:0\r\n');
  }

  private onData(chunk: string): void {
    this.inbound += chunk;
    let newline = this.inbound.indexOf('\n');
    while (newline !== -1) {
      const line = this.inbound.slice(0, newline).replace(/\r$/, '');
      this.inbound = this.inbound.slice(newline + 1);
      this.commands.push(line);
      this.onCommand(line);
      newline = this.inbound.indexOf('\n');
    }
    for (const check of [...this.commandWaiters]) check();
  }

  private onCommand(line: string): void {
    if (this.multiline !== undefined) {
      if (line !== 'END') {
        this.multiline.body.push(line);
        return;
      }
      const { cid, kid } = this.multiline;
      this.multiline = undefined;
      this.answerAuth(cid, kid);
      return;
    }
    const args = tokenize(line);
    const [name, a1, a2] = args;
    switch (name) {
      case undefined:
        return;
      case 'hold':
        if (a1 === 'release') {
          this.held = false;
          this.reply('SUCCESS: hold release succeeded');
          if (this.stateOn) this.write(`>STATE:${this.daemonStartTime},CONNECTED,SUCCESS,10.99.0.1,,,,\r\n`);
        } else {
          this.reply(`SUCCESS: hold=${this.held ? 1 : 0}`);
        }
        return;
      case 'state':
        if (a1 === 'on') {
          this.stateOn = true;
          this.reply('SUCCESS: real-time state notification set to ON');
        } else if (a1 === 'off') {
          this.stateOn = false;
          this.reply('SUCCESS: real-time state notification set to OFF');
        } else {
          this.block([`${this.daemonStartTime},${this.held ? 'CONNECTING' : 'CONNECTED'},${this.held ? '' : 'SUCCESS'},${this.held ? '' : '10.99.0.1'},,,,`]);
        }
        return;
      case 'version':
        if (a1 === undefined) this.block(VERSION_LINES);
        return; // `version N`: no reply on 2.6
      case 'status':
        if (this.held) {
          this.reply("ERROR: The 'status' command is not supported by the current daemon mode");
          return;
        }
        this.block(this.statusLines().slice(0, -1));
        return;
      case 'pid':
        this.reply(`SUCCESS: pid=${this.options.daemonPid ?? 4242}`);
        return;
      case 'log':
        if (a1 === 'all') this.block(this.logHistory);
        else if (a1 !== undefined && /^\d+$/.test(a1)) this.block(this.logHistory.slice(-Number(a1)));
        else if (a1 === 'on' || a1 === 'off') this.reply(`SUCCESS: real-time log notification set to ${a1.toUpperCase()}`);
        else this.reply('ERROR: log parameter must be "on", "off", "all", or a number');
        return;
      case 'load-stats':
        this.reply(`SUCCESS: nclients=${this.clients.size},bytesin=0,bytesout=0`);
        return;
      case 'bytecount':
        this.reply('SUCCESS: bytecount interval changed');
        return;
      case 'env-filter':
        this.reply(`SUCCESS: env_filter_level=${a1 ?? '0'}`);
        return;
      case 'client-auth-nt':
        this.answerAuth(Number(a1), Number(a2));
        return;
      case 'client-auth':
        this.multiline = { header: line, cid: Number(a1), kid: Number(a2), body: [] };
        return;
      case 'client-deny': {
        const client = this.clients.get(Number(a1));
        if (client === undefined || client.state !== 'pending' || client.kid !== Number(a2)) {
          this.reply('ERROR: client-deny command failed');
          return;
        }
        this.reply('SUCCESS: client-deny command succeeded');
        this.disconnectClient(client.cid, true);
        return;
      }
      case 'client-kill': {
        const cid = Number(a1);
        if (!this.clients.has(cid)) {
          this.reply('ERROR: client-kill command failed');
          return;
        }
        this.kills.push({ cid, message: a2 });
        this.reply('SUCCESS: client-kill command succeeded');
        this.later(this.options.killDisconnectDelayMs ?? 0, () => this.disconnectClient(cid));
        return;
      }
      case 'kill':
        this.killByName(a1 ?? '');
        return;
      case 'signal':
        this.reply(`SUCCESS: signal ${a1 ?? ''} thrown`);
        if (a1 === 'SIGHUP' || a1 === 'SIGUSR1') this.later(0, () => this.restart());
        return;
      case 'help':
        this.block(['Management Interface for OpenVPN 2.6.14 (fake)', 'Commands:', 'help                   : Print this message.']);
        return;
      case 'quit':
      case 'exit':
        this.active?.end();
        return;
      default:
        this.reply("ERROR: unknown command, enter 'help' for more options");
    }
  }

  /**
   * `kill IP:port` ends every instance at that real address at once (a DISCONNECT follows, not
   * after the 5 s of client-kill); `kill <cn>` finds nobody here. Replies as OpenVPN 2.6.14 gives them.
   */
  private killByName(victim: string): void {
    // OpenVPN splits at the first two colons: IP:port when both parts are there, else a common name.
    const [p1 = '', p2 = ''] = victim.split(':');
    if (p1 === '') {
      this.reply('ERROR: kill parse');
      return;
    }
    if (p2 === '') {
      this.reply(`ERROR: common name '${p1}' not found`);
      return;
    }
    const octets = p1.split('.');
    if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
      this.reply(`ERROR: error parsing IP address: ${p1}`);
      return;
    }
    const port = Number.parseInt(p2, 10) || 0;
    if (port <= 0 || port >= 65536) {
      this.reply(`ERROR: port number is out of range: ${p2}`);
      return;
    }
    const ip = octets.map(Number).join('.');
    const victims = [...this.clients.values()].filter((c) => (c.ip ?? '127.0.0.1') === ip && (c.port ?? 0) === port);
    if (victims.length === 0) {
      this.reply(`ERROR: client at address ${ip}:${port} not found`);
      return;
    }
    this.reply(`SUCCESS: ${victims.length} client(s) at address ${ip}:${port} killed`);
    for (const c of victims) this.disconnectClient(c.cid);
  }

  private answerAuth(cid: number, kid: number): void {
    const client = this.clients.get(cid);
    if (client === undefined || client.kid !== kid) {
      this.reply('ERROR: client-auth command failed');
      return;
    }
    this.reply('SUCCESS: client-auth command succeeded');
    if ((this.options.autoEstablish ?? true) && client.state === 'pending') this.establish(cid);
  }

  /** status 3 lines (END included) for the current clients. */
  statusLines(): string[] {
    const rows = [...this.clients.values()].map((c) => ({
      cid: c.cid,
      commonName: c.commonName,
      realAddress: `${c.ip ?? '127.0.0.1'}:${c.port ?? 0}`,
      virtualAddress: c.state === 'established' ? c.poolIp : undefined,
      bytesReceived: c.bytesReceived,
      bytesSent: c.bytesSent,
      connectedSince: c.timeUnix ?? this.daemonStartTime,
      username: c.username,
    }));
    return status3Lines(rows, Math.floor(Date.now() / 1000));
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private reply(line: string): void {
    this.write(`${line}\r\n`);
  }

  private block(lines: readonly string[]): void {
    this.write(`${lines.join('\r\n')}${lines.length > 0 ? '\r\n' : ''}END\r\n`);
  }

  private write(text: string): void {
    if (this.active === undefined) return; // like OpenVPN: nobody attached, the event is lost
    this.out.push(text);
    this.outBytes += text.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): boolean {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.active === undefined) return true;
    const text = this.out.join('');
    this.out = [];
    this.outBytes = 0;
    return this.active.write(text);
  }

  private async flushNow(): Promise<void> {
    const socket = this.active;
    if (!this.flush() && socket !== undefined) await new Promise<void>((resolve) => socket.once('drain', resolve));
  }
}

/** Splits a command line like OpenVPN's parser: whitespace-separated, `"…"` quoting, `\` escapes. */
export function tokenize(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (char === '\\' && i + 1 < line.length) {
      current += line[++i] ?? '';
      inToken = true;
    } else if (char === '"') {
      quoted = !quoted;
      inToken = true;
    } else if (!quoted && (char === ' ' || char === '\t')) {
      if (inToken) args.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (inToken) args.push(current);
  return args;
}
