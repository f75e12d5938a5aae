import type { FastifyRequest } from 'fastify';
import type { Page } from '../store/pagination.ts';
import { hrefBaseOf } from './hosts.ts';

export const DEFAULT_LIMIT = 50;

/** Absolute base URL of this service: the configured public URL or a checked Host (see hosts.ts). */
export const baseUrl = (request: FastifyRequest): string => hrefBaseOf(request);

/**
 * The `first` href and, when there is a next page, the `next` one: this request's URL with its
 * `start` dropped and `limit` set, then `start` set for the next page. The URL is parsed once for
 * both (parsing it is most of what building them costs).
 */
function pageHrefs(request: FastifyRequest, limit: number, next: string | undefined): { first: string; next?: string } {
  // Joined as text: resolving a path like //other.example against the base would change the host.
  const url = new URL(`${baseUrl(request) || 'http://localhost'}${request.url}`);
  url.searchParams.delete('start');
  url.searchParams.set('limit', String(limit));
  const first = url.toString();
  if (next === undefined) return { first };
  url.searchParams.set('start', next);
  return { first, next: url.toString() };
}

/** Wraps a store page in the reference's collection envelope. */
export function collectionOf<T, U>(request: FastifyRequest, key: string, page: Page<T>, limit: number, present: (item: T) => U) {
  const hrefs = pageHrefs(request, limit, page.next);
  const body: Record<string, unknown> = {
    first: { href: hrefs.first },
    limit,
    total_count: page.totalCount,
    [key]: page.items.map(present),
  };
  if (hrefs.next !== undefined) body.next = { href: hrefs.next };
  return body;
}
