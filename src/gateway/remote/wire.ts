import type { AgentRequest, ControlNotice } from '../channel.ts';

/**
 * The frames a remote gateway and the control plane exchange over their WebSocket, one JSON text
 * message each. Pure: text in, typed frames out (no IO, no clock). Heartbeats are WebSocket
 * ping/pong frames, not frames of this protocol.
 *
 * gateway → control plane: `hello` first, then `request`s (ids monotonic per agent process run,
 * re-sent after a reconnect until answered); control plane → gateway: `welcome` after the hello,
 * one `reply` per request id, and `notice`s (hints: the agent re-reads state after a reconnect).
 */

/** The first frame a gateway sends; `instance` names this run of the agent process. */
export interface HelloFrame {
  type: 'hello';
  version: string;
  instance: string;
}

export interface RequestFrame {
  type: 'request';
  id: number;
  body: AgentRequest;
}

/** Answers the hello: who the control plane took the credential for. */
export interface WelcomeFrame {
  type: 'welcome';
  gatewayId: string;
  name: string;
}

export interface ReplyError {
  code: string;
  message: string;
}

export type ReplyFrame = { type: 'reply'; id: number; body: unknown } | { type: 'reply'; id: number; error: ReplyError };

export interface NoticeFrame {
  type: 'notice';
  body: ControlNotice;
}

/** What a gateway sends. */
export type GatewayFrame = HelloFrame | RequestFrame;
/** What the control plane sends. */
export type ControlFrame = WelcomeFrame | ReplyFrame | NoticeFrame;
export type Frame = GatewayFrame | ControlFrame;

/** A frame that is not one of ours; `problem` says what was wrong (short enough for a close reason). */
export class FrameError extends Error {
  readonly code = 'bad_frame';
  readonly problem: string;

  constructor(problem: string) {
    super(`bad frame: ${problem}`);
    this.name = 'FrameError';
    this.problem = problem;
  }
}

/** Request types and the fields each needs besides `type` (string fields unless said otherwise). */
const REQUEST_FIELDS: Record<AgentRequest['type'], readonly (readonly [string, 'string' | 'object' | 'boolean' | 'number'])[]> = {
  list_servers: [],
  get_server: [['serverId', 'string']],
  server_state: [
    ['serverId', 'string'],
    ['state', 'object'],
  ],
  server_stopped: [['serverId', 'string']],
  session_established: [
    ['serverId', 'string'],
    ['session', 'object'],
  ],
  session_ended: [
    ['serverId', 'string'],
    ['session', 'object'],
  ],
  stored_sessions: [['serverId', 'string']],
  authorize: [
    ['serverId', 'string'],
    ['sessionKey', 'string'],
    ['reauth', 'boolean'],
  ],
  pending_kills: [['serverId', 'string']],
  attempts_ended: [
    ['serverId', 'string'],
    ['sessionKeys', 'object'],
  ],
  session_traffic: [
    ['serverId', 'string'],
    ['sessions', 'object'],
  ],
  route_counters: [
    ['serverId', 'string'],
    ['at', 'number'],
    ['routes', 'object'],
  ],
  metrics: [['snapshot', 'object']],
};

const NOTICE_TYPES: readonly ControlNotice['type'][] = ['server_changed', 'server_deleted', 'kill_requested'];

const FRAME_TYPES: readonly Frame['type'][] = ['hello', 'request', 'welcome', 'reply', 'notice'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function field(frame: Json, name: string, kind: 'string' | 'object', where = 'frame'): unknown {
  const value = frame[name];
  if (value === undefined) throw new FrameError(`missing field ${where}.${name}`);
  if (kind === 'object' ? typeof value !== 'object' || value === null : typeof value !== kind) {
    throw new FrameError(`field ${where}.${name} must be ${kind === 'object' ? 'an object' : `a ${kind}`}`);
  }
  return value;
}

function requestId(frame: Json): number {
  const id = frame.id;
  if (id === undefined) throw new FrameError('missing field frame.id');
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new FrameError('field frame.id must be a non-negative integer');
  return id;
}

function agentRequest(value: unknown): AgentRequest {
  if (!isObject(value)) throw new FrameError('field frame.body must be an object');
  const type = value.type;
  if (type === undefined) throw new FrameError('missing field body.type');
  if (typeof type !== 'string' || !Object.hasOwn(REQUEST_FIELDS, type)) throw new FrameError(`unknown request type ${JSON.stringify(type).slice(0, 40)}`);
  for (const [name, kind] of REQUEST_FIELDS[type as AgentRequest['type']]) {
    const present = value[name];
    if (present === undefined) throw new FrameError(`missing field body.${name}`);
    const ok = kind === 'object' ? typeof present === 'object' && present !== null : typeof present === kind;
    if (!ok) throw new FrameError(`field body.${name} must be ${kind === 'object' ? 'an object' : `a ${kind}`}`);
  }
  return value as unknown as AgentRequest;
}

function controlNotice(value: unknown): ControlNotice {
  if (!isObject(value)) throw new FrameError('field frame.body must be an object');
  const type = value.type;
  if (type === undefined) throw new FrameError('missing field body.type');
  if (typeof type !== 'string' || !NOTICE_TYPES.includes(type as ControlNotice['type'])) throw new FrameError(`unknown notice type ${JSON.stringify(type).slice(0, 40)}`);
  field(value, 'serverId', 'string', 'body');
  if (value.kills !== undefined && !Array.isArray(value.kills)) throw new FrameError('field body.kills must be an array');
  return value as unknown as ControlNotice;
}

function replyError(value: unknown): ReplyError {
  if (!isObject(value)) throw new FrameError('field frame.error must be an object');
  return { code: field(value, 'code', 'string', 'error') as string, message: field(value, 'message', 'string', 'error') as string };
}

/** Reads one frame; throws a FrameError naming what was wrong (bad JSON, unknown type, missing field). */
export function parseFrame(text: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError('bad JSON');
  }
  if (!isObject(value)) throw new FrameError('not a JSON object');
  const type = value.type;
  if (type === undefined) throw new FrameError('missing field frame.type');
  if (typeof type !== 'string' || !FRAME_TYPES.includes(type as Frame['type'])) throw new FrameError(`unknown frame type ${JSON.stringify(type).slice(0, 40)}`);
  switch (type as Frame['type']) {
    case 'hello':
      return { type: 'hello', version: field(value, 'version', 'string') as string, instance: field(value, 'instance', 'string') as string };
    case 'request': {
      const id = requestId(value);
      if (value.body === undefined) throw new FrameError('missing field frame.body');
      return { type: 'request', id, body: agentRequest(value.body) };
    }
    case 'welcome':
      return { type: 'welcome', gatewayId: field(value, 'gatewayId', 'string') as string, name: field(value, 'name', 'string') as string };
    case 'reply': {
      const id = requestId(value);
      const hasBody = value.body !== undefined;
      const hasError = value.error !== undefined;
      if (hasBody && hasError) throw new FrameError('a reply has either body or error, not both');
      if (hasError) return { type: 'reply', id, error: replyError(value.error) };
      if (!hasBody) throw new FrameError('missing field frame.body (or frame.error)');
      return { type: 'reply', id, body: value.body };
    }
    case 'notice':
      if (value.body === undefined) throw new FrameError('missing field frame.body');
      return { type: 'notice', body: controlNotice(value.body) };
  }
}

const GATEWAY_TYPES: readonly string[] = ['hello', 'request'];

/** A frame the control plane may receive: a gateway's hello or request. */
export function parseGatewayFrame(text: string): GatewayFrame {
  const frame = parseFrame(text);
  if (!GATEWAY_TYPES.includes(frame.type)) throw new FrameError(`a gateway does not send ${frame.type} frames`);
  return frame as GatewayFrame;
}

/** A frame a gateway may receive: welcome, reply or notice. */
export function parseControlFrame(text: string): ControlFrame {
  const frame = parseFrame(text);
  if (GATEWAY_TYPES.includes(frame.type)) throw new FrameError(`the control plane does not send ${frame.type} frames`);
  return frame as ControlFrame;
}

export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}

/** Reads and decisions: the agent waits for them, so they fail after a while rather than hang. */
export const TIMED_REQUESTS: ReadonlySet<AgentRequest['type']> = new Set(['list_servers', 'get_server', 'stored_sessions', 'pending_kills', 'authorize']);

/** Reports a later one of the same kind supersedes: the first to go when too many wait. */
export const SUPERSEDED_REQUESTS: ReadonlySet<AgentRequest['type']> = new Set(['session_traffic', 'route_counters', 'metrics']);

/** A WebSocket close reason is at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  let reason = text;
  while (new TextEncoder().encode(reason).length > 123) reason = reason.slice(0, -1);
  return reason;
}
