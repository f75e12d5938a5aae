import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import {
  bindingsOf,
  consumePasscode,
  deleteApiKeyRow,
  deleteUserRow,
  findApiKey,
  findApiKeyByHash,
  findUser,
  findUserByName,
  insertApiKey,
  insertPasscode,
  insertUser,
  listApiKeys,
  listUsers,
  replaceBindings,
  setUserDisabled,
  type ApiKeyRecord,
  type User,
} from '../../store/identity.ts';
import { listAllServers } from '../../store/vpn-servers.ts';
import { generatePasscode, generateSecret, hashSecret, normalizePasscode } from '../secrets/hashing.ts';
import { newId } from '../shared/ids.ts';
import { disconnectMatching } from '../clients/lifecycle.ts';
import type { DomainContext } from '../context.ts';
import type { IntentOrigin } from '../clients/model.ts';
import { hasRole, type Principal, type RoleBinding } from './roles.ts';
import type { IssuedToken, TokenSigner } from './tokens.ts';

export interface IdentityOptions {
  passcodeTtlSeconds: number;
  /** How long a resolved principal is reused before roles and key are read again. */
  principalCacheMs: number;
}

export interface TokenPair {
  access: IssuedToken;
  refresh: IssuedToken;
  /** Whom the tokens speak for (recorded in the audit trail of the exchange). */
  subject: { userId: string; apiKeyId: string };
}

const API_KEY_BYTES = 32;

export class IdentityService {
  private readonly principals = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly ctx: DomainContext,
    private readonly signer: TokenSigner,
    private readonly options: IdentityOptions,
  ) {}

  async createUser(name: string, bindings: RoleBinding[]): Promise<User> {
    if (await findUserByName(this.ctx.store.db, name)) throw fieldError('name_conflict', 'name', `a user named ${name} already exists`, name);
    const user: User = { id: newId(), name, disabled: false, createdAt: this.ctx.clock.now() };
    await inTransaction(this.ctx.store.db, async (trx) => {
      await insertUser(trx, user);
      await replaceBindings(trx, user.id, bindings, newId);
    });
    return user;
  }

  async getUser(id: string): Promise<{ user: User; bindings: RoleBinding[] }> {
    const user = await findUser(this.ctx.store.db, id);
    if (!user) throw notFound('user', id);
    return { user, bindings: await bindingsOf(this.ctx.store.db, id) };
  }

  listUsers(): Promise<User[]> {
    return listUsers(this.ctx.store.db);
  }

  async updateUser(id: string, changes: { disabled?: boolean; bindings?: RoleBinding[] }, actor: string, origin: IntentOrigin = {}): Promise<User> {
    const { user } = await this.getUser(id);
    await inTransaction(this.ctx.store.db, async (trx) => {
      if (changes.disabled !== undefined) await setUserDisabled(trx, id, changes.disabled);
      if (changes.bindings !== undefined) await replaceBindings(trx, id, changes.bindings, newId);
    });
    this.forget(id);
    // Disabling a user ends their live VPN sessions at once; the gateway refuses their reconnects.
    if (changes.disabled === true && !user.disabled) await this.disconnectUserEverywhere(user.name, actor, origin);
    return { ...user, disabled: changes.disabled ?? user.disabled };
  }

  async deleteUser(id: string, actor: string, origin: IntentOrigin = {}): Promise<void> {
    const { user } = await this.getUser(id);
    await deleteUserRow(this.ctx.store.db, id);
    this.forget(id);
    await this.disconnectUserEverywhere(user.name, actor, origin);
  }

  /** A disabled or deleted user has lost their access: their sessions end as revoked. */
  private async disconnectUserEverywhere(username: string, actor: string, origin: IntentOrigin): Promise<void> {
    for (const server of await listAllServers(this.ctx.store.db)) {
      await disconnectMatching(this.ctx, server.id, { username }, actor, { ...origin, cause: 'revoke' });
    }
  }

  /** Creates an API key; the plain key is returned once and only its hash is kept. */
  async createApiKey(userId: string, name: string, value?: string): Promise<{ record: ApiKeyRecord; apikey: string }> {
    await this.getUser(userId);
    const apikey = value ?? generateSecret(API_KEY_BYTES);
    const record: ApiKeyRecord = { id: newId(), userId, name, createdAt: this.ctx.clock.now() };
    await insertApiKey(this.ctx.store.db, record, hashSecret(apikey));
    return { record, apikey };
  }

  listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    return listApiKeys(this.ctx.store.db, userId);
  }

  async deleteApiKey(userId: string, keyId: string): Promise<void> {
    const key = await findApiKey(this.ctx.store.db, keyId);
    if (!key || key.userId !== userId) throw notFound('API key', keyId);
    await deleteApiKeyRow(this.ctx.store.db, keyId);
    this.forget(userId);
  }

  async findApiKeyByValue(apikey: string): Promise<ApiKeyRecord | undefined> {
    return findApiKeyByHash(this.ctx.store.db, hashSecret(apikey));
  }

  /** The IAM exchange: an API key in, an access and a refresh token out. */
  async exchangeApiKey(apikey: string): Promise<TokenPair> {
    const key = await this.findApiKeyByValue(apikey);
    const user = key ? await findUser(this.ctx.store.db, key.userId) : undefined;
    if (!key || !user || user.disabled) {
      throw new SluiceError('invalid_api_key', 'the API key is not valid', { name: 'apikey', type: 'field' });
    }
    return this.issuePair(user.id, key.id);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = await this.signer.verify(refreshToken, 'refresh', this.ctx.clock.now()).catch(() => {
      throw new SluiceError('invalid_api_key', 'the refresh token is not valid', { name: 'refresh_token', type: 'field' });
    });
    await this.principalFor(claims.userId, claims.apiKeyId);
    return this.issuePair(claims.userId, claims.apiKeyId);
  }

  private async issuePair(userId: string, apiKeyId: string): Promise<TokenPair> {
    const now = this.ctx.clock.now();
    return {
      access: await this.signer.issue({ userId, apiKeyId, kind: 'access' }, now),
      refresh: await this.signer.issue({ userId, apiKeyId, kind: 'refresh' }, now),
      subject: { userId, apiKeyId },
    };
  }

  /** Verifies a bearer token and returns who it speaks for, with their current roles. */
  async authenticate(accessToken: string): Promise<Principal> {
    const claims = await this.signer.verify(accessToken, 'access', this.ctx.clock.now());
    return this.principalFor(claims.userId, claims.apiKeyId);
  }

  private async principalFor(userId: string, apiKeyId: string): Promise<Principal> {
    const cacheKey = `${userId}/${apiKeyId}`;
    const now = this.ctx.clock.now();
    const cached = this.principals.get(cacheKey);
    if (cached && cached.until > now) return cached.principal;
    const [user, key] = await Promise.all([findUser(this.ctx.store.db, userId), findApiKey(this.ctx.store.db, apiKeyId)]);
    if (!user || user.disabled || !key || key.userId !== userId) {
      throw new SluiceError('not_authenticated', 'the token belongs to a disabled user or a deleted API key');
    }
    const principal: Principal = { userId, userName: user.name, bindings: await bindingsOf(this.ctx.store.db, userId), apiKeyId };
    if (this.principals.size > 10_000) this.principals.clear();
    this.principals.set(cacheKey, { principal, until: now + this.options.principalCacheMs });
    return principal;
  }

  private forget(userId: string): void {
    for (const key of this.principals.keys()) if (key.startsWith(`${userId}/`)) this.principals.delete(key);
  }

  /** A one-time passcode for the caller's next VPN connection with username auth. */
  async issuePasscode(userId: string): Promise<{ passcode: string; expiresAt: number }> {
    const passcode = generatePasscode();
    const expiresAt = this.ctx.clock.now() + this.options.passcodeTtlSeconds * 1000;
    await insertPasscode(this.ctx.store.db, newId(), userId, hashSecret(normalizePasscode(passcode)), expiresAt);
    return { passcode, expiresAt };
  }

  /**
   * The gateway's question on CONNECT: may this username with this passcode use this server?
   * The passcode is consumed only when every other check passed, so a wrong server does not burn it.
   */
  async verifyVpnCredentials(serverId: string, username: string, passcode: string): Promise<{ ok: true; userId: string } | { ok: false; reason: string }> {
    const user = await findUserByName(this.ctx.store.db, username);
    if (!user || user.disabled) return { ok: false, reason: 'unknown or disabled user' };
    const principal: Principal = { userId: user.id, userName: user.name, bindings: await bindingsOf(this.ctx.store.db, user.id) };
    if (!hasRole(principal, 'VPNClient', serverId)) return { ok: false, reason: 'user lacks the VPNClient role for this server' };
    const used = await consumePasscode(this.ctx.store.db, user.id, hashSecret(normalizePasscode(passcode)), this.ctx.clock.now());
    return used ? { ok: true, userId: user.id } : { ok: false, reason: 'passcode is wrong, used or expired' };
  }
}

