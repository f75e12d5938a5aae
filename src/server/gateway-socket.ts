import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { AgentRequest, ControlNotice } from '../gateway/channel.ts';
import { closeReason, encodeFrame, FrameError, parseGatewayFrame, type GatewayFrame, type ReplyFrame } from '../gateway/remote/wire.ts';

/**
 * The control plane's end of the remote gateways' sockets: gateways dial in (WebSocket on the
 * control plane's own HTTP listener), authenticate with a bearer credential before the upgrade
 * completes, say hello, and send requests; the control plane answers each and pushes notices.
 *
 * Requests are handled concurrently as they arrive (the agent orders what must be ordered) and
 * deduplicated by id per (gateway, agent run): a gateway re-sends what was unanswered when its
 * socket dropped, and a repeated id is answered from the record — the handler runs once per id.
 */

const DEFAULT_PATH = '/gateway/connect';
const DEFAULT_HEARTBEAT_MS = 5000;
/** Pings a peer may leave unanswered before it is cut off. */
const MISSED_PINGS = 3;
/** Answered ids remembered per gateway run, for re-sent requests. */
const ANSWERED_KEPT = 10_000;
const MAX_PAYLOAD = 1024 * 1024;

export interface GatewayPeer {
  gatewayId: string;
  name: string;
  /** The agent's software version (from its hello). */
  version: string;
  /** Names one run of the agent process. */
  instance: string;
}

export interface GatewaySession {
  readonly peer: GatewayPeer;
  /** Sends a notice if the socket is open; a notice to a closed socket is dropped (notices are hints). */
  notify(notice: ControlNotice): void;
  close(code?: number, reason?: string): void;
  /** Cuts the socket off at once, without the close handshake (a revoked credential, a dead peer). */
  terminate(): void;
  /** Called once, when the socket has closed. */
  onClose(listener: () => void): void;
  /** Milliseconds since the gateway last sent anything, a frame or a pong (its "last seen"). */
  silentMs(): number;
}

export interface GatewaySocketOptions {
  /** Where gateways dial; upgrades for other paths are left to other handlers. */
  path?: string;
  /** The gateway a bearer credential names, or undefined when none does (the upgrade is answered 401). */
  authenticate(credential: string): Promise<{ gatewayId: string; name: string } | undefined>;
  /** Answers one request; a thrown error's `code` property (else `internal`) goes back to the gateway. */
  handle(peer: GatewayPeer, request: AgentRequest): Promise<unknown>;
  /** A gateway said hello and was welcomed. */
  connected?(session: GatewaySession): void;
  log: Logger;
  /** How often each socket is pinged; three unanswered pings end it. */
  heartbeatMs?: number;
}

export interface GatewaySockets {
  /** The welcomed sessions, open now. */
  sessions(): GatewaySession[];
  /** Ends every session and stops taking upgrades. */
  close(): Promise<void>;
}

/** What one run of a gateway's agent was answered, and what is being answered now. */
interface Ledger {
  instance: string;
  answered: Map<number, ReplyFrame>;
  inFlight: Set<number>;
  /** Where replies go: the run's newest socket. */
  session: Session | undefined;
}

class Session implements GatewaySession {
  private readonly closeListeners: (() => void)[] = [];
  closed = false;
  // Monotonic: only a duration is handed out, so the caller dates it on its own clock.
  private heardAt = performance.now();

  constructor(
    readonly peer: GatewayPeer,
    private readonly socket: WebSocket,
  ) {}

  get open(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  send(text: string): void {
    if (this.open) this.socket.send(text);
  }

  notify(notice: ControlNotice): void {
    this.send(encodeFrame({ type: 'notice', body: notice }));
  }

  close(code = 1000, reason = ''): void {
    this.socket.close(code, closeReason(reason));
    // The close handshake is not waited for past a heartbeat's worth of patience.
    const cut = setTimeout(() => this.socket.terminate(), 2000);
    cut.unref();
    this.socket.once('close', () => clearTimeout(cut));
  }

  terminate(): void {
    this.socket.terminate();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  heard(): void {
    this.heardAt = performance.now();
  }

  silentMs(): number {
    return performance.now() - this.heardAt;
  }

  closedNow(log: Logger): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        log.error({ err: error }, 'a gateway session close listener failed');
      }
    }
  }
}

/** One socket, from the upgrade on (before its hello it has no session). */
interface Connection {
  socket: WebSocket;
  missed: number;
  session: Session | undefined;
}

export function acceptGatewaySockets(server: Server, options: GatewaySocketOptions): GatewaySockets {
  const path = options.path ?? DEFAULT_PATH;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const log = options.log;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
  const connections = new Set<Connection>();
  /** One ledger per gateway: its current agent run's. */
  const ledgers = new Map<string, Ledger>();
  let closing = false;

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (connection.missed >= MISSED_PINGS) {
        log.warn({ gatewayId: connection.session?.peer.gatewayId, missed: connection.missed }, 'gateway stopped answering pings; cutting it off');
        connection.socket.terminate();
        continue;
      }
      // A socket that has not said hello by now is not a gateway agent.
      if (!connection.session && connection.missed >= 1) {
        connection.socket.close(1008, 'expected hello');
      }
      connection.missed++;
      connection.socket.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request) !== path) return;
    socket.on('error', (error) => log.debug({ err: error }, 'gateway upgrade socket error'));
    if (closing) return refuse(socket, 503, 'service_unavailable', 'the control plane is shutting down');
    const credential = bearerOf(request);
    if (credential === undefined) return refuse(socket, 401, 'unauthorized', 'a gateway credential (Authorization: Bearer …) is required');
    options.authenticate(credential).then(
      (gateway) => {
        if (socket.destroyed) return;
        if (!gateway) {
          log.warn({ remote: request.socket.remoteAddress }, 'gateway socket refused: unknown credential');
          return refuse(socket, 401, 'unauthorized', 'the gateway credential is not valid');
        }
        if (closing) return refuse(socket, 503, 'service_unavailable', 'the control plane is shutting down');
        wss.handleUpgrade(request, socket, head, (ws) => accepted(ws, gateway));
      },
      (error: unknown) => {
        log.error({ err: error }, 'authenticating a gateway socket failed');
        refuse(socket, 503, 'service_unavailable', 'the gateway credential could not be checked');
      },
    );
  };
  server.on('upgrade', onUpgrade);

  function accepted(socket: WebSocket, gateway: { gatewayId: string; name: string }): void {
    const connection: Connection = { socket, missed: 0, session: undefined };
    connections.add(connection);
    if (closing) socket.terminate();
    socket.on('pong', () => {
      connection.missed = 0;
      connection.session?.heard();
    });
    socket.on('error', (error) => log.debug({ err: error, gatewayId: gateway.gatewayId }, 'gateway socket error'));
    socket.on('message', (data, isBinary) => {
      if (socket.readyState !== socket.OPEN) return;
      connection.session?.heard();
      let frame: GatewayFrame;
      try {
        if (isBinary) throw new FrameError('binary frame');
        frame = parseGatewayFrame(textOf(data));
      } catch (error) {
        const problem = error instanceof FrameError ? error.problem : 'unreadable frame';
        log.warn({ gatewayId: gateway.gatewayId, problem }, 'gateway sent a bad frame; closing its socket');
        socket.close(1008, closeReason(problem));
        return;
      }
      if (frame.type === 'hello') {
        if (connection.session) {
          socket.close(1008, 'a second hello');
          return;
        }
        connection.session = welcome(socket, { gatewayId: gateway.gatewayId, name: gateway.name, version: frame.version, instance: frame.instance });
        return;
      }
      if (!connection.session) {
        socket.close(1008, 'expected hello');
        return;
      }
      request(connection.session, frame.id, frame.body);
    });
    socket.on('close', () => {
      connections.delete(connection);
      const session = connection.session;
      if (!session) return;
      const ledger = ledgers.get(session.peer.gatewayId);
      if (ledger?.session === session) ledger.session = undefined;
      log.info({ gatewayId: session.peer.gatewayId, name: session.peer.name }, 'gateway disconnected');
      session.closedNow(log);
    });
  }

  function welcome(socket: WebSocket, peer: GatewayPeer): Session {
    const session = new Session(peer, socket);
    let ledger = ledgers.get(peer.gatewayId);
    // One live socket per gateway: a newer one means the older is dead or its process is gone.
    if (ledger?.session) ledger.session.close(4000, 'replaced by a newer connection of this gateway');
    if (!ledger || ledger.instance !== peer.instance) {
      ledger = { instance: peer.instance, answered: new Map(), inFlight: new Set(), session: undefined };
      ledgers.set(peer.gatewayId, ledger);
    }
    ledger.session = session;
    socket.send(encodeFrame({ type: 'welcome', gatewayId: peer.gatewayId, name: peer.name }));
    log.info({ gatewayId: peer.gatewayId, name: peer.name, version: peer.version, instance: peer.instance }, 'gateway connected');
    try {
      options.connected?.(session);
    } catch (error) {
      log.error({ err: error }, 'the gateway connected listener failed');
    }
    return session;
  }

  function request(session: Session, id: number, body: AgentRequest): void {
    const ledger = ledgers.get(session.peer.gatewayId);
    if (!ledger || ledger.instance !== session.peer.instance) return; // a newer run took over
    const answered = ledger.answered.get(id);
    if (answered) return session.send(encodeFrame(answered));
    // Still being answered: the reply goes to the run's newest socket when it is ready.
    if (ledger.inFlight.has(id)) return;
    ledger.inFlight.add(id);
    const peer = session.peer;
    void handled(peer, body).then((reply) => {
      const frame: ReplyFrame = 'error' in reply ? { type: 'reply', id, error: reply.error } : { type: 'reply', id, body: reply.body };
      ledger.inFlight.delete(id);
      ledger.answered.set(id, frame);
      if (ledger.answered.size > ANSWERED_KEPT) ledger.answered.delete(ledger.answered.keys().next().value as number);
      ledger.session?.send(encodeFrame(frame));
    });
  }

  async function handled(peer: GatewayPeer, body: AgentRequest): Promise<{ body: unknown } | { error: { code: string; message: string } }> {
    try {
      return { body: (await options.handle(peer, body)) ?? {} };
    } catch (error) {
      const code = codeOf(error);
      if (code === 'internal') log.error({ err: error, gatewayId: peer.gatewayId, request: body.type }, 'a gateway request failed');
      // No stack, and no internals: an error without a code of its own is only named.
      return { error: { code, message: code === 'internal' ? 'internal error' : messageOf(error) } };
    }
  }

  return {
    sessions: () => [...connections].flatMap((c) => (c.session && c.session.open ? [c.session] : [])),
    close: async () => {
      closing = true;
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      const closed = [...connections].map((c) => new Promise<void>((resolve) => (c.socket.readyState === c.socket.CLOSED ? resolve() : c.socket.once('close', () => resolve()))));
      for (const connection of connections) connection.socket.terminate();
      await Promise.all(closed);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 503: 'Service Unavailable' };

/** Answers the upgrade with a plain HTTP error (the socket was never a WebSocket) and hangs up. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ code, message });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer'] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length > 0 ? code : 'internal';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
