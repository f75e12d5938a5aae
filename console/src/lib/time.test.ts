import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, duration, exactTime, relativeTime, toMillis } from './time.ts';

const now = Date.parse('2026-11-25T12:00:00.000Z');

test('relative times in both directions, singular and plural', () => {
  assert.equal(relativeTime('2026-11-25T11:59:58.000Z', now), 'just now');
  assert.equal(relativeTime('2026-11-25T11:59:30.000Z', now), '30 seconds ago');
  assert.equal(relativeTime('2026-11-25T11:59:00.000Z', now), '1 minute ago');
  assert.equal(relativeTime('2026-11-25T09:00:00.000Z', now), '3 hours ago');
  assert.equal(relativeTime('2026-11-23T12:00:00.000Z', now), '2 days ago');
  assert.equal(relativeTime('2026-11-25T13:00:00.000Z', now), 'in 1 hour');
  assert.equal(relativeTime(undefined, now), '—');
  assert.equal(relativeTime('not a date', now), '—');
  assert.equal(relativeTime(now - 120_000, now), '2 minutes ago');
});

test('exact time in UTC', () => {
  assert.equal(exactTime('2026-11-25T09:05:03.120Z'), '2026-11-25 09:05:03 UTC');
  assert.equal(exactTime(undefined), '');
  assert.match(exactTime('2026-11-25T09:05:03.120Z', false), /^2026-11-2\d \d\d:\d\d:03 UTC[+-]\d\d:\d\d$/);
});

test('durations and byte counts', () => {
  assert.equal(duration(600), '10 min');
  assert.equal(duration(3725), '1 h 2 min');
  assert.equal(duration(42), '42 s');
  assert.equal(duration(0), '0 s');
  assert.equal(duration(90_000), '1 d 1 h');
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(1536), '1.5 KiB');
  assert.equal(bytes(undefined), '—');
  assert.equal(toMillis(''), undefined);
});
