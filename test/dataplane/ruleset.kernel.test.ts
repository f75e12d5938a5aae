/**
 * The renderer against the real nf_tables of a namespace this test makes: what the kernel looks up
 * is what longest-prefix match says; an update in place leaves exactly what a fresh replace does
 * and keeps the counters of routes that stay; the agent's IO shell reads it all back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderRuleset, type DataPlaneRoute, type DataPlaneSpec } from '../../src/gateway/dataplane/ruleset.ts';
import { manyRoutes } from '../../src/gateway/dataplane/many-routes.ts';
import { longestPrefixMatch } from '../../src/gateway/dataplane/longest-prefix.ts';
import { formatAddress, parseCidr } from '../../src/gateway/dataplane/ipv4.ts';
import { normalizeListing, parseCounters, parseSetElements } from '../../src/gateway/dataplane/listing.ts';
import { deviceName, routeKey, tableName } from '../../src/gateway/dataplane/names.ts';
import { Nft, NftError } from '../../src/gateway/io/nft.ts';
import { dataplaneSuiteSkipReason, scratchNamespace } from './support/lab.ts';

const skip = dataplaneSuiteSkipReason();
const run = skip === undefined ? describe : describe.skip;
const SERVER = 'r001-5ca1ab1e-0000-4000-8000-000000000001';
const TABLE = tableName(SERVER);

const base: DataPlaneSpec = {
  serverId: SERVER,
  gatewayId: '0123456789abcdef',
  device: deviceName(SERVER),
  clientIpPool: '100.64.0.0/16',
  egressInterfaces: [],
  routes: [],
  sessions: [{ address: '100.64.0.2', username: 'user-7', commonName: null }],
};

run('nftables ruleset in a real kernel', () => {
  let ns: ReturnType<typeof scratchNamespace>;
  let nft: Nft;
  before(() => {
    ns = scratchNamespace();
    nft = new Nft({ command: ['ip', 'netns', 'exec', ns.name, 'nft'] });
  });
  after(() => ns?.remove());

  test('the kernel decides every probed destination of a 1 000-route table by longest-prefix match', async () => {
    const routes = manyRoutes(1000);
    await nft.apply(renderRuleset({ ...base, routes }));
    const random = fc.sample(fc.integer({ min: 9 * 2 ** 24, max: 12 * 2 ** 24 - 1 }), { numRuns: 300, seed: 11 });
    const edges = routes.slice(0, 100).flatMap((r) => {
      const { first, last } = parseCidr('d', r.destination);
      return [first, last, last + 1];
    });
    const probes = [...random, ...edges];
    const routed = probes.filter((a) => longestPrefixMatch(routes, a) !== undefined);
    const unrouted = probes.filter((a) => longestPrefixMatch(routes, a) === undefined);
    assert.ok(routed.length > 100 && unrouted.length > 10, `${routed.length} routed, ${unrouted.length} unrouted probes`);
    const script = routed.map((a) => `get element inet ${TABLE} destinations { ${formatAddress(a)} }\n`).join('');
    const answers = ns.run('nft', ['-f', '-'], script).split('\n').filter((line) => line.includes('elements = {'));
    assert.equal(answers.length, routed.length);
    routed.forEach((address, i) => {
      const expected = longestPrefixMatch(routes, address);
      const verdict = expected?.access ? `goto ${routeKey(expected.id)}` : expected?.action === 'drop' ? 'drop' : 'accept';
      assert.match(answers[i] ?? '', new RegExp(`comment "${expected?.id} [^"]*" : ${verdict} }`), formatAddress(address));
    });
    for (const address of unrouted.slice(0, 15)) {
      assert.throws(() => ns.run('nft', ['get', 'element', 'inet', TABLE, 'destinations', `{ ${formatAddress(address)} }`]), /No such file or directory/, `${formatAddress(address)} has no route`);
    }
  });

  test('property: an update in place leaves what a fresh replace leaves, and keeps the counters of routes that stay', async () => {
    const routeArb = fc.record({ block: fc.integer({ min: 0, max: 7 }), sub: fc.integer({ min: 0, max: 3 }), nested: fc.boolean(), action: fc.constantFrom<DataPlaneRoute['action']>('deliver', 'drop', 'translate'), limited: fc.boolean() });
    const setArb = fc.uniqueArray(routeArb, { selector: (r) => `${r.block}/${r.nested ? r.sub : 'x'}`, maxLength: 8 }).map((list) =>
      list.map((r) => ({
        id: `r001-00000000-0000-4000-8000-${String(r.block * 10 + (r.nested ? r.sub + 1 : 0)).padStart(12, '0')}`,
        destination: r.nested ? `10.${r.block}.${r.sub * 64}.0/18` : `10.${r.block}.0.0/16`,
        action: r.action,
        ...(r.limited && r.action !== 'drop' && { access: { users: ['user-7'], commonNames: [] } }),
      })),
    );
    await fc.assert(
      fc.asyncProperty(setArb, setArb, async (before, after) => {
        await nft.apply(renderRuleset({ ...base, routes: before, counters: { named: new Map(before.map((r) => [routeKey(r.id), { packets: 5, bytes: 500 }])) } }));
        await nft.apply(renderRuleset({ ...base, routes: after }, { previous: { routes: before, clientIpPool: base.clientIpPool } }));
        const updated = await nft.listJson('table', 'inet', TABLE);
        await nft.apply(renderRuleset({ ...base, routes: after }));
        const fresh = await nft.listJson('table', 'inet', TABLE);
        assert.equal(normalizeListing(updated), normalizeListing(fresh));
        assert.deepEqual(parseSetElements(updated), parseSetElements(fresh));
        const counters = parseCounters(updated);
        for (const route of after) {
          const kept = before.some((r) => r.id === route.id);
          assert.deepEqual(counters.get(routeKey(route.id)), kept ? { packets: 5, bytes: 500 } : { packets: 0, bytes: 0 }, `${route.destination} ${kept ? 'kept' : 'new'}`);
        }
      }),
      { numRuns: 25 },
    );
  });

  test('the IO shell says what went wrong: a missing binary, a refused ruleset', async () => {
    await assert.rejects(new Nft({ command: ['/nonexistent/nft'] }).apply(''), (e: unknown) => e instanceof NftError && e.failure === 'missing' && /\/nonexistent\/nft was not found/.test(e.message));
    await assert.rejects(nft.apply('table inet broken { chain c { nonsense } }\n'), (e: unknown) => e instanceof NftError && e.failure === 'rejected' && /refused the ruleset/.test(e.message));
    assert.match(await nft.version(), /^nftables v/);
  });
});
