import { randomUUID, randomInt } from 'node:crypto';

/** Ids look like the reference's (`r006-<uuid>`): 1–64 chars of [-0-9a-z_]. */
export const ID_PREFIX = 'r001';
export const newId = (): string => `${ID_PREFIX}-${randomUUID()}`;
export const ID_PATTERN = '^[-0-9a-z_]+$';

const adjectives = ['amber', 'brisk', 'calm', 'clever', 'daring', 'eager', 'fancy', 'gentle', 'hardy', 'jolly', 'keen', 'lively', 'mellow', 'nimble', 'polite', 'quiet', 'rapid', 'silver', 'steady', 'tidy', 'vivid', 'witty'];
const nouns = ['badger', 'beacon', 'canyon', 'cedar', 'comet', 'delta', 'falcon', 'harbor', 'heron', 'island', 'lagoon', 'maple', 'meadow', 'otter', 'pebble', 'quarry', 'river', 'sparrow', 'summit', 'tundra', 'walnut', 'willow'];
const pick = (words: readonly string[]): string => words[randomInt(words.length)] ?? 'x';

/** A generated name in the reference's style: hyphenated random words, valid as a resource name. */
export const generateName = (): string => `${pick(adjectives)}-${pick(nouns)}-${pick(adjectives)}-${pick(nouns)}`;

/**
 * A generated name that none of `taken` has: a caller who gave no name must never get a
 * `name_conflict` for a name it did not choose (50 routes of one server collide ≈ 0.5 % of the time).
 */
export function generateUnusedName(taken: ReadonlySet<string>): string {
  for (let attempt = 0; attempt < 32; attempt += 1) {
    const name = generateName();
    if (!taken.has(name)) return name;
  }
  return `${generateName()}-${randomInt(1_000_000)}`;
}

export const NAME_PATTERN = '^([a-z]|[a-z][-a-z0-9]*[a-z0-9])$';
