import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { AgentReply, AgentRequest, ControlNotice, ControlPlaneChannel } from '../channel.ts';
import { closeReason, encodeFrame, FrameError, parseControlFrame, SUPERSEDED_REQUESTS, TIMED_REQUESTS, type ControlFrame, type ReplyError } from './wire.ts';

export const GATEWAY_CONNECT_PATH = '/gateway/connect';
const DEFAULT_HEARTBEAT_MS = 5000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5000 };
const MAX_WAITING = 100_000;
/** The control plane takes frames up to 1 MiB; a larger request would be refused on every re-send. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Replies (a server spec, stored sessions) may be larger than requests; this only bounds a runaway peer. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

export interface RemoteControlPlaneOptions {
  /**
   * http(s):// base of the control plane; the socket goes to `${url}/gateway/connect` (ws:// or
   * wss://). Several (control-plane replicas without a balancer in front): each re-dial after a
   * failure tries the next.
   */
  url: string | readonly string[];
  /** Sent as `Authorization: Bearer <credential>`; never logged. */
  credential: string;
  /** This agent's software version, told to the control plane in the hello. */
  version: string;
  /** Trust this CA (PEM) for a wss:// control plane with a self-signed certificate. */
  caPem?: string;
  log: Logger;
  /** The control plane pings this often; silence for three times as long ends the socket. */
  heartbeatMs?: number;
  /** Reads and decisions fail after this long unanswered (default 30 s); facts never time out. */
  requestTimeoutMs?: number;
  /** Re-dial delays: doubling from initialMs up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** Requests waiting for a reply before superseded reports are dropped (default 100 000). */
  maxWaiting?: number;
}

/** `http(s)://host[/base]` → `ws(s)://host[/base]/gateway/connect`. */
function socketUrl(url: string): string {
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`control plane URL must be http:// or https://, not ${base.protocol}`);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${GATEWAY_CONNECT_PATH}`;
  base.search = '';
  base.hash = '';
  return base.toString();
}

/** The control plane answered a request with an error, or the request could not be carried. */
export class RemoteRequestError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'RemoteRequestError';
    this.code = code;
  }
}

interface Waiting {
  id: number;
  request: AgentRequest;
  /** The request frame, encoded once and re-sent as is. */
  frame: string;
  resolve(reply: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The agent's end of the channel to a control plane on another host: a WebSocket it dials out to
 * (no inbound port on the gateway), re-dialled with backoff whenever it drops.
 *
 * Requests are resumable: each gets an id and waits, buffered, until its reply arrives; after a
 * reconnect every unanswered one is sent again in id order, and the control plane answers a
 * repeated id from its record instead of handling it twice. Reads and decisions time out
 * (`requestTimeoutMs`) so the agent's own retry or deny applies; facts wait for the control plane.
 * Notices sent while disconnected are lost by design: `onConnected` is the cue to re-read state.
 */
export class RemoteControlPlane implements ControlPlaneChannel {
  private readonly instance = randomUUID();
  private readonly endpoints: string[];
  /** Which of the endpoints is dialled now. */
  private current = 0;
  private readonly heartbeatMs: number;
  private readonly requestTimeoutMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly maxWaiting: number;
  private readonly log: Logger;

  private nextId = 1;
  /** Every unanswered request, in id order (ids only grow, so insertion order is id order). */
  private readonly waiting = new Map<number, Waiting>();
  /** The superseded kinds among them, oldest first: what goes when too many wait. */
  private readonly droppable = new Map<number, Waiting>();
  private dropping = false;

  private socket: WebSocket | undefined;
  private welcomed = false;
  private attempts = 0;
  private redialTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private refusal: string | undefined;
  /** A socket error was logged since the last welcome. */
  private quiet = false;
  private gateway: { gatewayId: string; name: string } | undefined;

  private readonly noticeListeners: ((notice: ControlNotice) => void)[] = [];
  private readonly connectedListeners: (() => void)[] = [];
  private readonly refusedListeners: ((reason: string) => void)[] = [];

  constructor(private readonly options: RemoteControlPlaneOptions) {
    this.endpoints = (typeof options.url === 'string' ? [options.url] : options.url).map(socketUrl);
    if (this.endpoints.length === 0) throw new Error('no control plane URL');
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.maxWaiting = options.maxWaiting ?? MAX_WAITING;
    this.log = options.log;
  }

  private get endpoint(): string {
    return this.endpoints[this.current % this.endpoints.length] ?? '';
  }

  /** Whether a welcomed socket is open: requests go out now rather than on the next connect. */
  get connected(): boolean {
    return this.welcomed && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Who the control plane took our credential for (from the last welcome). */
  get identity(): { gatewayId: string; name: string } | undefined {
    return this.gateway;
  }

  /** How many requests wait for a reply. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  onNotice(listener: (notice: ControlNotice) => void): void {
    this.noticeListeners.push(listener);
  }

  /** Called after each welcome: notices sent while disconnected are not replayed, so re-read state here. */
  onConnected(listener: () => void): void {
    this.connectedListeners.push(listener);
  }

  /** The control plane refused the credential (401/403): no more dialling. */
  onRefused(listener: (reason: string) => void): void {
    this.refusedListeners.push(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.dial();
  }

  /** Stops re-dialling and closes the socket; requests still waiting fail. Leaves no timer behind. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.redialTimer) clearTimeout(this.redialTimer);
    this.redialTimer = undefined;
    this.stopSilenceTimer();
    this.failAll(new RemoteRequestError('closed', 'the channel to the control plane was closed'));
    const socket = this.socket;
    this.socket = undefined;
    this.welcomed = false;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else {
        socket.close(1000, 'gateway closing');
        // A peer that does not answer the close handshake is cut off.
        const cut = setTimeout(() => socket.terminate(), 1000);
        cut.unref();
        socket.once('close', () => clearTimeout(cut));
      }
    });
  }

  request<R extends AgentRequest>(request: R): Promise<AgentReply<R>> {
    if (this.stopped) return Promise.reject(new RemoteRequestError('closed', 'the channel to the control plane was closed'));
    if (this.refusal !== undefined) return Promise.reject(new RemoteRequestError('refused', `the control plane refused this gateway: ${this.refusal}`));
    const id = this.nextId++;
    const frame = encodeFrame({ type: 'request', id, body: request });
    if (Buffer.byteLength(frame) > MAX_REQUEST_BYTES) {
      this.log.error({ type: request.type, bytes: Buffer.byteLength(frame) }, 'a request is too large for the control plane; not sent');
      return Promise.reject(new RemoteRequestError('too_large', `${request.type} is larger than the ${MAX_REQUEST_BYTES} bytes a frame may carry`));
    }
    return new Promise<AgentReply<R>>((resolve, reject) => {
      const entry: Waiting = { id, request, frame, resolve: resolve as (reply: unknown) => void, reject, timer: undefined };
      if (TIMED_REQUESTS.has(request.type)) {
        entry.timer = setTimeout(() => {
          if (!this.forget(id)) return;
          reject(new RemoteRequestError('timeout', `no answer to ${request.type} within ${this.requestTimeoutMs} ms`));
        }, this.requestTimeoutMs);
        entry.timer.unref();
      }
      this.waiting.set(id, entry);
      if (SUPERSEDED_REQUESTS.has(request.type)) this.droppable.set(id, entry);
      this.bound();
      if (this.connected) this.send(entry);
    });
  }

  /** Too many wait (a long outage): the oldest superseded reports go; session facts never do. */
  private bound(): void {
    while (this.waiting.size > this.maxWaiting) {
      const oldest = this.droppable.values().next();
      if (oldest.done) return;
      const entry = oldest.value;
      this.forget(entry.id);
      if (!this.dropping) {
        this.dropping = true;
        this.log.warn({ waiting: this.waiting.size }, 'too many requests wait for the control plane: dropping the oldest traffic, counter and metrics reports');
      }
      entry.reject(new RemoteRequestError('superseded', `${entry.request.type} dropped while the control plane was unreachable`));
    }
  }

  private forget(id: number): Waiting | undefined {
    const entry = this.waiting.get(id);
    if (!entry) return undefined;
    this.waiting.delete(id);
    this.droppable.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    return entry;
  }

  private failAll(error: Error): void {
    for (const id of [...this.waiting.keys()]) this.forget(id)?.reject(error);
  }

  private send(entry: Waiting): void {
    this.socket?.send(entry.frame);
  }

  private dial(): void {
    if (this.stopped || this.refusal !== undefined) return;
    this.stopSilenceTimer();
    const socket = new WebSocket(this.endpoint, {
      headers: { authorization: `Bearer ${this.options.credential}` },
      maxPayload: MAX_REPLY_BYTES,
      handshakeTimeout: 3 * this.heartbeatMs,
      perMessageDeflate: false,
      ...(this.options.caPem !== undefined ? { ca: this.options.caPem } : {}),
    });
    this.socket = socket;
    this.welcomed = false;
    this.heard(socket);
    let refused = false;

    socket.on('unexpected-response', (_request, response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status === 401 || status === 403) refused = true;
      collectBody(response, (body) => {
        const reason = `HTTP ${status}${body ? `: ${body}` : ''}`;
        if (refused) this.refused(socket, reason);
        else this.log.warn({ status, url: this.endpoint }, 'the control plane did not accept the gateway socket; re-dialling');
        socket.terminate();
      });
    });
    socket.on('open', () => {
      this.heard(socket);
      socket.send(encodeFrame({ type: 'hello', version: this.options.version, instance: this.instance }));
    });
    socket.on('ping', () => this.heard(socket));
    socket.on('pong', () => this.heard(socket));
    socket.on('message', (data, isBinary) => {
      if (socket.readyState !== WebSocket.OPEN) return; // closing after a bad frame
      this.heard(socket);
      if (isBinary) return this.protocolError(socket, new FrameError('binary frame'));
      let frame: ControlFrame;
      try {
        frame = parseControlFrame(rawText(data));
      } catch (error) {
        return this.protocolError(socket, error);
      }
      this.receive(socket, frame);
    });
    socket.on('error', (error) => {
      if (this.socket !== socket || this.stopped) return;
      // The first failure of an outage is worth a warning (an untrusted certificate, a refused
      // connection); the same failure on every re-dial is not.
      if (this.quiet) this.log.debug({ err: error, url: this.endpoint }, 'gateway socket error');
      else this.log.warn({ err: error, url: this.endpoint }, 'gateway socket error; re-dialling');
      this.quiet = true;
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      const wasConnected = this.welcomed;
      this.socket = undefined;
      this.welcomed = false;
      this.stopSilenceTimer();
      if (this.stopped || refused) return;
      if (wasConnected) this.log.warn({ code, reason: reason.toString() }, 'lost the control plane; re-dialling');
      this.scheduleRedial();
    });
  }

  private receive(socket: WebSocket, frame: ControlFrame): void {
    switch (frame.type) {
      case 'welcome': {
        if (this.welcomed) return this.protocolError(socket, new FrameError('a second welcome'));
        this.welcomed = true;
        this.attempts = 0;
        this.dropping = false;
        this.quiet = false;
        this.gateway = { gatewayId: frame.gatewayId, name: frame.name };
        this.log.info({ gatewayId: frame.gatewayId, name: frame.name, waiting: this.waiting.size }, 'connected to the control plane');
        // Unanswered requests first, in id order: facts keep the order the agent made them in.
        for (const entry of this.waiting.values()) this.send(entry);
        for (const listener of this.connectedListeners) this.call(() => listener());
        return;
      }
      case 'reply': {
        if (!this.welcomed) return this.protocolError(socket, new FrameError('a reply before the welcome'));
        const entry = this.forget(frame.id);
        if (!entry) return; // timed out, or dropped, before it was answered
        if ('error' in frame) entry.reject(errorOf(frame.error));
        else entry.resolve(frame.body);
        return;
      }
      case 'notice':
        if (!this.welcomed) return this.protocolError(socket, new FrameError('a notice before the welcome'));
        for (const listener of this.noticeListeners) this.call(() => listener(frame.body));
        return;
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log.error({ err: error }, 'a gateway channel listener failed');
    }
  }

  private protocolError(socket: WebSocket, error: unknown): void {
    const problem = error instanceof FrameError ? error.problem : 'unreadable frame';
    this.log.warn({ problem }, 'the control plane sent a bad frame; re-dialling');
    this.welcomed = false;
    socket.close(1008, closeReason(problem));
  }

  private refused(socket: WebSocket, reason: string): void {
    if (this.refusal !== undefined || this.stopped) return;
    this.refusal = reason;
    if (this.socket === socket) this.socket = undefined;
    this.stopSilenceTimer();
    this.log.error({ reason }, 'the control plane refused this gateway credential; not re-dialling');
    this.failAll(new RemoteRequestError('refused', `the control plane refused this gateway: ${reason}`));
    for (const listener of this.refusedListeners) this.call(() => listener(reason));
  }

  /** Something came from the control plane: it is alive. Silence for 3 × heartbeat ends the socket. */
  private heard(socket: WebSocket): void {
    if (this.socket !== socket) return;
    if (this.silenceTimer) {
      this.silenceTimer.refresh();
      return;
    }
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = undefined;
      if (this.socket !== socket) return;
      this.log.warn({ silentMs: 3 * this.heartbeatMs }, 'the control plane went silent; re-dialling');
      socket.terminate();
    }, 3 * this.heartbeatMs);
    this.silenceTimer.unref();
  }

  private stopSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private scheduleRedial(): void {
    if (this.stopped || this.refusal !== undefined || this.redialTimer) return;
    // Another replica may answer where this one did not.
    this.current = (this.current + 1) % this.endpoints.length;
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    // Jitter: anywhere in the upper half, so gateways cut off together do not return together.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    // Not unref'd: a gateway waiting for its control plane has nothing else to do; close() clears it.
    this.redialTimer = setTimeout(() => {
      this.redialTimer = undefined;
      this.dial();
    }, delay);
  }
}

function errorOf(error: ReplyError): RemoteRequestError {
  return new RemoteRequestError(error.code, error.message);
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The first 200 characters of a refusal's body, for the report. */
function collectBody(response: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  // A peer that never ends its answer is not waited for.
  const timer = setTimeout(() => finish(), 1000);
  timer.unref();
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done(Buffer.concat(chunks).toString('utf8').slice(0, 200).trim());
  };
  response.on('data', (chunk: Buffer) => {
    if (size < 4096) chunks.push(chunk);
    size += chunk.length;
  });
  response.on('end', finish);
  response.on('error', finish);
  response.on('close', finish);
}
