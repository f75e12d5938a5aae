/**
 * Longest-prefix match, compiled. nftables interval sets and maps refuse overlapping elements, and
 * route destinations overlap by design (a /24 `drop` inside a /16 `deliver`). So the routes are
 * flattened into disjoint address ranges, each carrying the route that longest-prefix match picks
 * for every address in it. One interval map lookup then decides a packet, whatever the number of
 * routes: at most 2n + 1 ranges for n routes.
 */
import { ADDRESS_SPACE_END, Ipv4Error, parseCidr, type AddressRange, type Cidr } from './ipv4.ts';

export interface Segment<R> extends AddressRange {
  /** The winning route, or undefined where no route matches (those packets are dropped). */
  route: R | undefined;
}

/**
 * Splits the IPv4 space into maximal disjoint ranges by winning route. Prefixes either nest or do
 * not touch, so a sweep over them sorted by (start, length) with a stack of the enclosing ones
 * finds every boundary: O(n log n).
 */
export function flattenRoutes<R extends { destination: string }>(routes: readonly R[]): Segment<R>[] {
  const blocks = routes.map((route, index) => ({ route, cidr: parseCidr(`routes[${index}].destination`, route.destination) }));
  blocks.sort((a, b) => a.cidr.first - b.cidr.first || a.cidr.prefix - b.cidr.prefix);
  for (let i = 1; i < blocks.length; i++) {
    const [previous, current] = [blocks[i - 1], blocks[i]];
    if (previous && current && previous.cidr.first === current.cidr.first && previous.cidr.prefix === current.cidr.prefix) {
      throw new Ipv4Error('routes', `two routes have the destination ${current.route.destination}`);
    }
  }
  const segments: Segment<R>[] = [];
  const open: { route: R; cidr: Cidr }[] = [];
  let cursor = 0;
  const emitUpTo = (end: number): void => {
    if (end < cursor) return;
    const route = open.at(-1)?.route;
    const last = segments.at(-1);
    if (last && last.route === route && last.last === cursor - 1) last.last = end;
    else segments.push({ first: cursor, last: end, route });
    cursor = end + 1;
  };
  const closeBefore = (address: number): void => {
    for (let top = open.at(-1); top && top.cidr.last < address; top = open.at(-1)) {
      emitUpTo(top.cidr.last);
      open.pop();
    }
  };
  for (const block of blocks) {
    closeBefore(block.cidr.first);
    emitUpTo(block.cidr.first - 1);
    open.push(block);
  }
  closeBefore(ADDRESS_SPACE_END + 1);
  emitUpTo(ADDRESS_SPACE_END);
  return segments;
}

/** The reference semantics spelled out naively: the longest route containing the address. */
export function longestPrefixMatch<R extends { destination: string }>(routes: readonly R[], address: number): R | undefined {
  let best: { route: R; prefix: number } | undefined;
  routes.forEach((route, index) => {
    const cidr = parseCidr(`routes[${index}].destination`, route.destination);
    if (address >= cidr.first && address <= cidr.last && (best === undefined || cidr.prefix > best.prefix)) best = { route, prefix: cidr.prefix };
  });
  return best?.route;
}

/** Adjacent ranges joined: what an interval set of these ranges holds. */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const out: AddressRange[] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last && range.first <= last.last + 1) last.last = Math.max(last.last, range.last);
    else out.push({ ...range });
  }
  return out;
}
