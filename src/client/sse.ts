/**
 * The one `text/event-stream` parser (WHATWG server-sent events), for Node and browsers alike: the
 * CLI's `watch` and the console's live client table both read `client_events` through it. fetch,
 * not EventSource, because EventSource cannot send an Authorization header.
 *
 * Spec points that matter for resuming: the last event id persists across events, is set even by a
 * block without data, and ignores values containing NUL; a BOM is dropped; CR, LF and CRLF all end
 * lines, also when a CRLF is split across chunks.
 */
export interface SseMessage {
  /** The `event:` field, `message` when absent. */
  event: string;
  data: string;
  /** The last event id in effect after this message (what to send as `Last-Event-ID`); '' if none yet. */
  id: string;
}

export interface SseParser {
  /** Feeds decoded text in any chunking; returns the messages it completed. */
  feed(chunk: string): SseMessage[];
  /** The `retry:` value last seen, in ms. */
  readonly retry: number | undefined;
  /** The last event id seen (persists across messages, as the spec requires). */
  readonly lastEventId: string;
}

export function createSseParser(initialLastEventId = ''): SseParser {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let lastEventId = initialLastEventId;
  let retry: number | undefined;
  let first = true;

  const dispatch = (out: SseMessage[]): void => {
    if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n'), id: lastEventId });
    data = [];
    event = '';
  };

  const line = (text: string, out: SseMessage[]): void => {
    if (text === '') return dispatch(out);
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        data.push(value);
        break;
      case 'event':
        event = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value);
        break;
      default:
        break;
    }
  };

  return {
    feed(chunk: string): SseMessage[] {
      const out: SseMessage[] = [];
      buffer += chunk;
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        // A CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (c === '\r' && i === buffer.length - 1) break;
        line(buffer.slice(start, i), out);
        if (c === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
    get retry() {
      return retry;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * Reads a `text/event-stream` body to its end, yielding each complete message; an event the stream
 * ends in the middle of is dropped (per the spec). Cancels the body when the caller stops early.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>, parser: SseParser = createSseParser()): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
