import { createSseParser } from '../../../src/client/sse.ts';
import type { ClientEvent } from '../../../src/client/types.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface StreamOptions {
  /** Opens the stream (`SluiceClient.openClientEventStream`: auth, version parameters, Last-Event-ID). */
  open(lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
  onEvent(event: ClientEvent): void;
  onStatus?(status: StreamStatus, error?: unknown): void;
  /** Called after a reconnect so the caller can reload a snapshot if events may have been missed. */
  onReconnected?(): void;
  signal: AbortSignal;
  /** Waits ms or until aborted (injected so tests need no timers). */
  delay?(ms: number, signal: AbortSignal): Promise<void>;
  initialRetryMs?: number;
  maxRetryMs?: number;
}

const defaultDelay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Parses one SSE `client` message into an event; undefined for anything else. Pure. */
export function toClientEvent(event: string, data: string): ClientEvent | undefined {
  if (event !== 'client' && event !== 'message') return undefined;
  try {
    const value = JSON.parse(data) as ClientEvent;
    if (!value || typeof value !== 'object' || typeof value.client_id !== 'string' || typeof value.type !== 'string') return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/**
 * Reads `client_events` with fetch streaming until `signal` aborts, reconnecting with
 * `Last-Event-ID` and a capped exponential back-off (reset once a connection delivers).
 */
export async function followClientEvents(o: StreamOptions): Promise<void> {
  const delay = o.delay ?? defaultDelay;
  const initial = o.initialRetryMs ?? 1000;
  const max = o.maxRetryMs ?? 15_000;
  let retry = initial;
  let lastEventId: string | undefined;
  let attempt = 0;
  while (!o.signal.aborted) {
    o.onStatus?.(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      const res = await o.open(lastEventId, o.signal);
      if (!res.body) throw new Error('the event stream has no body');
      o.onStatus?.('live');
      if (attempt > 0) o.onReconnected?.();
      attempt++;
      const parser = createSseParser(lastEventId ?? '');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const cancel = () => void reader.cancel().catch(() => {});
      o.signal.addEventListener('abort', cancel, { once: true });
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.feed(value)) {
            const e = toClientEvent(m.event, m.data);
            if (e) o.onEvent(e);
            retry = initial;
          }
          if (parser.lastEventId) lastEventId = parser.lastEventId;
          if (parser.retry !== undefined) retry = Math.min(Math.max(parser.retry, 250), max);
        }
      } finally {
        o.signal.removeEventListener('abort', cancel);
      }
      if (parser.lastEventId) lastEventId = parser.lastEventId;
    } catch (error) {
      if (o.signal.aborted) break;
      attempt++;
      o.onStatus?.('reconnecting', error);
      // A 401/403 that survived the token refresh will not heal by retrying quickly.
      const status = (error as { status?: number }).status;
      if (status === 401 || status === 403 || status === 404) retry = max;
    }
    if (o.signal.aborted) break;
    await delay(retry, o.signal);
    retry = Math.min(retry * 2, max);
  }
  o.onStatus?.('stopped');
}
