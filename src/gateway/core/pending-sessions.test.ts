import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unansweredAttempts } from './pending-sessions.ts';
import { parseStatus } from './status.ts';
import { status3Lines } from '../../../test/support/management-transcript.ts';

const status = parseStatus(
  status3Lines(
    [
      { cid: 0, commonName: 'alice', realAddress: '127.0.0.1:40000', virtualAddress: '10.8.0.2', connectedSince: 1_800_000_000 },
      { cid: 1, commonName: 'bob', realAddress: '127.0.0.1:40001', connectedSince: 1_800_000_001 },
      { cid: 2, commonName: 'carol', realAddress: '127.0.0.1:40002', connectedSince: 1_800_000_002 },
      { cid: 3, commonName: 'dave', realAddress: '127.0.0.1:40003', connectedSince: 1_800_000_003 },
    ],
    1_800_000_010,
  ).slice(0, -1),
);

test('attempts without a tunnel address that this connection never heard of are unanswered', () => {
  // cid 2's CONNECT reached this agent (it is deciding it); 1 and 3 arrived while nobody listened.
  assert.deepEqual(unansweredAttempts(status, (cid) => cid === 2), [1, 3]);
});

test('established sessions are never attempts, heard of or not', () => {
  assert.deepEqual(unansweredAttempts(status, () => true), []);
  assert.ok(!unansweredAttempts(status, () => false).includes(0));
});

test('an empty status has nothing to end', () => {
  assert.deepEqual(unansweredAttempts(parseStatus([]), () => false), []);
});
