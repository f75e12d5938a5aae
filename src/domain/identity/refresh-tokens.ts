import { randomUUID } from 'node:crypto';
import { SluiceError } from '../../errors/catalogue.ts';
import { findTokenFamily, insertTokenFamily, revokeTokenFamily, rotateTokenFamily } from '../../store/token-families.ts';
import type { DomainContext } from '../context.ts';
import type { IssuedToken, TokenClaims, TokenSigner } from './tokens.ts';

export interface TokenPair {
  access: IssuedToken;
  refresh: IssuedToken;
  /** Whom the tokens speak for (recorded in the audit trail of the exchange). */
  subject: { userId: string; apiKeyId: string };
}

const refused = (message: string): SluiceError => new SluiceError('invalid_api_key', message, { name: 'refresh_token', type: 'field' });

/**
 * Token families: every API key exchange starts one, kept in the store so any replica can end it.
 * A refresh token works once: using it moves the family to a new one, and presenting a used one
 * again (a stolen token replayed, or the thief racing the owner) ends the whole family, access
 * tokens included.
 */
export class TokenFamilies {
  constructor(
    private readonly ctx: DomainContext,
    private readonly signer: TokenSigner,
  ) {}

  async start(userId: string, apiKeyId: string): Promise<TokenPair> {
    const now = this.ctx.clock.now();
    const familyId = randomUUID();
    const refreshId = randomUUID();
    await insertTokenFamily(this.ctx.store.db, { id: familyId, userId, apiKeyId, refreshId, createdAt: now, expiresAt: this.refreshExpiry(now), revokedAt: null });
    return this.issue(userId, apiKeyId, familyId, refreshId, now);
  }

  /** Claims of a refresh token still usable as far as its signature and expiry go. */
  async verifyRefresh(refreshToken: string): Promise<TokenClaims> {
    return this.signer.verify(refreshToken, 'refresh', this.ctx.clock.now()).catch(() => {
      throw refused('the refresh token is not valid');
    });
  }

  /** Trades the family's current refresh token for a new pair; a replay ends the family. */
  async rotate(claims: TokenClaims): Promise<TokenPair> {
    const now = this.ctx.clock.now();
    const nextRefreshId = randomUUID();
    if (await rotateTokenFamily(this.ctx.store.db, claims.familyId, claims.tokenId, nextRefreshId, this.refreshExpiry(now))) {
      return this.issue(claims.userId, claims.apiKeyId, claims.familyId, nextRefreshId, now);
    }
    const family = await findTokenFamily(this.ctx.store.db, claims.familyId);
    if (family && family.revokedAt === null) {
      await revokeTokenFamily(this.ctx.store.db, family.id, now);
      throw refused('the refresh token was already used; every token of its sign-in is now revoked');
    }
    throw refused('the refresh token belongs to a session that has ended');
  }

  async end(familyId: string): Promise<void> {
    await revokeTokenFamily(this.ctx.store.db, familyId, this.ctx.clock.now());
  }

  private refreshExpiry(now: number): number {
    return now + this.signer.ttlOf('refresh') * 1000;
  }

  private async issue(userId: string, apiKeyId: string, familyId: string, refreshId: string, now: number): Promise<TokenPair> {
    return {
      access: await this.signer.issue({ userId, apiKeyId, kind: 'access', familyId, tokenId: randomUUID() }, now),
      refresh: await this.signer.issue({ userId, apiKeyId, kind: 'refresh', familyId, tokenId: refreshId }, now),
      subject: { userId, apiKeyId },
    };
  }
}
