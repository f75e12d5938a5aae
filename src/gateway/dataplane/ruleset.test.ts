import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { renderMembershipChanges, renderRemoval, renderRuleset, RulesetError, setMembers, setsOf, type DataPlaneRoute, type DataPlaneSpec } from './ruleset.ts';
import { flattenRoutes, longestPrefixMatch } from './longest-prefix.ts';
import { formatAddress, parseAddress, parseCidr } from './ipv4.ts';
import { deviceName, routeKey, shortId, tableName } from './names.ts';
import { manyRoutes } from './many-routes.ts';

const SERVER = 'r001-7a709a2c-cbe5-4817-8fe7-9de37f3f8d57';
const id = (n: number): string => `r001-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const office: DataPlaneSpec = {
  serverId: SERVER,
  gatewayId: '5e1f00d5',
  device: deviceName(SERVER),
  clientIpPool: '100.64.0.0/22',
  egressInterfaces: [],
  routes: [
    { id: id(1), destination: '10.10.0.0/16', action: 'deliver' },
    { id: id(2), destination: '10.10.20.0/24', action: 'drop' },
    { id: id(3), destination: '10.30.0.0/24', action: 'translate' },
    { id: id(4), destination: '10.40.0.0/16', action: 'deliver', access: { users: ['alice'], commonNames: ['build-agent'] } },
  ],
  sessions: [
    { address: '100.64.0.2', username: 'alice', commonName: null },
    { address: '100.64.0.3', username: 'bob', commonName: null },
  ],
};

function assertGoldenText(name: string, actual: string): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.SLUICE_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI === 'true' && !existsSync(file)) assert.fail(`golden file ${name} is missing`);
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `rendering differs from golden/${name} (SLUICE_UPDATE_GOLDEN=1 to accept)`);
}

test('golden: nested deliver/drop, translate, an access-limited route and two sessions', () => {
  assertGoldenText('office.nft', renderRuleset(office));
});

test('golden: no routes at all — everything from clients is dropped', () => {
  assertGoldenText('no-routes.nft', renderRuleset({ ...office, routes: [], sessions: [] }));
});

test('golden: an update in place after a route was added, one lost its limit and one went', () => {
  const previous = office.routes;
  const routes: DataPlaneRoute[] = [
    { id: id(1), destination: '10.10.0.0/16', action: 'deliver', access: { users: ['alice'], commonNames: [] } },
    { id: id(3), destination: '10.30.0.0/24', action: 'translate' },
    { id: id(4), destination: '10.40.0.0/16', action: 'deliver' },
    { id: id(5), destination: '10.10.128.0/17', action: 'drop' },
  ];
  assertGoldenText('office-update.nft', renderRuleset({ ...office, routes }, { previous: { routes: previous, clientIpPool: office.clientIpPool } }));
});

test('golden: 0.0.0.0/0 translate with a drop carved out, egress interfaces and carried-over counters', () => {
  const spec: DataPlaneSpec = {
    ...office,
    egressInterfaces: ['eth0', 'ens4'],
    routes: [
      { id: id(1), destination: '0.0.0.0/0', action: 'translate' },
      { id: id(2), destination: '192.168.0.0/16', action: 'drop' },
    ],
    sessions: [],
    counters: { named: new Map([[routeKey(id(1)), { packets: 12, bytes: 3456 }], ['unrouted', { packets: 7, bytes: 420 }]]) },
  };
  assertGoldenText('internet.nft', renderRuleset(spec));
});

test('names: table and tun device come from the id, the device fits Linux\'s 15 characters', () => {
  assert.equal(shortId(SERVER), '7a709a2ccbe5');
  assert.equal(tableName(SERVER), 'sluice_7a709a2ccbe5');
  assert.equal(deviceName(SERVER), 'sl7a709a2ccbe5');
  assert.ok(deviceName('some-other-shape-of-id').length <= 15);
  assert.match(deviceName('some-other-shape-of-id'), /^sl[0-9a-f]{12}$/);
  assert.equal(deviceName(SERVER, '3'), 's37a709a2ccbe5', 'a second gateway on the host tags its devices apart');
});

test('bad input is refused naming the field', () => {
  assert.throws(() => renderRuleset({ ...office, routes: [{ id: id(1), destination: '10.0.0.0/8', action: 'drop', access: { users: ['a'], commonNames: [] } }] }), (e: unknown) => e instanceof RulesetError && e.field === 'routes[0].access');
  assert.throws(() => renderRuleset({ ...office, device: 'a device' }), (e: unknown) => e instanceof RulesetError && e.field === 'device');
  assert.throws(() => renderRuleset({ ...office, clientIpPool: '100.64.0.1/22' }), (e: unknown) => e instanceof RulesetError && e.field === 'clientIpPool');
  assert.throws(() => renderRuleset({ ...office, routes: [{ id: id(1), destination: '10.0.0.0/33', action: 'deliver' }] }), (e: unknown) => e instanceof RulesetError && e.field === 'routes[0].destination');
  assert.throws(() => renderRuleset({ ...office, routes: [{ id: id(1), destination: '10.0.0.0/8', action: 'accept' as 'deliver' }] }), (e: unknown) => e instanceof RulesetError && e.field === 'routes[0].action');
  assert.throws(
    () => renderRuleset({ ...office, routes: [{ id: id(1), destination: '10.0.0.0/8', action: 'deliver' }, { id: id(2), destination: '10.0.0.0/8', action: 'drop' }] }),
    /two routes have the destination 10.0.0.0\/8/,
  );
  assert.throws(() => renderRuleset({ ...office, sessions: [{ address: '100.64.0.2; flush ruleset', username: null, commonName: null }] }), (e: unknown) => e instanceof RulesetError && e.field === 'sessions[0].address');
  assert.throws(() => renderRuleset({ ...office, egressInterfaces: ['eth0"'] }), (e: unknown) => e instanceof RulesetError && e.field === 'egressInterfaces[0]');
});

test('removal and membership changes are single transactions on the server\'s table', () => {
  assert.equal(renderRemoval(SERVER), 'table inet sluice_7a709a2ccbe5 {}\ndelete table inet sluice_7a709a2ccbe5\n');
  assert.equal(
    renderMembershipChanges(SERVER, [
      { op: 'add', set: 'sessions', address: '100.64.0.9' },
      { op: 'delete', set: 'route_x_allowed', address: '100.64.0.8' },
    ]),
    'add element inet sluice_7a709a2ccbe5 sessions { 100.64.0.9 }\ndelete element inet sluice_7a709a2ccbe5 route_x_allowed { 100.64.0.8 }\n',
  );
  assert.throws(() => renderMembershipChanges(SERVER, [{ op: 'add', set: 'sessions', address: '1.2.3.4 }; flush ruleset; {' }]), RulesetError);
});

test('access: a session joins the allowed set of each route it may use, and always `sessions`', () => {
  const [alice, bob] = office.sessions;
  assert.ok(alice && bob);
  assert.deepEqual(setsOf(office.routes, alice), ['sessions', `${routeKey(id(4))}_allowed`]);
  assert.deepEqual(setsOf(office.routes, bob), ['sessions']);
  assert.deepEqual(setsOf(office.routes, { address: '100.64.0.4', username: null, commonName: 'build-agent' }), ['sessions', `${routeKey(id(4))}_allowed`]);
  assert.deepEqual(Object.fromEntries(setMembers(office.routes, office.sessions)), { sessions: ['100.64.0.2', '100.64.0.3'], [`${routeKey(id(4))}_allowed`]: ['100.64.0.2'] });
});

// ---- properties ---------------------------------------------------------------------------------

/** A random route; addresses are drawn from few /8s so that prefixes nest and touch often. */
const routeArb = fc
  .record({
    top: fc.constantFrom(0, 10, 11, 100, 255),
    rest: fc.integer({ min: 0, max: 2 ** 24 - 1 }),
    prefix: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(8, 16, 24, 32)),
    action: fc.constantFrom<DataPlaneRoute['action']>('deliver', 'drop', 'translate'),
  })
  .map(({ top, rest, prefix, action }) => {
    const size = 2 ** (32 - prefix);
    const network = Math.floor((top * 2 ** 24 + rest) / size) * size;
    return { destination: `${formatAddress(network)}/${prefix}`, action };
  });

const routesArb = fc.uniqueArray(routeArb, { selector: (r) => r.destination, maxLength: 40 }).map((routes) => routes.map((r, i) => ({ ...r, id: id(i) })));

/** Addresses worth probing: every route's edges and their neighbours, plus random ones. */
function probes(routes: readonly DataPlaneRoute[], random: readonly number[]): number[] {
  const edges = routes.flatMap((r) => {
    const { first, last } = parseCidr('destination', r.destination);
    return [first - 1, first, last, last + 1];
  });
  return [0, 2 ** 32 - 1, ...edges, ...random].filter((a) => a >= 0 && a <= 2 ** 32 - 1);
}

test('property: the flattened ranges partition the address space and give each address its longest-prefix route', () => {
  fc.assert(
    fc.property(routesArb, fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 20 }), (routes, random) => {
      const segments = flattenRoutes(routes);
      assert.equal(segments[0]?.first, 0);
      assert.equal(segments.at(-1)?.last, 2 ** 32 - 1);
      for (let i = 1; i < segments.length; i++) assert.equal(segments[i]?.first, (segments[i - 1]?.last ?? 0) + 1);
      assert.ok(segments.length <= 2 * routes.length + 1, 'at most 2n + 1 ranges');
      for (const address of probes(routes, random)) {
        const segment = segments.find((s) => address >= s.first && address <= s.last);
        assert.equal(segment?.route, longestPrefixMatch(routes, address), `address ${formatAddress(address)}`);
      }
    }),
    { numRuns: 300 },
  );
});

/** Reads the rendered `destinations` map and `translated` set back, as nftables would. */
function readRendered(text: string): { lookup(address: number): string | undefined; translated(address: number): boolean } {
  // Elements as the renderer writes them: `RANGE [counter …] comment "ROUTE-ID …" : VERDICT`.
  const block = (name: string): string[] => {
    const start = text.indexOf(`  ${name} {`);
    const end = text.indexOf('\n  }', start);
    const body = text.slice(start, end);
    const open = body.indexOf('elements = {');
    return open < 0 ? [] : body.slice(open + 12, body.lastIndexOf('}')).split(',').map((s) => s.trim()).filter(Boolean);
  };
  const range = (text: string): [number, number] => {
    if (text.includes('/')) {
      const cidr = parseCidr('x', text);
      return [cidr.first, cidr.last];
    }
    const [a = '', b = ''] = text.split('-');
    return [parseAddress('x', a), parseAddress('x', b)];
  };
  const map = block('map destinations').map((element) => {
    const match = /^(\S+) comment "(\S+) [^"]*" : (accept|drop|goto \S+)$/.exec(element);
    assert.ok(match?.[1] && match[2] && match[3], `element "${element}"`);
    return { range: range(match[1]), route: match[2], verdict: match[3] };
  });
  const counted = block('map route_counters').map((element) => {
    const [key = '', counter = ''] = element.split(' : ');
    return { range: range(key), counter: counter.replaceAll('"', '') };
  });
  assert.deepEqual(
    counted.map((c) => c.range),
    map.map((m) => m.range),
    'the counter map has the decision map\'s ranges',
  );
  counted.forEach((c, i) => assert.equal(c.counter, routeKey(map[i]?.route ?? ''), 'each range counts for the route that decides it'));
  const translated = block('set translated').map(range);
  for (let i = 1; i < map.length; i++) assert.ok((map[i]?.range[0] ?? 0) > (map[i - 1]?.range[1] ?? 0), 'map elements do not overlap');
  return {
    lookup: (address) => {
      const element = map.find((e) => address >= e.range[0] && address <= e.range[1]);
      return element && `${element.route} ${element.verdict}`;
    },
    translated: (address) => translated.some(([first, last]) => address >= first && address <= last),
  };
}

test('property: in the rendered ruleset every destination goes to exactly the route longest-prefix match says, or is dropped', () => {
  fc.assert(
    fc.property(routesArb, fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 20 }), (routes, random) => {
      const text = renderRuleset({ ...office, routes, sessions: [] });
      const rendered = readRendered(text);
      for (const address of probes(routes, random)) {
        const expected = longestPrefixMatch(routes, address);
        const verdict = expected?.action === 'drop' ? 'drop' : 'accept';
        assert.equal(rendered.lookup(address), expected ? `${expected.id} ${verdict}` : undefined, `address ${formatAddress(address)}`);
        assert.equal(rendered.translated(address), expected?.action === 'translate', `translated ${formatAddress(address)}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('1 000 routes render into at most 2 001 map elements', () => {
  const routes = manyRoutes(1000);
  const text = renderRuleset({ ...office, routes, sessions: [] });
  const elements = text.split('\n').filter((line) => / comment "r001-.* : (accept|drop|goto \S+),?$/.test(line));
  assert.equal(text.split('\n').filter((line) => / : "route_r001_\w+",?$/.test(line)).length, elements.length);
  assert.ok(elements.length <= 2 * routes.length + 1);
  assert.equal(new Set(routes.map((r) => r.destination)).size, 1000);
});
