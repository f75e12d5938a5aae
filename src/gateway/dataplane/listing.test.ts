import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ListingError, normalizeListing, parseCounters, parseOwner, parseSetElements, parseTables } from './listing.ts';

/** What nftables 1.0.6 printed for golden/office.nft (`nft -j list table …`, `nft list table …`). */
const listing = JSON.parse(readFileSync(new URL('./golden/office.listing.json', import.meta.url), 'utf8')) as { nftables: Record<string, Record<string, unknown>>[] };
const text = readFileSync(new URL('./golden/office.listing.txt', import.meta.url), 'utf8');
const route = (n: number): string => `r001-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const clone = (): typeof listing => JSON.parse(JSON.stringify(listing)) as typeof listing;
const find = (copy: typeof listing, kind: string, name: string): Record<string, unknown> => {
  const entry = copy.nftables.find((e) => (e[kind] as { name?: string } | undefined)?.name === name)?.[kind];
  assert.ok(entry, `${kind} ${name}`);
  return entry;
};

test('tables, named counters and set elements are read from a real listing', () => {
  assert.deepEqual(parseTables(listing), [{ family: 'inet', name: 'sluice_7a709a2ccbe5' }]);
  assert.deepEqual(parseCounters(listing).get('unrouted'), { packets: 0, bytes: 0 });
  assert.deepEqual(parseCounters(listing).get(`route_${route(2).replaceAll('-', '_')}`), { packets: 0, bytes: 0 });
  assert.deepEqual(parseSetElements(listing).get('sessions'), ['100.64.0.2', '100.64.0.3']);
  assert.deepEqual(parseSetElements(listing).get(`route_${route(4).replaceAll('-', '_')}_allowed`), ['100.64.0.2']);
});

test('drift: counters, handles and session-driven elements do not count; a changed rule or element does', () => {
  const base = normalizeListing(listing);
  const busy = clone();
  find(busy, 'counter', 'unrouted').packets = 99;
  find(busy, 'set', 'sessions').elem = ['100.64.0.9'];
  busy.nftables.forEach((entry) => {
    for (const value of Object.values(entry)) if (typeof value === 'object' && value !== null && 'handle' in value) (value as { handle: number }).handle += 1000;
  });
  assert.equal(normalizeListing(busy), base);

  const flushed = clone();
  flushed.nftables = flushed.nftables.filter((e) => (e.rule as { chain?: string } | undefined)?.chain !== 'from_clients');
  assert.notEqual(normalizeListing(flushed), base);

  const widened = clone();
  find(widened, 'set', 'translated').elem = [{ prefix: { addr: '0.0.0.0', len: 0 } }];
  assert.notEqual(normalizeListing(widened), base);
});

test('the owner mark names the server and the gateway', () => {
  assert.deepEqual(parseOwner(text), { serverId: 'r001-7a709a2c-cbe5-4817-8fe7-9de37f3f8d57', gatewayId: '5e1f00d5' });
  assert.equal(parseOwner('table inet other {\n\tcomment "mine"\n}'), undefined);
});

test('something that is not a listing is refused', () => {
  assert.throws(() => parseTables({}), ListingError);
  assert.throws(() => normalizeListing('nope'), ListingError);
});
