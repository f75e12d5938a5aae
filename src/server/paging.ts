import type { FastifyRequest } from 'fastify';
import type { Page } from '../store/pagination.ts';
import { hrefBaseOf } from './hosts.ts';

export const DEFAULT_LIMIT = 50;

/** Absolute base URL of this service: the configured public URL or a checked Host (see hosts.ts). */
export const baseUrl = (request: FastifyRequest): string => hrefBaseOf(request);

function pageHref(request: FastifyRequest, start: string | undefined, limit: number): string {
  // Joined as text: resolving a path like //other.example against the base would change the host.
  const url = new URL(`${baseUrl(request) || 'http://localhost'}${request.url}`);
  url.searchParams.delete('start');
  url.searchParams.set('limit', String(limit));
  if (start !== undefined) url.searchParams.set('start', start);
  return url.toString();
}

/** Wraps a store page in the reference's collection envelope. */
export function collectionOf<T, U>(request: FastifyRequest, key: string, page: Page<T>, limit: number, present: (item: T) => U) {
  const body: Record<string, unknown> = {
    first: { href: pageHref(request, undefined, limit) },
    limit,
    total_count: page.totalCount,
    [key]: page.items.map(present),
  };
  if (page.next !== undefined) body.next = { href: pageHref(request, page.next, limit) };
  return body;
}
