import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartData, formatBytes, totals } from './monitoring.ts';

const point = (at: string, over: Partial<Record<string, number>> = {}) => ({ at, connected_clients: 0, connects: 0, disconnects: 0, auth_failures: 0, bytes_received: 0, bytes_sent: 0, ...over });

test('each named series becomes one datum per point, for Carbon Charts', () => {
  const points = [point('2026-11-30T09:00:00.000Z', { connects: 2, disconnects: 1 }), point('2026-11-30T09:01:00.000Z', { connects: 1 })];
  const data = chartData(points, { Connects: (p) => p.connects, Disconnects: (p) => p.disconnects });
  assert.equal(data.length, 4);
  assert.deepEqual(data[0], { group: 'Connects', date: new Date('2026-11-30T09:00:00.000Z'), value: 2 });
  assert.deepEqual(data[3], { group: 'Disconnects', date: new Date('2026-11-30T09:01:00.000Z'), value: 0 });
});

test('window totals: peak connected, summed counters and bytes', () => {
  const t = totals([point('a', { connected_clients: 3, connects: 2, auth_failures: 1, bytes_received: 10, bytes_sent: 5 }), point('b', { connected_clients: 1, disconnects: 2, bytes_sent: 5 })]);
  assert.deepEqual(t, { peak: 3, connects: 2, disconnects: 2, authFailures: 1, bytes: 20 });
});

test('bytes read as people read them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(52_110_000), '52 MB');
});
