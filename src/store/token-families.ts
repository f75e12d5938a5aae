import type { Executor } from './database.ts';

/** One sign-in's server-side session: the refresh token that may still be used, and whether it ended. */
export interface TokenFamily {
  id: string;
  userId: string;
  apiKeyId: string;
  refreshId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export async function insertTokenFamily(db: Executor, family: TokenFamily): Promise<void> {
  await db
    .insertInto('token_families')
    .values({
      id: family.id,
      user_id: family.userId,
      api_key_id: family.apiKeyId,
      refresh_id: family.refreshId,
      created_at: family.createdAt,
      expires_at: family.expiresAt,
      revoked_at: family.revokedAt,
    })
    .execute();
}

export async function findTokenFamily(db: Executor, id: string): Promise<TokenFamily | undefined> {
  const row = await db.selectFrom('token_families').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, userId: row.user_id, apiKeyId: row.api_key_id, refreshId: row.refresh_id, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}

/**
 * Moves the family from one refresh token to the next in one conditional update; false when
 * `fromRefreshId` is not the current one (a replay) or the family has ended.
 */
export async function rotateTokenFamily(db: Executor, id: string, fromRefreshId: string, toRefreshId: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .updateTable('token_families')
    .set({ refresh_id: toRefreshId, expires_at: expiresAt })
    .where('id', '=', id)
    .where('refresh_id', '=', fromRefreshId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function revokeTokenFamily(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('token_families').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function deleteExpiredTokenFamilies(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('token_families').where('expires_at', '<=', now).execute();
}
