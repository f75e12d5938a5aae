import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * Server-side sessions for tokens. A family is one sign-in (an API key exchange): its refresh
 * token rotates on every use, and a refresh token presented twice revokes the family, as does
 * logout. `users.tokens_valid_after` refuses every token a user was issued before being disabled,
 * so enabling the user again revives none of them.
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const big = caps.bigint;
  await db.schema
    .createTable('token_families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('refresh_id', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('expires_at', big, (c) => c.notNull())
    .addColumn('revoked_at', big)
    .execute();
  await db.schema.createIndex('token_families_user').on('token_families').column('user_id').execute();
  await db.schema.createIndex('token_families_expiry').on('token_families').column('expires_at').execute();
  await db.schema.alterTable('users').addColumn('tokens_valid_after', big, (c) => c.notNull().defaultTo(0)).execute();
}
