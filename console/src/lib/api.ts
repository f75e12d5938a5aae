// The API version the shared client is written against: the console speaks the same one.
import { API_VERSION } from '../../../src/client/http.ts';
import { ApiError, apiErrorFrom } from './errors.ts';

const STORAGE_KEY = 'sluice.session';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface Session {
  accessToken: string;
  refreshToken: string | undefined;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ApiOptions {
  fetch?: typeof fetch;
  storage?: KeyValueStore | undefined;
  now?: () => number;
  /** Called when the session ends (sign-out, or a refresh that failed). */
  onSessionChange?: (signedIn: boolean) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** `application/merge-patch+json` for PATCH by default. */
  contentType?: string;
  accept?: 'json' | 'text' | 'none';
  signal?: AbortSignal;
}

/** Adds the version parameters every /v1 call needs. Pure. */
export function apiUrl(path: string, query: Record<string, string | number | undefined> = {}): string {
  const [pathname, existing = ''] = path.split('?', 2);
  const params = new URLSearchParams(existing);
  if (pathname?.startsWith('/v1')) {
    if (!params.has('version')) params.set('version', API_VERSION);
    if (!params.has('generation')) params.set('generation', '2');
  }
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${pathname}?${qs}` : (pathname ?? path);
}

/** Turns an absolute `next.href` from a collection into a same-origin path. Pure. */
export function relativeHref(href: string): string {
  try {
    const u = new URL(href, 'http://placeholder');
    return `${u.pathname}${u.search}`;
  } catch {
    return href;
  }
}

export function sessionFromTokenAnswer(answer: unknown, now: number): Session {
  const a = answer as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; expiration?: unknown };
  if (typeof a?.access_token !== 'string') throw new ApiError(0, [{ code: 'invalid_token_answer', message: 'the token answer has no access_token' }]);
  let expiresAt = now + 3_600_000;
  if (typeof a.expiration === 'number') expiresAt = a.expiration * 1000;
  else if (typeof a.expires_in === 'number') expiresAt = now + a.expires_in * 1000;
  return { accessToken: a.access_token, refreshToken: typeof a.refresh_token === 'string' ? a.refresh_token : undefined, expiresAt };
}

export const needsRefresh = (session: Session, now: number): boolean => session.expiresAt - now < REFRESH_MARGIN_MS;

/**
 * Same-origin API client: bearer token in memory (mirrored to sessionStorage so a reload keeps
 * the sign-in for this tab only), refreshed before expiry and once on a 401.
 */
export class Api {
  private session: Session | undefined;
  private refreshing: Promise<boolean> | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: KeyValueStore | undefined;
  private readonly now: () => number;
  private readonly onSessionChange: (signedIn: boolean) => void;

  constructor(options: ApiOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.storage = options.storage;
    this.now = options.now ?? Date.now;
    this.onSessionChange = options.onSessionChange ?? (() => {});
    const saved = this.storage?.getItem(STORAGE_KEY);
    if (saved) {
      try {
        const s = JSON.parse(saved) as Session;
        if (typeof s.accessToken === 'string' && typeof s.expiresAt === 'number') this.session = s;
      } catch {
        this.storage?.removeItem(STORAGE_KEY);
      }
    }
  }

  get signedIn(): boolean {
    return this.session !== undefined;
  }

  async signIn(apikey: string): Promise<void> {
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey });
    this.setSession(await this.token(body));
  }

  /** Forgets the session here and ends it on the server (best effort: signing out never waits). */
  signOut(): void {
    const ending = this.session;
    this.setSession(undefined);
    if (ending) void this.fetchImpl('/identity/logout', { method: 'POST', headers: { Authorization: `Bearer ${ending.accessToken}` } }).catch(() => {});
  }

  private setSession(session: Session | undefined): void {
    const was = this.session !== undefined;
    this.session = session;
    if (session) this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
    else this.storage?.removeItem(STORAGE_KEY);
    if (was !== (session !== undefined)) this.onSessionChange(session !== undefined);
  }

  private async token(body: URLSearchParams): Promise<Session> {
    const res = await this.fetchImpl('/identity/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    });
    const json = await readJson(res);
    if (!res.ok) throw apiErrorFrom(res.status, json.value, json.text);
    return sessionFromTokenAnswer(json.value, this.now());
  }

  /** One refresh at a time; false (and signed out) when the refresh token is refused. */
  private refresh(): Promise<boolean> {
    const current = this.session;
    if (!current?.refreshToken) {
      this.setSession(undefined);
      return Promise.resolve(false);
    }
    this.refreshing ??= this.token(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current.refreshToken }))
      .then((s) => {
        this.setSession(s);
        return true;
      })
      .catch((error: unknown) => {
        // A network failure keeps the session (the next call retries); a refusal ends it.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) this.setSession(undefined);
        return false;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async authHeader(): Promise<string> {
    if (this.session && needsRefresh(this.session, this.now())) await this.refresh();
    if (!this.session) throw new ApiError(401, [{ code: 'not_authenticated', message: 'you are signed out; sign in again' }]);
    return `Bearer ${this.session.accessToken}`;
  }

  /** Sends an authorised request, refreshing once on 401. Returns the raw response when ok. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = apiUrl(path, options.query);
    const send = async (): Promise<Response> => {
      const headers: Record<string, string> = { ...options.headers, Authorization: await this.authHeader() };
      const init: RequestInit = { method, headers };
      if (options.signal) init.signal = options.signal;
      if (options.body !== undefined) {
        headers['Content-Type'] = options.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
        init.body = JSON.stringify(options.body);
      }
      if (options.accept !== 'none' && !headers.Accept) headers.Accept = options.accept === 'text' ? 'text/plain' : 'application/json';
      return this.fetchImpl(url, init);
    };
    let res = await send();
    if (res.status === 401 && this.session) {
      await res.body?.cancel().catch(() => {});
      if (await this.refresh()) res = await send();
    }
    if (!res.ok) {
      const json = await readJson(res);
      if (res.status === 401) this.setSession(undefined);
      throw apiErrorFrom(res.status, json.value, json.text);
    }
    return res;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    if (res.status === 202 || res.status === 204) {
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    }
    return (await res.json()) as T;
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.json<T>('GET', path, query ? { query } : {});
  }

  async text(path: string): Promise<string> {
    return (await this.raw('GET', path, { accept: 'text' })).text();
  }

  /** Every page of a collection, following `next.href`, up to `max` items. */
  async all<T>(path: string, key: string, query: RequestOptions['query'] = {}, max = 5000): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = apiUrl(path, { limit: 100, ...query });
    while (next && out.length < max) {
      const page: Record<string, unknown> = await this.get(next);
      const items = page[key];
      if (Array.isArray(items)) out.push(...(items as T[]));
      const n = page.next as { href?: string } | undefined;
      next = n?.href ? relativeHref(n.href) : undefined;
    }
    return out;
  }
}

async function readJson(res: Response): Promise<{ value: unknown; text: string }> {
  const text = await res.text().catch(() => '');
  try {
    return { value: text ? JSON.parse(text) : undefined, text };
  } catch {
    return { value: undefined, text };
  }
}
