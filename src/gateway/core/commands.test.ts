import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cmd from './commands.ts';
import { CommandEncodingError } from './errors.ts';

test('simple commands and the reply shape each expects', () => {
  assert.deepEqual(cmd.holdRelease(), { lines: ['hold release'], expect: 'line' });
  assert.deepEqual(cmd.statusV3(), { lines: ['status 3'], expect: 'block' });
  assert.deepEqual(cmd.stateOn(), { lines: ['state on'], expect: 'line' });
  assert.deepEqual(cmd.bytecount(5), { lines: ['bytecount 5'], expect: 'line' });
  assert.deepEqual(cmd.clientAuthNt(7, 3), { lines: ['client-auth-nt 7 3'], expect: 'line' });
  assert.equal(cmd.wireText(cmd.clientAuthNt(1, 2)), 'client-auth-nt 1 2\r\n');
});

test('CID and KID must be non-negative integers', () => {
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
    assert.throws(() => cmd.clientAuthNt(bad, 1), CommandEncodingError);
    assert.throws(() => cmd.clientKill(bad, 'x'), CommandEncodingError);
    assert.throws(() => cmd.clientDeny(1, bad, 'x'), CommandEncodingError);
  }
});

test('client-kill sends HALT,<reason> as one quoted argument', () => {
  assert.deepEqual(cmd.clientKill(12, 'disconnected by admin').lines, ['client-kill 12 "HALT,disconnected by admin"']);
  assert.deepEqual(cmd.clientKill(12, 'x', 'RESTART').lines, ['client-kill 12 "RESTART,x"']);
});

test('free text is quoted, escaped, stripped of control characters', () => {
  assert.deepEqual(cmd.clientDeny(1, 2, 'bad "pass" \\ word', '#comment; x').lines, [
    'client-deny 1 2 "bad \\"pass\\" \\\\ word" "#comment; x"',
  ]);
  assert.deepEqual(cmd.clientDeny(1, 2, 'a\r\nclient-kill 0\tb').lines, ['client-deny 1 2 "a  client-kill 0 b"']);
  assert.deepEqual(cmd.clientDeny(1, 2, ';x').lines, ['client-deny 1 2 ";x"']);
});

test('free text is truncated to 255 bytes without splitting an escape or a character', () => {
  for (const text of ['a'.repeat(1000), '"'.repeat(300), 'é'.repeat(300), '😀'.repeat(100), `${'a'.repeat(252)}"b`]) {
    const quoted = cmd.quoteText(text);
    assert.ok(Buffer.byteLength(quoted) <= cmd.MAX_ARG_BYTES, quoted);
    assert.ok(quoted.startsWith('"') && quoted.endsWith('"'));
    // No dangling backslash before the closing quote.
    const inner = quoted.slice(1, -1);
    assert.equal(/(^|[^\\])(\\\\)*\\$/.test(inner), false, inner);
    assert.equal(inner.includes('\uFFFD'), false);
  }
  const line = cmd.clientDeny(1, 2, 'x'.repeat(2000), 'y'.repeat(2000)).lines[0] ?? '';
  assert.ok(Buffer.byteLength(line) <= cmd.MAX_LINE_BYTES);
});

test('client-auth sends config lines and END; bad config lines throw', () => {
  assert.deepEqual(cmd.clientAuth(3, 1, ['push "route 10.0.0.0 255.0.0.0"']), {
    lines: ['client-auth 3 1', 'push "route 10.0.0.0 255.0.0.0"', 'END'],
    expect: 'line',
  });
  assert.throws(() => cmd.clientAuth(3, 1, ['END']), CommandEncodingError);
  assert.throws(() => cmd.clientAuth(3, 1, ['a\r\nEND']), CommandEncodingError);
});
