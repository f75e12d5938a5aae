import type { TokenProvider } from './auth.ts';
import { apiErrorOf, NetworkError } from './errors.ts';

/** The API version this client was written against; sent on every /v1 call with `generation=2`. */
export const API_VERSION = '2026-11-25';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON body; PATCH bodies are sent as merge patches. */
  body?: unknown;
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal;
}

export interface TransportOptions {
  /** Base URL of the API; '' for same-origin relative URLs (the console). */
  endpoint: string;
  auth: TokenProvider;
  fetch?: typeof fetch;
  version?: string;
}

/**
 * `path` with the version parameters every /v1 call needs and `query` added; parameters already in
 * `path` (a `next.href`) are kept. Empty and undefined values are left out. Pure.
 */
export function apiUrl(path: string, query: Query = {}, version = API_VERSION): string {
  const [pathname = path, existing = ''] = path.split('?', 2);
  const params = new URLSearchParams(existing);
  if (pathname.startsWith('/v1')) {
    if (!params.has('version')) params.set('version', version);
    if (!params.has('generation')) params.set('generation', '2');
  }
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/**
 * Authenticated HTTP with the reference's conventions. After a 401 it asks the token provider to
 * renew and retries once (unless the provider says no retry can help); a 401 that stays is reported
 * to the provider (`refused`) so a signed-in session can end.
 */
export class Transport {
  readonly endpoint: string;
  private readonly auth: TokenProvider;
  private readonly fetchImpl: typeof fetch;
  private readonly version: string;

  constructor(options: TransportOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.auth = options.auth;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.version = options.version ?? API_VERSION;
  }

  url(path: string, query: Query = {}): string {
    return this.endpoint + apiUrl(path, query, this.version);
  }

  /** Sends the request and returns the 2xx response; anything else becomes an ApiError. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const attempt = async (): Promise<Response> => {
      const headers: Record<string, string> = { Accept: options.accept ?? 'application/json', ...options.headers };
      headers.Authorization = `Bearer ${await this.auth.token()}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        return await this.fetchImpl(url, { method, headers, body, signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new NetworkError(this.endpoint, error);
      }
    };
    let response = await attempt();
    if (response.status === 401) {
      const refused = await apiErrorOf(response);
      if ((await this.auth.invalidate()) === false) {
        this.auth.refused?.();
        throw refused;
      }
      response = await attempt();
    }
    if (!response.ok) {
      if (response.status === 401) this.auth.refused?.();
      throw await apiErrorOf(response);
    }
    return response;
  }

  /** The JSON answer; undefined for an empty one (202, 204). */
  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async text(method: string, path: string, options?: RequestOptions): Promise<string> {
    const response = await this.send(method, path, { accept: 'text/plain', ...options });
    return response.text();
  }

  /** For 202/204 answers whose body the caller does not need. */
  async empty(method: string, path: string, options?: RequestOptions): Promise<void> {
    const response = await this.send(method, path, options);
    await response.body?.cancel();
  }
}

/** The `start` token of a collection's `next.href`, if there is a next page. */
export function nextStart(next: { href: string } | undefined): string | undefined {
  if (!next) return undefined;
  return new URL(next.href, 'http://placeholder').searchParams.get('start') ?? undefined;
}

/** A collection's absolute `next.href` as a same-origin path (the console follows it as is). Pure. */
export function relativeHref(href: string): string {
  try {
    const u = new URL(href, 'http://placeholder');
    return `${u.pathname}${u.search}`;
  } catch {
    return href;
  }
}
