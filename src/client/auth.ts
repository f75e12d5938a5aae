import { apiErrorOf, NetworkError } from './errors.ts';
import type { TokenResponse } from './types.ts';

/**
 * Supplies bearer tokens. After a 401 `invalidate` is called so the next `token()` fetches anew; it
 * may answer `false` when no retry can help (a console session whose refresh was refused).
 * `refused` hears of a 401 that stayed.
 */
export interface TokenProvider {
  token(): Promise<string>;
  invalidate(): void | boolean | Promise<void | boolean>;
  refused?(): void;
}

/** Tokens as cached between runs; `expiration` is Unix seconds. */
export interface CachedTokens {
  access_token: string;
  refresh_token?: string;
  expiration: number;
}

export interface ApiKeyAuthOptions {
  endpoint: string;
  apikey: string;
  fetch?: typeof fetch;
  /** Tokens from an earlier run. */
  cached?: CachedTokens | undefined;
  /** Called whenever new tokens are obtained, so a caller can persist them. */
  onTokens?: (tokens: CachedTokens) => void | Promise<void>;
  /** Seconds before expiry at which a token counts as expired; clocks drift. */
  skewSeconds?: number;
  now?: () => number;
}

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

/** Some IAM-style servers send milliseconds; accept either. */
const toSeconds = (value: number): number => (value > 1e12 ? Math.floor(value / 1000) : value);

/**
 * The IAM flow: exchange an API key for an access + refresh token, refresh before expiry and fall
 * back to a fresh key exchange when the refresh token is refused.
 */
export class ApiKeyAuth implements TokenProvider {
  private tokens: CachedTokens | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly skew: number;
  private readonly now: () => number;

  constructor(private readonly options: ApiKeyAuthOptions) {
    this.tokens = options.cached;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.skew = options.skewSeconds ?? 30;
    this.now = options.now ?? (() => Date.now());
  }

  async token(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const current = this.tokens;
    if (current && current.expiration - this.skew > nowSeconds) return current.access_token;
    if (current?.refresh_token) {
      const refreshed = await this.exchange({ grant_type: 'refresh_token', refresh_token: current.refresh_token }).catch(() => undefined);
      if (refreshed) return refreshed.access_token;
    }
    const fresh = await this.exchange({ grant_type: APIKEY_GRANT, apikey: this.options.apikey });
    return fresh.access_token;
  }

  invalidate(): void {
    // Keep the refresh token: a 401 usually means the access token expired early or was revoked.
    if (this.tokens) this.tokens = { ...this.tokens, expiration: 0 };
  }

  private async exchange(form: Record<string, string>): Promise<CachedTokens> {
    const url = new URL('/identity/token', this.options.endpoint).toString();
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
      });
    } catch (error) {
      throw new NetworkError(this.options.endpoint, error);
    }
    if (!response.ok) throw await apiErrorOf(response);
    const body = (await response.json()) as TokenResponse;
    const expiration = body.expiration ? toSeconds(body.expiration) : Math.floor(this.now() / 1000) + body.expires_in;
    const tokens: CachedTokens = { access_token: body.access_token, expiration };
    const refresh = body.refresh_token ?? (form.grant_type === 'refresh_token' ? form.refresh_token : undefined);
    if (refresh) tokens.refresh_token = refresh;
    this.tokens = tokens;
    await this.options.onTokens?.(tokens);
    return tokens;
  }
}

/** A fixed token (the console's session, tests). */
export const staticToken = (value: string): TokenProvider => ({ token: async () => value, invalidate: () => undefined });
