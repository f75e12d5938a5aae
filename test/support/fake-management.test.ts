/**
 * Keeps the fake honest: drives it through the same scenario as the recorded real OpenVPN
 * transcript and compares what it says, line by line (ENV blocks by key set).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeManagementServer, tokenize } from './fake-management.ts';
import { readTranscript } from './transcript-file.ts';
import type { TranscriptLine } from './transcript-file.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/management/openvpn-2.6-session.txt');

/** What must match exactly: line kinds, reply texts, the status header; not ids, times, ports. */
function skeleton(line: string): string | undefined {
  if (line.startsWith('>CLIENT:ENV,')) return undefined; // compared as key sets
  if (line.startsWith('>CLIENT:')) return line.split(',')[0];
  if (line.startsWith('>STATE:')) return `>STATE ${line.split(',')[1] ?? ''}`;
  if (line.startsWith('>')) return line.split(':')[0];
  if (line.startsWith('TIME\t') || line.startsWith('TITLE\t')) return line.split('\t')[0];
  if (line.startsWith('CLIENT_LIST\t') || line.startsWith('ROUTING_TABLE\t')) return `${line.split('\t')[0]} ×${line.split('\t').length}`;
  return line;
}

/** ENV key sets per client event kind, in order of appearance. */
function envKeys(lines: readonly string[]): Array<{ kind: string; keys: Set<string> }> {
  const blocks: Array<{ kind: string; keys: Set<string> }> = [];
  for (const line of lines) {
    if (line.startsWith('>CLIENT:ENV,')) {
      const name = line.slice('>CLIENT:ENV,'.length).split('=')[0] ?? '';
      if (name !== 'END') blocks[blocks.length - 1]?.keys.add(name);
    } else if (line.startsWith('>CLIENT:') && !line.startsWith('>CLIENT:ADDRESS')) {
      blocks.push({ kind: line.split(',')[0] ?? '', keys: new Set() });
    }
  }
  return blocks;
}

test('the fake answers the recorded real session the way OpenVPN 2.6.14 did', async (t) => {
  const real = readTranscript(FIXTURE);
  const fake = await FakeManagementServer.start({ hold: true });
  t.after(() => fake.close());
  const socket = net.createConnection({ path: fake.socketPath });
  t.after(() => socket.destroy());
  const received: string[] = [];
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\r\n');
    partial = parts.pop() ?? '';
    received.push(...parts);
  });

  const realServerLines = real.filter((l) => l.from === 'server').map((l) => l.line);
  const expectedSkeleton = realServerLines.map(skeleton).filter((s): s is string => s !== undefined);
  const receivedSkeleton = (): string[] => received.map(skeleton).filter((s): s is string => s !== undefined);
  // Replay: the agent's lines go to the fake; the real client's arrival is scripted on the fake.
  let seen = 0;
  const waitForSkeleton = async (count: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (receivedSkeleton().length < count) {
      if (Date.now() > deadline) assert.fail(`fake said ${JSON.stringify(receivedSkeleton())}, expected ${JSON.stringify(expectedSkeleton.slice(0, count))}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  for (const entry of real as TranscriptLine[]) {
    if (entry.from === 'server') {
      if (skeleton(entry.line) !== undefined) seen += 1;
      if (entry.line.startsWith('>CLIENT:CONNECT,')) {
        await waitForSkeleton(seen - 1);
        fake.connectClient({ username: 'bob', password: 'p@ss=w, "x" y', commonName: 'alice, inc=x' });
      }
      continue;
    }
    await waitForSkeleton(seen);
    socket.write(`${entry.line}\r\n`);
  }
  await waitForSkeleton(expectedSkeleton.length);
  // The DISCONNECT's END arrives with its header in one write; give the last block a moment.
  const deadline = Date.now() + 5000;
  while (envKeys(received).length < envKeys(realServerLines).length || partial !== '') {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setImmediate(resolve));
  }

  assert.deepEqual(receivedSkeleton(), expectedSkeleton);
  const realBlocks = envKeys(realServerLines);
  const fakeBlocks = envKeys(received);
  assert.deepEqual(fakeBlocks.map((b) => b.kind), realBlocks.map((b) => b.kind));
  const used = ['username', 'password', 'common_name', 'untrusted_ip', 'untrusted_port', 'trusted_ip', 'trusted_port', 'ifconfig_pool_remote_ip', 'time_unix', 'bytes_sent', 'bytes_received', 'daemon_start_time'];
  fakeBlocks.forEach((block, i) => {
    const realKeys = realBlocks[i]?.keys ?? new Set<string>();
    for (const key of block.keys) assert.ok(realKeys.has(key), `${block.kind}: fake sends ${key}, real OpenVPN does not`);
    for (const key of used) assert.equal(block.keys.has(key), realKeys.has(key), `${block.kind}: ${key} present in real=${realKeys.has(key)}`);
  });
  assert.deepEqual(fake.kills, [{ cid: 0, message: 'HALT,test' }]);
});

test('tokenize reads quoting like OpenVPN', () => {
  assert.deepEqual(tokenize('client-deny 1 2 "a \\"b\\" \\\\ c" "#x"'), ['client-deny', '1', '2', 'a "b" \\ c', '#x']);
  assert.deepEqual(tokenize('  hold   release '), ['hold', 'release']);
});

test('a second management client waits until the first leaves, like OpenVPN', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false });
  t.after(() => fake.close());
  const first = net.createConnection({ path: fake.socketPath });
  const second = net.createConnection({ path: fake.socketPath });
  t.after(() => second.destroy());
  let secondGreeted = false;
  second.on('data', () => (secondGreeted = true));
  await new Promise((resolve) => first.once('data', resolve));
  assert.equal(secondGreeted, false);
  first.destroy();
  const deadline = Date.now() + 5000;
  while (!secondGreeted) {
    if (Date.now() > deadline) assert.fail('second client never served');
    await new Promise((resolve) => setImmediate(resolve));
  }
});
