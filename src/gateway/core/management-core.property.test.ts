import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManagementCore } from './management-core.ts';
import type { CoreOutput, ManagementCoreOptions } from './management-core.ts';
import type { ReplyShape } from './protocol.ts';
import { connectText, disconnectText, establishedText, status3Lines } from '../../../test/support/management-transcript.ts';

const LIMITS: ManagementCoreOptions = { maxLineBytes: 512, maxEnvEntries: 64, maxEnvBytes: 4096, maxBlockBytes: 8192, maxSessions: 50 };
const BUFFER_CAP = 512 + 4096 + 8192;

const TOKENS = [
  '>CLIENT:CONNECT,1,2\r\n',
  '>CLIENT:REAUTH,3,0\r\n',
  '>CLIENT:ESTABLISHED,1\r\n',
  '>CLIENT:DISCONNECT,1\r\n',
  '>CLIENT:ADDRESS,1,10.0.0.2,1\r\n',
  '>CLIENT:ENV,daemon_start_time=5\r\n',
  '>CLIENT:ENV,a=b=c\r\n',
  '>CLIENT:ENV,END\r\n',
  '>HOLD:Waiting for hold release:0\r\n',
  '>STATE:1,RECONNECTING,SIGHUP,,,,,\r\n',
  'SUCCESS: ok\r\n',
  'ERROR: nope\r\n',
  'END\r\n',
  'ENTER PASSWORD:',
  '\r',
  '\n',
  '>',
  ':',
  ',',
  '=',
];

const soupChunk = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(...TOKENS).map((t) => Buffer.from(t)),
  fc.string({ maxLength: 50 }).map((s) => Buffer.from(s)),
  fc.integer({ min: 0, max: 2000 }).map((n) => Buffer.alloc(n, 0x41)),
);

test('random byte soup never throws and keeps every buffer bounded', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(soupChunk, fc.constantFrom<ReplyShape | 'no'>('no', 'no', 'line', 'block', 'none')), { maxLength: 200 }), (steps) => {
      const core = new ManagementCore(LIMITS);
      let now = 0;
      for (const [chunk, command] of steps) {
        if (command !== 'no') core.expect(command);
        core.receive(chunk, (now += 10));
        core.tick(now);
        assert.ok(core.bufferedBytes <= BUFFER_CAP, `buffered ${core.bufferedBytes}`);
        assert.ok(core.tracker.size <= 50);
      }
    }),
    { numRuns: 300 },
  );
});

// Values a user controls: '=', spaces, commas, quotes, backslashes, non-ASCII — never CR/LF.
const userText = fc.string({ unit: fc.constantFrom('a', 'Z', '=', ' ', ',', '"', "'", '\\', 'é', '😀', '#', ';', ':', '>'), maxLength: 40 });

type Step =
  | { op: 'session'; cid: number; username: string; password: string; commonName: string; end: 'disconnect' | 'empty' | 'open' }
  | { op: 'status'; rows: number }
  | { op: 'success' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('session' as const),
    cid: fc.integer({ min: 0, max: 1000 }),
    username: userText,
    password: userText,
    commonName: userText,
    end: fc.constantFrom('disconnect' as const, 'empty' as const, 'open' as const),
  }),
  fc.record({ op: fc.constant('status' as const), rows: fc.integer({ min: 0, max: 5 }) }),
  fc.constant({ op: 'success' as const }),
);

/** Builds a valid transcript plus the commands whose replies it contains, in order. */
function transcript(steps: Step[]): { text: string; commands: ReplyShape[] } {
  let text = '';
  const commands: ReplyShape[] = [];
  for (const step of steps) {
    if (step.op === 'status') {
      commands.push('block');
      const rows = Array.from({ length: step.rows }, (_, i) => ({ cid: i, commonName: `c${i}`, realAddress: `127.0.0.1:${5000 + i}`, virtualAddress: `10.99.0.${i + 2}`, connectedSince: 100 + i }));
      const lines = status3Lines(rows, 200);
      // An event in the middle of the reply, as OpenVPN may do.
      lines.splice(2, 0, '>BYTECOUNT_CLI:1,2,3');
      text += lines.map((l) => `${l}\r\n`).join('');
    } else if (step.op === 'success') {
      commands.push('line');
      text += 'SUCCESS: client-auth command succeeded\r\n';
    } else {
      const client = { cid: step.cid, kid: 1, username: step.username, password: step.password, commonName: step.commonName, daemonStartTime: 77 };
      text += connectText(client);
      if (step.end === 'empty') {
        text += disconnectText(client, undefined, true);
      } else {
        text += establishedText(client);
        if (step.end === 'disconnect') text += disconnectText(client);
      }
    }
  }
  return { text, commands };
}

function runSplit(text: string, commands: ReplyShape[], cuts: number[]): CoreOutput {
  const core = new ManagementCore();
  for (const shape of commands) core.expect(shape);
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const total: CoreOutput = { events: [], replies: [], facts: [], anomalies: [] };
  let from = 0;
  for (const point of [...points, bytes.length]) {
    const out = core.receive(bytes.subarray(from, point), 1_000);
    total.events.push(...out.events);
    total.replies.push(...out.replies);
    total.facts.push(...out.facts);
    total.anomalies.push(...out.anomalies);
    from = point;
  }
  return total;
}

test('valid transcripts parse identically however they are split', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (steps, cuts) => {
      const { text, commands } = transcript(steps);
      const whole = runSplit(text, commands, []);
      const split = runSplit(text, commands, cuts);
      assert.deepEqual(split, whole);
      assert.deepEqual(whole.anomalies, []);
      assert.equal(whole.replies.length, commands.length);
      // Values survive exactly.
      const auths = whole.facts.filter((f) => f.type === 'auth_request');
      const sessions = steps.filter((s) => s.op === 'session');
      assert.equal(auths.length, sessions.length);
      auths.forEach((fact, i) => {
        const s = sessions[i];
        assert.ok(fact.type === 'auth_request' && s !== undefined);
        assert.equal(fact.password, s.password);
        assert.equal(fact.username, s.username);
        assert.equal(fact.commonName, s.commonName);
      });
    }),
    { numRuns: 200 },
  );
});
