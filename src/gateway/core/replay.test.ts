/** Replays the recorded real OpenVPN 2.6.14 transcript through the core, split many ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagementCore } from './management-core.ts';
import type { CoreOutput } from './management-core.ts';
import type { ReplyShape } from './protocol.ts';
import { readTranscript, serverWireText } from '../../../test/support/transcript-file.ts';
import type { TranscriptLine } from '../../../test/support/transcript-file.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/management');
const transcript = readTranscript(path.join(FIXTURES, 'openvpn-2.6-session.txt'));

function shapeOf(command: string): ReplyShape {
  if (command === 'status 3' || command === 'version' || command === 'help' || command === 'state') return 'block';
  if (/^version \d+$/.test(command)) return 'none';
  return 'line';
}

function replay(step: number, lines: readonly TranscriptLine[] = transcript): CoreOutput {
  const core = new ManagementCore();
  for (const entry of lines) if (entry.from === 'client') core.expect(shapeOf(entry.line));
  const bytes = Buffer.from(serverWireText(lines));
  const total: CoreOutput = { events: [], replies: [], facts: [], anomalies: [] };
  for (let i = 0; i < bytes.length; i += step) {
    const out = core.receive(bytes.subarray(i, i + step), 5_000);
    total.events.push(...out.events);
    total.replies.push(...out.replies);
    total.facts.push(...out.facts);
    total.anomalies.push(...out.anomalies);
  }
  return total;
}

test('the real transcript yields the expected replies and session facts', () => {
  const out = replay(1 << 20);
  assert.deepEqual(out.anomalies, []);
  // status 3 (refused while held), state on, hold release, client-auth-nt, status 3, client-kill
  assert.deepEqual(
    out.replies.map((r) => (r.reply.ok ? r.reply.shape : 'error')),
    ['error', 'line', 'line', 'line', 'block', 'line'],
  );
  assert.deepEqual(
    out.facts.map((f) => f.type),
    ['auth_request', 'established', 'disconnected'],
  );
  const [auth, established, disconnected] = out.facts;
  assert.ok(auth?.type === 'auth_request' && established?.type === 'established' && disconnected?.type === 'disconnected');
  assert.equal(auth.password, 'p@ss=w, "x" y');
  assert.equal(auth.commonName, 'alice, inc=x');
  assert.deepEqual(established.key, auth.key);
  assert.deepEqual(disconnected.key, auth.key);
  assert.ok(established.clientIp?.startsWith('10.231.0.'));
  assert.equal(disconnected.wasEstablished, true);
});

test('the real transcript parses identically at every split size', () => {
  const whole = replay(1 << 20);
  for (const step of [1, 2, 3, 5, 17, 100, 1023]) assert.deepEqual(replay(step), whole, `step ${step}`);
});

test('real SIGHUP restart: old sessions end under the old epoch, CIDs restart under the new one', () => {
  const sighup = readTranscript(path.join(FIXTURES, 'openvpn-2.6-sighup-restart.txt'));
  const out = replay(1 << 20, sighup);
  assert.deepEqual(out.anomalies, []);
  assert.deepEqual(
    out.facts.map((f) => `${f.type}:${f.key.processStart}:${f.key.cid}`),
    [
      'auth_request:1795626428:0',
      'auth_request:1795626428:1',
      'established:1795626428:0',
      'established:1795626428:1',
      'disconnected:1795626428:1',
      'disconnected:1795626428:0',
      'auth_request:1795626434:0',
      'auth_request:1795626434:1',
      'established:1795626434:1',
      'established:1795626434:0',
    ],
  );
  assert.deepEqual(replay(7, sighup), out);
});
