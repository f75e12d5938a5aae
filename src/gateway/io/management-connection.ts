/**
 * The IO shell around ManagementCore: one unix-socket connection to one OpenVPN management
 * interface. It writes commands, feeds every byte to the core, settles command promises from the
 * core's replies and publishes events and session facts. It decides nothing about sessions.
 *
 * OpenVPN serves ONE management client at a time (a second is queued silently), so this object is
 * the single owner of its socket. Reconnecting is the caller's business: after `close`, create a
 * new connection (and reconcile, since events raised meanwhile are lost).
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import * as commands from '../core/commands.ts';
import type { EncodedCommand } from '../core/commands.ts';
import { ManagementClosedError, ManagementReplyError } from '../core/errors.ts';
import type { ManagementEvent } from '../core/events.ts';
import { ManagementCore } from '../core/management-core.ts';
import type { ManagementCoreOptions } from '../core/management-core.ts';
import type { AnomalyReason, CommandReply } from '../core/protocol.ts';
import type { SessionFact } from '../core/sessions.ts';
import type { FollowUp } from '../core/kill-followup.ts';
import { parseStatus } from '../core/status.ts';
import type { StatusSnapshot } from '../core/status.ts';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type AuthDecision =
  | { allow: true; /** Per-client config lines (sent with `client-auth`). */ config?: readonly string[] }
  | { allow: false; reason: string; /** Shown to the user's client. */ clientReason?: string };

export interface ManagementConnectionOptions extends ManagementCoreOptions {
  socketPath: string;
  clock?: Clock;
  /** Opens the socket; tests may substitute their own stream. */
  connect?: (socketPath: string) => Duplex;
  /** How often pending auth requests are checked for expiry. 0 disables the timer (call tick()). */
  tickIntervalMs?: number;
  /**
   * Answer `>HOLD` with `hold release` automatically. OpenVPN started with `--management-hold`
   * also waits for it after every in-process restart (SIGHUP/SIGUSR1), not only at start.
   */
  autoHoldRelease?: boolean;
  /** Milliseconds to wait for the socket to open. */
  connectTimeoutMs?: number;
  /** Sees every chunk read ('in') and written ('out'): debugging, transcript recording. */
  trace?: (direction: 'in' | 'out', text: string) => void;
}

export interface ManagementConnectionEvents {
  fact: SessionFact;
  event: ManagementEvent;
  anomaly: { reason: AnomalyReason; line: string };
  /** The socket closed; `error` says why when it was not our own close(). */
  close: { error: Error | undefined };
}

type Listener<T> = (value: T) => void;

interface Pending {
  command: string;
  resolve: (reply: CommandReply) => void;
  reject: (error: Error) => void;
}

export class ManagementConnection {
  readonly socketPath: string;
  private readonly core: ManagementCore;
  private readonly clock: Clock;
  private readonly options: ManagementConnectionOptions;
  private socket: Duplex | undefined;
  private closed = false;
  /** The socket whose writes of this turn wait to leave together (see writeCoalesced). */
  private corked: { socket: Duplex } | undefined;
  private closeError: Error | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: { [K in keyof ManagementConnectionEvents]: Set<Listener<ManagementConnectionEvents[K]>> } = {
    fact: new Set(),
    event: new Set(),
    anomaly: new Set(),
    close: new Set(),
  };
  private ticker: NodeJS.Timeout | undefined;

  constructor(options: ManagementConnectionOptions) {
    this.options = options;
    this.socketPath = options.socketPath;
    this.clock = options.clock ?? systemClock;
    this.core = new ManagementCore(options);
  }

  /** Opens the socket. Resolves once connected; events start flowing at once. */
  async connect(): Promise<void> {
    if (this.socket !== undefined) throw new Error('already connected');
    const open = this.options.connect ?? ((path: string) => net.createConnection({ path }));
    const socket = open(this.socketPath);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => this.shutdown(error));
    socket.on('close', () => this.shutdown(new ManagementClosedError('management socket closed by peer')));
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.connectTimeoutMs ?? 5000;
      const timer = setTimeout(() => reject(new Error(`management socket ${this.socketPath}: no connection after ${timeoutMs} ms`)), timeoutMs);
      const done = (error?: Error): void => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onConnect = (): void => done();
      const onClose = (): void => done(this.closeError ?? new ManagementClosedError());
      if (socket instanceof net.Socket && !socket.connecting) done();
      else {
        socket.once('connect', onConnect);
        socket.once('close', onClose);
      }
    }).catch((error: unknown) => {
      this.shutdown(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
    const interval = this.options.tickIntervalMs ?? 1000;
    if (interval > 0) {
      this.ticker = setInterval(() => this.tick(), interval);
      this.ticker.unref();
    }
  }

  /** Closes the socket; outstanding commands reject with ManagementClosedError. */
  close(): void {
    this.shutdown(undefined);
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.closed;
  }

  /** OpenVPN's daemon_start_time as the tracker knows it (the session key's epoch). */
  get processStart(): number | undefined {
    return this.core.tracker.processStart;
  }

  /** Whether this connection has heard of the client (its CONNECT or a later event). */
  tracks(cid: number): boolean {
    return this.core.tracker.tracks(cid);
  }

  /** Sets the epoch after re-attaching to a running process (known from the pid file). */
  setProcessStart(processStart: number): void {
    this.emitFacts(this.core.tracker.setProcessStart(processStart, this.clock.now()));
  }

  on<K extends keyof ManagementConnectionEvents>(name: K, listener: Listener<ManagementConnectionEvents[K]>): () => void {
    const set = this.listeners[name] as Set<Listener<ManagementConnectionEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Writes a command and resolves with its reply (ERROR replies resolve too, `ok: false`). */
  send(command: EncodedCommand): Promise<CommandReply> {
    if (!this.isOpen || this.socket === undefined) return Promise.reject(this.closeError ?? new ManagementClosedError('management connection is not open'));
    const id = this.core.expect(command.expect);
    const text = commands.wireText(command);
    this.options.trace?.('out', text);
    this.writeCoalesced(this.socket, text);
    if (id === undefined) return Promise.resolve({ ok: true, shape: 'line', text: '' });
    return new Promise((resolve, reject) => this.pending.set(id, { command: command.lines[0] ?? '', resolve, reject }));
  }

  /**
   * A batch of decisions is answered, and a batch of kills sent, in one burst of callbacks: the
   * commands of one burst leave in one write (corked until the next tick, or until releaseWrites).
   * A write each was a system call each, and every write woke OpenVPN, which then took a core from
   * the agent still writing the rest (forty kills of one commit left over 40 ms in chunks).
   */
  private writeCoalesced(socket: Duplex, text: string): void {
    if (this.corked?.socket !== socket) {
      this.releaseWrites();
      const corked = { socket };
      this.corked = corked;
      socket.cork();
      process.nextTick(() => {
        if (this.corked === corked) this.releaseWrites();
      });
    }
    socket.write(text);
  }

  /**
   * Sends what this turn wrote so far at once instead of at the turn's end. The end of the turn
   * can be far: a kill written after its intent's commit would otherwise wait for the rest of the
   * request (the answer, the audit row) before it left.
   */
  releaseWrites(): void {
    const corked = this.corked;
    this.corked = undefined;
    corked?.socket.uncork();
  }

  /** Sends a command and throws ManagementReplyError on `ERROR:`. */
  async run(command: EncodedCommand): Promise<CommandReply & { ok: true }> {
    const reply = await this.send(command);
    if (!reply.ok) throw new ManagementReplyError(command.lines[0] ?? '', reply.text);
    return reply;
  }

  async holdRelease(): Promise<void> {
    await this.run(commands.holdRelease());
  }

  async stateOn(): Promise<void> {
    await this.run(commands.stateOn());
  }

  async status(): Promise<StatusSnapshot> {
    const reply = await this.run(commands.statusV3());
    const snapshot = parseStatus(reply.shape === 'block' ? reply.lines : [reply.text]);
    // Sessions that began before this connection have no events here; `status` has their address.
    this.core.tracker.noteListedAddresses(
      snapshot.clients.flatMap((client) => (client.realAddress?.port === undefined ? [] : [{ cid: client.cid, address: `${client.realAddress.ip}:${client.realAddress.port}` }])),
    );
    return snapshot;
  }

  /** OpenVPN's log history (`log all`): what it logged, with times, also while nobody was attached. */
  async logHistory(): Promise<string[]> {
    const reply = await this.run(commands.logHistory());
    return reply.shape === 'block' ? reply.lines : [];
  }

  async pid(): Promise<number> {
    const reply = await this.run(commands.pid());
    const match = reply.shape === 'line' ? /pid=(\d+)/.exec(reply.text) : null;
    if (match?.[1] === undefined) throw new ManagementReplyError('pid', reply.shape === 'line' ? reply.text : 'block');
    return Number(match[1]);
  }

  /**
   * Ends a session and tells the client to exit, not reconnect (`client-kill CID HALT,<reason>`).
   * With `killGraceMs` set, a `kill IP:port` follow-up is due that long after (see sendFollowUps).
   */
  async killClient(cid: number, reason: string): Promise<void> {
    await this.run(commands.clientKill(cid, reason, 'HALT'));
    this.core.halted(cid, this.clock.now());
  }

  /** Milliseconds until the next follow-up kill is due; undefined when none is pending. */
  followUpDelayMs(): number | undefined {
    const at = this.core.followUps?.nextDueAt();
    return at === undefined ? undefined : Math.max(0, at - this.clock.now());
  }

  /**
   * Sends the follow-up kills due now (`kill IP:port`, only for sessions still at their address).
   * Resolves with what was sent; a refusal (the instance ended meanwhile) is no failure.
   */
  async sendFollowUps(): Promise<FollowUp[]> {
    const due = this.core.dueFollowUps(this.clock.now());
    await Promise.all(due.map((followUp) => this.send(followUp.command).catch(() => undefined)));
    return due;
  }

  /** Ends a session or attempt and tells the client to connect again at once (`RESTART`). */
  async restartClient(cid: number, reason: string): Promise<void> {
    await this.run(commands.clientKill(cid, reason, 'RESTART'));
  }

  /** Answers an auth_request. */
  async authorize(cid: number, kid: number, decision: AuthDecision): Promise<void> {
    const command = decision.allow
      ? decision.config === undefined || decision.config.length === 0
        ? commands.clientAuthNt(cid, kid)
        : commands.clientAuth(cid, kid, decision.config)
      : commands.clientDeny(cid, kid, decision.reason, decision.clientReason);
    this.core.tracker.authAnswered(cid);
    await this.run(command);
  }

  /** Expires unanswered auth requests; called by the internal timer or by tests. */
  tick(): void {
    this.emitFacts(this.core.tick(this.clock.now()));
  }

  private onData(chunk: Buffer): void {
    this.options.trace?.('in', chunk.toString('utf8'));
    const out = this.core.receive(chunk, this.clock.now());
    for (const { id, reply } of out.replies) {
      const pending = this.pending.get(id);
      if (pending === undefined) continue;
      this.pending.delete(id);
      pending.resolve(reply);
    }
    for (const event of out.events) {
      this.emit('event', event);
      if (event.type === 'hold' && (this.options.autoHoldRelease ?? true)) {
        this.send(commands.holdRelease()).catch(() => undefined);
      }
    }
    this.emitFacts(out.facts);
    for (const anomaly of out.anomalies) this.emit('anomaly', anomaly);
  }

  private emitFacts(facts: SessionFact[]): void {
    for (const fact of facts) this.emit('fact', fact);
  }

  private emit<K extends keyof ManagementConnectionEvents>(name: K, value: ManagementConnectionEvents[K]): void {
    for (const listener of this.listeners[name] as Set<Listener<ManagementConnectionEvents[K]>>) listener(value);
  }

  private shutdown(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error ?? new ManagementClosedError();
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.core.followUps?.clear();
    this.socket?.destroy();
    this.core.protocol.reset();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) entry.reject(new ManagementClosedError(`management connection closed before "${entry.command}" was answered`));
    this.emit('close', { error });
  }
}
