import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toTimestamp } from './clock.ts';

test('timestamps are exactly what toISOString writes, from 1970 to 9999 and around its edges', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => toTimestamp(ms) === new Date(ms).toISOString()),
    { numRuns: 20_000 },
  );
  for (const ms of [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, -86_400_001, 1.5]) {
    assert.equal(toTimestamp(ms), new Date(ms).toISOString(), String(ms));
  }
  assert.throws(() => toTimestamp(Number.NaN), RangeError);
});

test('records of one day in any order, and days revisited, each get their own date', () => {
  const times = [1_796_000_000_000, 1_796_000_000_000 + 86_400_000, 1_796_000_000_000 - 1, 1_796_000_000_000, 0];
  assert.deepEqual(times.map(toTimestamp), times.map((ms) => new Date(ms).toISOString()));
});
