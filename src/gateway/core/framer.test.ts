import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from './framer.ts';
import type { FramedItem } from './framer.ts';

function lines(items: FramedItem[]): string[] {
  return items.map((item) => (item.kind === 'line' ? item.text : `<${item.kind}>`));
}

test('splits on \\r\\n and tolerates bare \\n', () => {
  const framer = new LineFramer();
  assert.deepEqual(lines(framer.push('a\r\nb\nc\r\n')), ['a', 'b', 'c']);
});

test('a split inside \\r\\n yields the line once, without the \\r', () => {
  const framer = new LineFramer();
  assert.deepEqual(lines(framer.push('SUCCESS: x\r')), []);
  assert.deepEqual(lines(framer.push('\n')), ['SUCCESS: x']);
});

test('a split inside a multi-byte UTF-8 character decodes correctly', () => {
  const framer = new LineFramer();
  const bytes = Buffer.from('>CLIENT:ENV,common_name=Zoë 😀\r\n', 'utf8');
  const out: FramedItem[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(lines(out), ['>CLIENT:ENV,common_name=Zoë 😀']);
});

test('the password prompt without a line ending is surfaced, also when split', () => {
  const framer = new LineFramer();
  assert.deepEqual(lines(framer.push('ENTER PASS')), []);
  assert.deepEqual(lines(framer.push('WORD:')), ['<password-prompt>']);
  assert.equal(framer.bufferedBytes, 0);
  assert.deepEqual(lines(framer.push('SUCCESS: password is correct\r\n')), ['SUCCESS: password is correct']);
});

test('an over-long line is dropped and reported; memory stays bounded; framing recovers', () => {
  const framer = new LineFramer({ maxLineBytes: 16 });
  const out: FramedItem[] = [];
  for (let i = 0; i < 100; i++) {
    out.push(...framer.push('x'.repeat(50)));
    assert.ok(framer.bufferedBytes <= 16);
  }
  out.push(...framer.push('\r\nok\r\n'));
  assert.deepEqual(lines(out), ['<overlong>', 'ok']);
  const first = out[0];
  assert.ok(first?.kind === 'overlong' && first.droppedBytes >= 5000);
});

test('a complete over-long line in one chunk is dropped too', () => {
  const framer = new LineFramer({ maxLineBytes: 4 });
  assert.deepEqual(lines(framer.push('123456\r\n1234\r\n')), ['<overlong>', '1234']);
});
