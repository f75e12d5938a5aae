/**
 * Reads what `nft -j list …` prints. Pure: JSON in, plain values out. The drift check compares a
 * table's listing with the one recorded right after Sluice applied it, minus what legitimately
 * changes on its own: handles, counter values and the elements of session-driven sets.
 */
import { isSessionSet } from './names.ts';
import type { CounterValue } from './ruleset.ts';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export class ListingError extends Error {
  constructor(message: string) {
    super(`unexpected nft listing: ${message}`);
    this.name = 'ListingError';
  }
}

/** The `nftables` array of a listing: one object per table, chain, set, map, counter or rule. */
function entries(listing: unknown): JsonObject[] {
  if (!isObject(listing) || !Array.isArray(listing.nftables)) throw new ListingError('no "nftables" array');
  return listing.nftables.filter(isObject);
}

function only<T extends JsonValue>(entry: JsonObject, kind: string): (JsonObject & { name?: T }) | undefined {
  const value = entry[kind];
  return isObject(value) ? value : undefined;
}

export interface TableRef {
  family: string;
  name: string;
}

/** `nft -j list tables`. */
export function parseTables(listing: unknown): TableRef[] {
  return entries(listing).flatMap((entry) => {
    const table = only(entry, 'table');
    return table && typeof table.family === 'string' && typeof table.name === 'string' ? [{ family: table.family, name: table.name }] : [];
  });
}

/** Named counters of a table listing (`nft -j list table …` or `list counters table …`). */
export function parseCounters(listing: unknown): Map<string, CounterValue> {
  const counters = new Map<string, CounterValue>();
  for (const entry of entries(listing)) {
    const counter = only(entry, 'counter');
    if (counter && typeof counter.name === 'string' && typeof counter.packets === 'number' && typeof counter.bytes === 'number') {
      counters.set(counter.name, { packets: counter.packets, bytes: counter.bytes });
    }
  }
  return counters;
}

/** Elements of every set in a table listing, as plain addresses. */
export function parseSetElements(listing: unknown): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  for (const entry of entries(listing)) {
    const set = only(entry, 'set');
    if (!set || typeof set.name !== 'string') continue;
    const elements = Array.isArray(set.elem) ? set.elem : [];
    sets.set(
      set.name,
      elements.flatMap((element) => {
        if (typeof element === 'string') return [element];
        // Elements with options (timeouts, counters) come wrapped as {"elem": {"val": …}}.
        const wrapped = isObject(element) && isObject(element.elem) ? element.elem.val : undefined;
        return typeof wrapped === 'string' ? [wrapped] : [];
      }),
    );
  }
  return sets;
}

function withoutVolatile(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'handle' || key === 'packets' || key === 'bytes') continue;
    const inner = value[key];
    if (inner !== undefined) out[key] = withoutVolatile(inner);
  }
  return out;
}

/** Sort key of a listing entry: objects by kind and name; rules by chain (their order within it kept). */
function entryKey(entry: JsonObject): string {
  const [kind = '', body] = Object.entries(entry)[0] ?? [];
  if (!isObject(body)) return kind;
  return kind === 'rule' ? `rule:${String(body.chain)}` : `${kind}:${String(body.name)}`;
}

/**
 * A canonical text of a table's listing for drift checks: handles, counter values and the
 * elements of session-driven sets left out, keys sorted, objects in name order (an update in
 * place and a fresh replace list the same rules in different creation orders). Equal texts mean
 * the same rules.
 */
export function normalizeListing(listing: unknown): string {
  const kept = entries(listing)
    .filter((entry) => !('metainfo' in entry))
    .map((entry) => {
      const set = only(entry, 'set');
      if (set && typeof set.name === 'string' && isSessionSet(set.name)) {
        const { elem: _elements, ...rest } = set;
        return withoutVolatile({ set: rest });
      }
      return withoutVolatile(entry);
    })
    .filter(isObject);
  const keyed = kept.map((entry) => ({ key: entryKey(entry), entry }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return JSON.stringify(keyed.map((k) => k.entry));
}

/** The owner mark in a table's text listing (`comment "Sluice VPN server ID (gateway GW)"`). */
export function parseOwner(tableText: string): { serverId: string; gatewayId: string } | undefined {
  const match = /^\s*comment "Sluice VPN server ([0-9a-z_-]+) \(gateway ([0-9a-z]+)\)"\s*$/m.exec(tableText);
  return match?.[1] && match[2] ? { serverId: match[1], gatewayId: match[2] } : undefined;
}
