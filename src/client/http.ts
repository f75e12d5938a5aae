import type { TokenProvider } from './auth.ts';
import { apiErrorFrom, NetworkError } from './errors.ts';

/** The API version this client was written against; sent on every call with `generation=2`. */
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
  endpoint: string;
  auth: TokenProvider;
  fetch?: typeof fetch;
  version?: string;
}

/** Authenticated HTTP with the reference's conventions; retries once with a fresh token after a 401. */
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
    const url = new URL(this.endpoint + path);
    url.searchParams.set('version', this.version);
    url.searchParams.set('generation', '2');
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** Sends the request and returns the 2xx response; anything else becomes an ApiError. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const attempt = async (): Promise<Response> => {
      const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers };
      headers.authorization = `Bearer ${await this.auth.token()}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
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
      await response.body?.cancel();
      this.auth.invalidate();
      response = await attempt();
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const response = await this.send(method, path, options);
    return (await response.json()) as T;
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
  return new URL(next.href).searchParams.get('start') ?? undefined;
}
