import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followClientEvents, toClientEvent, type StreamStatus } from './event-stream.ts';
import type { ClientEvent } from '../../../src/client/types.ts';

const sse = (chunks: string[]): Response =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        const enc = new TextEncoder();
        for (const c of chunks) controller.enqueue(enc.encode(c));
        controller.close();
      },
    }),
    { headers: { 'Content-Type': 'text/event-stream' } },
  );

const ev = (seq: number, type = 'connected') => `id: ${seq}\nevent: client\ndata: {"seq":${seq},"type":"${type}","client_id":"c${seq}","at":"t"}\n\n`;

test('toClientEvent accepts client events only', () => {
  assert.equal(toClientEvent('client', '{"seq":1,"type":"connected","client_id":"a","at":"t"}')?.client_id, 'a');
  assert.equal(toClientEvent('ping', '{}'), undefined);
  assert.equal(toClientEvent('client', 'not json'), undefined);
  assert.equal(toClientEvent('client', '{"seq":1}'), undefined);
});

test('delivers events, reconnects with Last-Event-ID after the stream ends, and stops on abort', async () => {
  const controller = new AbortController();
  const opened: (string | undefined)[] = [];
  const events: ClientEvent[] = [];
  const statuses: StreamStatus[] = [];
  const delays: number[] = [];
  let reconnected = 0;
  await followClientEvents({
    signal: controller.signal,
    async open(lastEventId) {
      opened.push(lastEventId);
      if (opened.length === 1) return sse([ev(1), ev(2).slice(0, 10), ev(2).slice(10)]);
      if (opened.length === 2) throw Object.assign(new Error('bad gateway'), { status: 502 });
      if (opened.length === 3) return sse([ev(3, 'disconnected')]);
      controller.abort();
      throw new Error('aborted');
    },
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onReconnected: () => reconnected++,
    delay: async (ms) => {
      delays.push(ms);
    },
  });
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
  assert.deepEqual(opened, [undefined, '2', '2', '3']);
  assert.equal(reconnected, 1);
  assert.deepEqual(delays, [1000, 2000, 1000]);
  assert.equal(statuses[0], 'connecting');
  assert.equal(statuses.at(-1), 'stopped');
  assert.ok(statuses.includes('live') && statuses.includes('reconnecting'));
});

test('an authorisation failure backs off to the maximum', async () => {
  const controller = new AbortController();
  const delays: number[] = [];
  await followClientEvents({
    signal: controller.signal,
    async open() {
      if (delays.length > 0) controller.abort();
      throw Object.assign(new Error('forbidden'), { status: 403 });
    },
    onEvent: () => {},
    delay: async (ms) => {
      delays.push(ms);
    },
    maxRetryMs: 9000,
  });
  assert.deepEqual(delays, [9000]);
});
