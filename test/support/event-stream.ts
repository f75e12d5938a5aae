/**
 * Reading a VPN server's client event stream (`text/event-stream`) in the background, as the
 * replica suites watch what each replica sends.
 */
import assert from 'node:assert/strict';
import { API_VERSION, type TestApi } from './api-client.ts';

export interface StreamEvent {
  seq: number;
  type: string;
  client_id: string;
  client?: { status: string };
}

export interface Stream {
  events: StreamEvent[];
  close(): Promise<void>;
}

/** A client event stream read in the background; `events` grows as they arrive. From `lastEventId` when given (0: all history). */
export async function follow(api: TestApi, serverId: string, lastEventId?: number): Promise<Stream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${api.bearer()}`, ...(lastEventId !== undefined && { 'last-event-id': String(lastEventId) }) };
  const res = await fetch(`${api.base}/v1/vpn_servers/${serverId}/client_events?${API_VERSION}`, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  const events: StreamEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const reading = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
        buffer = buffer.slice(end + 2);
        if (data) events.push(JSON.parse(data) as StreamEvent);
      }
    }
  })().catch(() => undefined);
  return {
    events,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}
