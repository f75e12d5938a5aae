import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { DialectName } from './dialect.ts';
import { inJsonText, sqliteJsonRows } from './json-array.ts';
import { QueryShapes } from './query-shapes.ts';
import type { Role, RoleBinding } from '../domain/identity/roles.ts';

export interface User {
  id: string;
  name: string;
  disabled: boolean;
  createdAt: number;
  /** Epoch ms; tokens issued at or before it are refused. */
  tokensValidAfter: number;
}

/** Statements of the VPN decision path, compiled once per store (see QueryShapes). */
const decisionShapes = new QueryShapes();

const toUser = (row: { id: string; name: string; disabled: number; created_at: number; tokens_valid_after: number }): User => ({
  id: row.id,
  name: row.name,
  disabled: row.disabled === 1,
  createdAt: row.created_at,
  tokensValidAfter: Number(row.tokens_valid_after),
});

export async function insertUser(db: Executor, user: User): Promise<void> {
  await db.insertInto('users').values({ id: user.id, name: user.name, disabled: user.disabled ? 1 : 0, created_at: user.createdAt }).execute();
}

export async function findUser(db: Executor, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function findUserByName(db: Executor, name: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** A user with what a VPN decision asks of them: role bindings and whether they hold an API key. */
export interface UserAccess {
  user: User;
  bindings: RoleBinding[];
  hasApiKey: boolean;
}

/**
 * The users of these names with their bindings and API-key presence: one statement (a row per
 * binding) whatever their number, so the VPN decisions waiting at once read their users together.
 */
export async function findUsersAccess(db: Executor, dialect: DialectName, names: readonly string[]): Promise<Map<string, UserAccess>> {
  const found = new Map<string, UserAccess>();
  if (names.length === 0) return found;
  // Built once per store: every VPN decision batch runs it, and building it cost more than its run.
  const query = decisionShapes.compile(db, 'users-access', [JSON.stringify(names)], (mark) =>
    db
      .selectFrom('users as u')
      .leftJoin('role_bindings as b', 'b.user_id', 'u.id')
      .selectAll('u')
      .select(['b.role', 'b.vpn_server_id'])
      .select((eb) => eb.exists(eb.selectFrom('api_keys as k').select('k.id').whereRef('k.user_id', '=', 'u.id')).as('has_api_key'))
      .where(inJsonText(dialect, 'u.name', mark<string>(0))),
  );
  const { rows } = await db.executeQuery(query);
  for (const row of rows) {
    let access = found.get(row.name);
    // PostgreSQL answers a boolean, SQLite 0 or 1.
    if (!access) found.set(row.name, (access = { user: toUser(row), bindings: [], hasApiKey: Boolean(row.has_api_key) }));
    if (row.role !== null) access.bindings.push({ role: row.role as Role, vpnServerId: row.vpn_server_id });
  }
  return found;
}

export async function listUsers(db: Executor): Promise<User[]> {
  return (await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute()).map(toUser);
}

export async function setUserDisabled(db: Executor, id: string, disabled: boolean): Promise<void> {
  await db.updateTable('users').set({ disabled: disabled ? 1 : 0 }).where('id', '=', id).execute();
}

/** Refuses every token of the user issued at or before `at`. */
export async function setTokensValidAfter(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('users').set({ tokens_valid_after: at }).where('id', '=', id).execute();
}

export async function deleteUserRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

export async function bindingsOf(db: Executor, userId: string): Promise<RoleBinding[]> {
  const rows = await db.selectFrom('role_bindings').select(['role', 'vpn_server_id']).where('user_id', '=', userId).execute();
  return rows.map((r) => ({ role: r.role as Role, vpnServerId: r.vpn_server_id }));
}

export async function replaceBindings(db: Executor, userId: string, bindings: readonly RoleBinding[], newId: () => string): Promise<void> {
  await db.deleteFrom('role_bindings').where('user_id', '=', userId).execute();
  if (bindings.length === 0) return;
  await db
    .insertInto('role_bindings')
    .values(bindings.map((b) => ({ id: newId(), user_id: userId, role: b.role, vpn_server_id: b.vpnServerId })))
    .execute();
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
}

export async function insertApiKey(db: Executor, key: ApiKeyRecord, keyHash: string): Promise<void> {
  await db.insertInto('api_keys').values({ id: key.id, user_id: key.userId, name: key.name, key_hash: keyHash, created_at: key.createdAt }).execute();
}

export async function findApiKeyByHash(db: Executor, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  return row ? { id: row.id, userId: row.user_id, name: row.name, createdAt: row.created_at } : undefined;
}

export async function findApiKey(db: Executor, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { id: row.id, userId: row.user_id, name: row.name, createdAt: row.created_at } : undefined;
}

export async function listApiKeys(db: Executor, userId: string): Promise<ApiKeyRecord[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  return rows.map((row) => ({ id: row.id, userId: row.user_id, name: row.name, createdAt: row.created_at }));
}

export async function deleteApiKeyRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('api_keys').where('id', '=', id).execute();
}

export async function insertPasscode(db: Executor, id: string, userId: string, hash: string, expiresAt: number): Promise<void> {
  await db.insertInto('passcodes').values({ id, user_id: userId, passcode_hash: hash, expires_at: expiresAt, used_at: null, used_by_server: null, used_by_session: null }).execute();
}

/** The connection attempt a passcode is spent on: a VPN server and OpenVPN's session key. */
export interface PasscodeAttempt {
  serverId: string;
  sessionKey: string;
}

/** One attempt to spend a passcode: the user named, the passcode's hash, when, and on what attempt. */
export interface PasscodeSpend {
  userId: string;
  hash: string;
  now: number;
  attempt: PasscodeAttempt | undefined;
}

/**
 * Marks used, in one statement, each passcode that is its user's, unused and unexpired; returns the
 * spends this statement carried out (user and hash). The attempt each was spent on is remembered so that it can be given
 * back (releasePasscodesOf). A passcode must not appear twice in one call: which of two would win
 * is not defined (the caller keeps the first).
 */
export async function consumePasscodes(db: Executor, dialect: DialectName, spends: readonly PasscodeSpend[]): Promise<Array<{ userId: string; hash: string }>> {
  if (spends.length === 0) return [];
  const data = JSON.stringify(spends.map((s) => ({ user_id: s.userId, passcode_hash: s.hash, now: s.now, server: s.attempt?.serverId ?? null, session: s.attempt?.sessionKey ?? null })));
  const query =
    dialect === 'postgres'
      ? sql<{ user_id: string; passcode_hash: string }>`update passcodes p set used_at = a.now, used_by_server = a.server, used_by_session = a.session
          from json_to_recordset(${data}::json) as a(user_id text, passcode_hash text, now bigint, server text, session text)
          where p.passcode_hash = a.passcode_hash and p.user_id = a.user_id and p.used_at is null and p.expires_at > a.now
          returning p.user_id, p.passcode_hash`
      : sql<{ user_id: string; passcode_hash: string }>`update passcodes set used_at = a.value ->> 'now', used_by_server = a.value ->> 'server', used_by_session = a.value ->> 'session'
          from ${sqliteJsonRows(data)} a
          where passcodes.passcode_hash = a.value ->> 'passcode_hash' and passcodes.user_id = a.value ->> 'user_id'
            and passcodes.used_at is null and passcodes.expires_at > a.value ->> 'now'
          returning passcodes.user_id, passcodes.passcode_hash`;
  return (await query.execute(db)).rows.map((r) => ({ userId: r.user_id, hash: r.passcode_hash }));
}

/**
 * Makes the unexpired passcodes spent by these attempts of one server usable again; returns how
 * many. Only for attempts that provably got no session (see IdentityService.releaseAttempts).
 */
export async function releasePasscodesOf(db: Executor, serverId: string, sessionKeys: readonly string[], now: number): Promise<number> {
  if (sessionKeys.length === 0) return 0;
  const result = await db
    .updateTable('passcodes')
    .set({ used_at: null, used_by_server: null, used_by_session: null })
    .where('used_by_server', '=', serverId)
    .where('used_by_session', 'in', sessionKeys)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteExpiredPasscodes(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('passcodes').where('expires_at', '<=', now).execute();
}

export async function getSetting(db: Executor, key: string): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/** Sets the value unless one exists; returns the value that won (first writer wins across replicas). */
export async function initSetting(db: Executor, key: string, value: string): Promise<string> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await getSetting(db, key)) ?? value;
}
