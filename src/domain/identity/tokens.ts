import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { SluiceError } from '../../errors/catalogue.ts';

export type TokenKind = 'access' | 'refresh';

export interface TokenClaims {
  userId: string;
  apiKeyId: string;
  kind: TokenKind;
  /** The sign-in (token family) the token belongs to; revoking it ends every token of it. */
  familyId: string;
  /** Unique per token; a family accepts only its latest refresh token's id. */
  tokenId: string;
  /** Issue time in ms (JWT's `iat` has whole seconds, too coarse to order against a disable). */
  issuedAtMs: number;
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

  /** Lifetime of a token of this kind, seconds. */
  ttlOf(kind: TokenKind): number {
    return this.ttlSeconds[kind];
  }

  async issue(claims: Omit<TokenClaims, 'issuedAtMs'>, nowMs: number): Promise<IssuedToken> {
    const issuedAt = Math.floor(nowMs / 1000);
    const expiresAt = issuedAt + this.ttlSeconds[claims.kind];
    const token = await new SignJWT({ kid: claims.apiKeyId, typ: claims.kind, fam: claims.familyId, ims: nowMs })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(claims.tokenId)
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
      const { sub, kid, fam, jti, ims } = payload;
      if (payload.typ !== kind || typeof sub !== 'string' || typeof kid !== 'string') {
        throw new SluiceError('not_authenticated', `the token is not an ${kind} token`);
      }
      // Tokens from before sessions were kept server-side cannot be revoked, so they are not honoured.
      if (typeof fam !== 'string' || typeof jti !== 'string' || typeof ims !== 'number') throw new SluiceError('not_authenticated', 'the token is from an older release; get a new one from /identity/token');
      return { claims: { userId: sub, apiKeyId: kid, kind, familyId: fam, tokenId: jti, issuedAtMs: ims }, expiresAtMs: (payload.exp ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new SluiceError('not_authenticated', 'the token has expired; get a new one from /identity/token');
      throw new SluiceError('not_authenticated', 'the token is not valid');
    }
  }
}
