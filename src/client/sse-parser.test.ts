import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSseParser } from './sse.ts';

test('parses a complete client event', () => {
  const p = createSseParser();
  const out = p.feed('id: 7\nevent: client\ndata: {"seq":7}\n\n');
  assert.deepEqual(out, [{ event: 'client', data: '{"seq":7}', id: '7' }]);
  assert.equal(p.lastEventId, '7');
});

test('handles events split at any byte, CRLF and lone CR line ends', () => {
  const text = 'id: 1\r\nevent: client\r\ndata: a\r\n\r\nid: 2\rdata: b\r\rdata: c\n\n';
  for (let size = 1; size <= text.length; size++) {
    const p = createSseParser();
    const out = [];
    for (let i = 0; i < text.length; i += size) out.push(...p.feed(text.slice(i, i + size)));
    assert.deepEqual(
      out,
      [
        { event: 'client', data: 'a', id: '1' },
        { event: 'message', data: 'b', id: '2' },
        { event: 'message', data: 'c', id: '2' },
      ],
      `chunk size ${size}`,
    );
  }
});

test('joins multi-line data, ignores comments and unknown fields, reads retry', () => {
  const p = createSseParser();
  const out = p.feed(': keep-alive\n\nretry: 1500\nfoo: bar\ndata: one\ndata:two\ndata\n\n');
  assert.deepEqual(out, [{ event: 'message', data: 'one\ntwo\n', id: '' }]);
  assert.equal(p.retry, 1500);
});

test('a block without data dispatches nothing but still sets the id', () => {
  const p = createSseParser('3');
  assert.deepEqual(p.feed('id: 9\n\n'), []);
  assert.equal(p.lastEventId, '9');
  assert.deepEqual(p.feed('data: x\n\n'), [{ event: 'message', data: 'x', id: '9' }]);
});

test('an incomplete event is held until its blank line arrives; BOM is dropped', () => {
  const p = createSseParser();
  assert.deepEqual(p.feed('\uFEFFdata: x\n'), []);
  assert.deepEqual(p.feed('\n'), [{ event: 'message', data: 'x', id: '' }]);
});

test('an id containing NUL is ignored; invalid retry is ignored', () => {
  const p = createSseParser('1');
  p.feed('id: a\0b\nretry: soon\ndata: x\n\n');
  assert.equal(p.lastEventId, '1');
  assert.equal(p.retry, undefined);
});
