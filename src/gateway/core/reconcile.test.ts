import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile } from './reconcile.ts';
import { parseStatus } from './status.ts';
import { status3Lines } from '../../../test/support/management-transcript.ts';

const START = 1000;
const status = parseStatus(
  status3Lines(
    [
      { cid: 1, commonName: 'a', realAddress: '127.0.0.1:5001', virtualAddress: '10.99.0.2', connectedSince: 2000, username: 'alice', bytesReceived: 10, bytesSent: 20 },
      { cid: 2, commonName: 'b', realAddress: '127.0.0.1:5002', virtualAddress: '10.99.0.3', connectedSince: 2001 },
      { cid: 3, commonName: 'pending', realAddress: '127.0.0.1:5003', connectedSince: 2002 },
    ],
    2100,
  ).slice(0, -1),
);

test('ends what OpenVPN no longer lists and discovers what the store lacks', () => {
  const result = reconcile(
    [
      { key: { processStart: START, cid: 1 }, startedAt: 2_000_000 },
      { key: { processStart: START, cid: 7 } },
      { key: { processStart: START - 5, cid: 2 } }, // same CID, older epoch: a different session
    ],
    status,
    START,
  );
  assert.deepEqual(result.ended, [
    { processStart: START, cid: 7 },
    { processStart: START - 5, cid: 2 },
  ]);
  assert.deepEqual(result.discovered, [
    {
      key: { processStart: START, cid: 2 },
      clientIp: '10.99.0.3',
      remoteIp: '127.0.0.1',
      remotePort: 5002,
      commonName: 'b',
      username: undefined,
      startedAt: 2_001_000,
      bytesReceived: 0,
      bytesSent: 0,
    },
  ]);
});

test('a CID reused by a later session is not mistaken for the stored one', () => {
  const result = reconcile([{ key: { processStart: START, cid: 1 }, startedAt: 1_500_000 }], status, START);
  assert.deepEqual(result.ended, [{ processStart: START, cid: 1 }]);
  assert.deepEqual(result.discovered.map((d) => d.key.cid), [1, 2]);
});

test('pending clients are neither discovered nor keep a store session alive', () => {
  const result = reconcile([{ key: { processStart: START, cid: 3 } }], status, START);
  assert.deepEqual(result.ended, [{ processStart: START, cid: 3 }]);
  assert.equal(result.discovered.some((d) => d.key.cid === 3), false);
});

test('nothing to do when store and OpenVPN agree', () => {
  const result = reconcile(
    [
      { key: { processStart: START, cid: 1 } },
      { key: { processStart: START, cid: 2 }, startedAt: 2_001_000 },
    ],
    status,
    START,
  );
  assert.deepEqual(result, { ended: [], discovered: [] });
});
