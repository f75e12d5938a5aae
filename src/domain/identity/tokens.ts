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
export class TokenSigner {
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
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: new Date(nowMs),
      });
      if (payload.typ !== kind || typeof payload.sub !== 'string' || typeof payload.kid !== 'string') {
        throw new SluiceError('not_authenticated', `the token is not an ${kind} token`);
      }
      return { userId: payload.sub, apiKeyId: payload.kid, kind };
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new SluiceError('not_authenticated', 'the token has expired; get a new one from /identity/token');
      throw new SluiceError('not_authenticated', 'the token is not valid');
    }
  }
}
