import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSse, type SseMessage } from './sse.ts';

const streamOf = (chunks: string[]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function collect(chunks: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of parseSse(streamOf(chunks))) out.push(message);
  return out;
}

test('events split across chunks, CRLF split in the middle, comments and multi-line data', async () => {
  const messages = await collect([': keep-alive\n\nid: 1\nevent: cli', 'ent\ndata: {"a":\r', '\ndata: 1}\r\n\r\n', 'id: 2\ndata: x\n\n']);
  assert.deepEqual(messages, [
    { id: '1', event: 'client', data: '{"a":\n1}' },
    { id: '2', event: 'message', data: 'x' },
  ]);
});

test('an unterminated last event is dropped (per the SSE rules)', async () => {
  assert.deepEqual(await collect(['data: half']), []);
});
