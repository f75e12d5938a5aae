import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateName, generateUnusedName, NAME_PATTERN } from './ids.ts';

test('a generated name avoids the names taken, even when every word combination is', () => {
  const few = new Set(Array.from({ length: 200 }, generateName));
  for (let i = 0; i < 200; i += 1) assert.ok(!few.has(generateUnusedName(few)));

  const words = (name: string) => name.split('-');
  const [adjectives, nouns] = [new Set<string>(), new Set<string>()];
  for (let i = 0; i < 5000; i += 1) {
    const [a, n, b, m] = words(generateName());
    adjectives.add(a ?? '').add(b ?? '');
    nouns.add(n ?? '').add(m ?? '');
  }
  const all = new Set<string>();
  for (const a of adjectives) for (const n of nouns) for (const b of adjectives) for (const m of nouns) all.add(`${a}-${n}-${b}-${m}`);
  const name = generateUnusedName(all);
  assert.ok(!all.has(name), name);
  assert.match(name, new RegExp(NAME_PATTERN));
});
