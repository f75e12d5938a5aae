import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { SluiceError } from '../../errors/catalogue.ts';

export type TokenKind = 'access' | 'refresh';

export interface TokenClaims {
  userId: string;
  apiKeyId: string;
  kind: TokenKind;
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
}

const ISSUER = 'sluice';

/** Tokens are HS256 JWTs signed with a key derived from the master key, so every replica verifies them. */
/** Verified tokens remembered until they expire: a signature check per request costs more than the request. */
const VERIFIED_CACHE_LIMIT = 10_000;

export class TokenSigner {
  private readonly verified = new Map<string, { claims: TokenClaims; expiresAtMs: number }>();

  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: Record<TokenKind, number>,
  ) {}

  async issue(claims: TokenClaims, nowMs: number): Promise<IssuedToken> {
    const issuedAt = Math.floor(nowMs / 1000);
    const expiresAt = issuedAt + this.ttlSeconds[claims.kind];
    const token = await new SignJWT({ kid: claims.apiKeyId, typ: claims.kind })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt };
  }

  async verify(token: string, kind: TokenKind, nowMs: number): Promise<TokenClaims> {
    const known = this.verified.get(token);
    if (known && known.claims.kind === kind) {
      if (known.expiresAtMs > nowMs) return known.claims;
      this.verified.delete(token);
    }
    const { claims, expiresAtMs } = await this.check(token, kind, nowMs);
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { claims, expiresAtMs });
    return claims;
  }

  private async check(token: string, kind: TokenKind, nowMs: number): Promise<{ claims: TokenClaims; expiresAtMs: number }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: new Date(nowMs),
      });
      if (payload.typ !== kind || typeof payload.sub !== 'string' || typeof payload.kid !== 'string') {
        throw new SluiceError('not_authenticated', `the token is not an ${kind} token`);
      }
      return { claims: { userId: payload.sub, apiKeyId: payload.kid, kind }, expiresAtMs: (payload.exp ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new SluiceError('not_authenticated', 'the token has expired; get a new one from /identity/token');
      throw new SluiceError('not_authenticated', 'the token is not valid');
    }
  }
}
