import { SluiceClient } from '../../../src/client/api.ts';
import type { TokenProvider } from '../../../src/client/auth.ts';
import { ApiError, apiErrorOf } from '../../../src/client/errors.ts';

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
 * The console's sign-in: bearer token in memory (mirrored to sessionStorage so a reload keeps the
 * sign-in for this tab only), refreshed before expiry and once on a 401. Requests, errors and the
 * event stream are the shared client's (`client`, a `SluiceClient` on the same origin) — this class
 * only supplies its tokens.
 */
export class Api implements TokenProvider {
  readonly client: SluiceClient;
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
    this.client = new SluiceClient({ endpoint: '', auth: this, fetch: this.fetchImpl });
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
    this.setSession(await this.tokenGrant(body));
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

  private async tokenGrant(body: URLSearchParams): Promise<Session> {
    const res = await this.fetchImpl('/identity/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    });
    if (!res.ok) throw await apiErrorOf(res);
    const text = await res.text().catch(() => '');
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    return sessionFromTokenAnswer(answer, this.now());
  }

  /** One refresh at a time; false (and signed out) when the refresh token is refused. */
  private refresh(): Promise<boolean> {
    const current = this.session;
    if (!current?.refreshToken) {
      this.setSession(undefined);
      return Promise.resolve(false);
    }
    this.refreshing ??= this.tokenGrant(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current.refreshToken }))
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

  // --- TokenProvider (for the shared client) ---------------------------------------------------

  async token(): Promise<string> {
    if (this.session && needsRefresh(this.session, this.now())) await this.refresh();
    if (!this.session) throw new ApiError(401, [{ code: 'not_authenticated', message: 'you are signed out; sign in again' }]);
    return this.session.accessToken;
  }

  /** A 401: refresh once; no retry when signed out or the refresh was refused. */
  invalidate(): Promise<boolean> {
    return this.session ? this.refresh() : Promise.resolve(false);
  }

  /** A 401 that a fresh token did not cure ends the session. */
  refused(): void {
    this.setSession(undefined);
  }
}
