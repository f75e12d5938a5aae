import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import {
  bindingsOf,
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
  releasePasscodesOf,
  replaceBindings,
  setTokensValidAfter,
  setUserDisabled,
  type ApiKeyRecord,
  type User,
  type UserAccess,
} from '../../store/identity.ts';
import { listAllServers } from '../../store/vpn-servers.ts';
import { generatePasscode, generateSecret, hashSecret, normalizePasscode } from '../secrets/hashing.ts';
import { newId } from '../shared/ids.ts';
import { disconnectMatching } from '../clients/lifecycle.ts';
import type { DomainContext } from '../context.ts';
import type { IntentOrigin } from '../clients/model.ts';
import { hasRole, type Principal, type RoleBinding } from './roles.ts';
import { findTokenFamily } from '../../store/token-families.ts';
import type { ChangeHandlers } from '../../store/change-feed.ts';
import { TokenFamilies, type TokenPair } from './refresh-tokens.ts';
import { VpnAuthLockouts, type VpnAuthLimits } from './lockouts.ts';
import { PasscodeSpending } from './passcode-spending.ts';
import { DecisionReads } from './decision-reads.ts';
import type { TokenClaims, TokenSigner } from './tokens.ts';

export type { TokenPair } from './refresh-tokens.ts';

export interface IdentityOptions {
  passcodeTtlSeconds: number;
  /** How long a resolved principal is reused before roles and key are read again. */
  principalCacheMs: number;
  /** Failed VPN username authentications that lock a user or an address out; off when absent. */
  vpnAuthLimits?: VpnAuthLimits;
}

/** Where a VPN connection attempt comes from: its OpenVPN session key and remote address. */
export interface VpnAttempt {
  sessionKey?: string;
  remoteAddress?: string;
}

const API_KEY_BYTES = 32;

export class IdentityService {
  private readonly principals = new Map<string, { principal: Principal; tokensValidAfter: number; until: number }>();
  private readonly families: TokenFamilies;
  private readonly userChanges = new Set<(userId: string) => void>();
  /** Lockouts after failed VPN username authentications; lifted by an Administrator. */
  readonly lockouts: VpnAuthLockouts;
  /** Concurrent VPN decisions spend their passcodes in one write. */
  readonly passcodes: PasscodeSpending;
  /** Concurrent VPN decisions read their users and lockout counters together. */
  readonly decisionReads: DecisionReads;

  constructor(
    private readonly ctx: DomainContext,
    private readonly signer: TokenSigner,
    private readonly options: IdentityOptions,
  ) {
    this.families = new TokenFamilies(ctx, signer);
    this.lockouts = new VpnAuthLockouts(ctx, options.vpnAuthLimits ?? { user: null, address: null });
    this.passcodes = new PasscodeSpending(ctx);
    this.decisionReads = new DecisionReads(ctx);
  }

  async createUser(name: string, bindings: RoleBinding[]): Promise<User> {
    if (await findUserByName(this.ctx.store.db, name)) throw fieldError('name_conflict', 'name', `a user named ${name} already exists`, name);
    const user: User = { id: newId(), name, disabled: false, createdAt: this.ctx.clock.now(), tokensValidAfter: 0 };
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
    const { user, bindings } = await this.getUser(id);
    await inTransaction(this.ctx.store.db, async (trx) => {
      if (changes.disabled !== undefined) await setUserDisabled(trx, id, changes.disabled);
      // Enabling the user again must not revive what they held before the disable.
      if (changes.disabled === true) await setTokensValidAfter(trx, id, this.ctx.clock.now());
      if (changes.bindings !== undefined) await replaceBindings(trx, id, changes.bindings, newId);
    });
    this.forget(id);
    // Disabling a user ends their live VPN sessions at once; the gateway refuses their reconnects.
    if (changes.disabled === true && !user.disabled) await this.disconnectUserEverywhere(user.name, actor, origin);
    // So does taking away their VPNClient role, on each server they may no longer connect to.
    else if (changes.bindings !== undefined) await this.disconnectWhereRoleLost(user, bindings, changes.bindings, actor, origin);
    return { ...user, disabled: changes.disabled ?? user.disabled };
  }

  private async disconnectWhereRoleLost(user: User, before: RoleBinding[], after: RoleBinding[], actor: string, origin: IntentOrigin): Promise<void> {
    const principal = (bindings: RoleBinding[]): Principal => ({ userId: user.id, userName: user.name, bindings });
    for (const server of await listAllServers(this.ctx.store.db)) {
      if (hasRole(principal(before), 'VPNClient', server.id) && !hasRole(principal(after), 'VPNClient', server.id)) {
        await disconnectMatching(this.ctx, server.id, { username: user.name }, actor, { ...origin, cause: 'revoke' });
      }
    }
  }

  async deleteUser(id: string, actor: string, origin: IntentOrigin = {}): Promise<void> {
    const { user } = await this.getUser(id);
    await deleteUserRow(this.ctx.store.db, id);
    this.forget(id);
    await this.disconnectUserEverywhere(user.name, actor, origin);
  }

  /** A user who lost their access (disabled, deleted, no key left): their sessions end as revoked. */
  private async disconnectUserEverywhere(username: string, actor: string | null, origin: IntentOrigin = {}): Promise<void> {
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

  /** Deleting a user's last API key also ends their VPN sessions: without a key they cannot connect. */
  async deleteApiKey(userId: string, keyId: string, actor: string | null = null, origin: IntentOrigin = {}): Promise<void> {
    const key = await findApiKey(this.ctx.store.db, keyId);
    if (!key || key.userId !== userId) throw notFound('API key', keyId);
    await deleteApiKeyRow(this.ctx.store.db, keyId);
    this.forget(userId);
    const user = await findUser(this.ctx.store.db, userId);
    if (user && (await listApiKeys(this.ctx.store.db, userId)).length === 0) await this.disconnectUserEverywhere(user.name, actor, origin);
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
    return this.families.start(user.id, key.id);
  }

  /** A new pair for a refresh token, which is used up; a replayed one ends its whole family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = await this.families.verifyRefresh(refreshToken);
    await this.principalFor(claims).catch(() => {
      throw new SluiceError('invalid_api_key', 'the refresh token belongs to a disabled user, a deleted API key or an ended session', { name: 'refresh_token', type: 'field' });
    });
    // Forgotten whatever the outcome: a replayed refresh token ends the family, and its access
    // tokens must be refused at once, not when the cached principal runs out.
    try {
      return await this.families.rotate(claims);
    } finally {
      this.forgetFamily(claims.familyId);
    }
  }

  /** Ends the sign-in the access token belongs to: its refresh token and every access token of it. */
  async logout(accessToken: string): Promise<void> {
    const claims = await this.signer.verify(accessToken, 'access', this.ctx.clock.now());
    await this.families.end(claims.familyId);
    this.forgetFamily(claims.familyId);
  }

  /** Verifies a bearer token and returns who it speaks for, with their current roles. */
  async authenticate(accessToken: string): Promise<Principal> {
    const claims = await this.signer.verify(accessToken, 'access', this.ctx.clock.now());
    return this.principalFor(claims);
  }

  /**
   * Who a token speaks for, if its user, key and sign-in are still good. Cached briefly per
   * sign-in so the hot path reads the store at most once per principalCacheMs; the user's
   * tokens-valid-after mark is kept with it and compared per token.
   */
  private async principalFor(claims: TokenClaims): Promise<Principal> {
    const { userId, apiKeyId, familyId } = claims;
    const cacheKey = `${userId}/${apiKeyId}/${familyId}`;
    const now = this.ctx.clock.now();
    let cached = this.principals.get(cacheKey);
    if (!cached || cached.until <= now) {
      const db = this.ctx.store.db;
      const [user, key, family] = await Promise.all([findUser(db, userId), findApiKey(db, apiKeyId), findTokenFamily(db, familyId)]);
      if (!user || user.disabled || !key || key.userId !== userId) {
        throw new SluiceError('not_authenticated', 'the token belongs to a disabled user or a deleted API key');
      }
      if (!family || family.revokedAt !== null || family.userId !== userId) throw new SluiceError('not_authenticated', 'the token belongs to a session that has ended (logout or a reused refresh token)');
      const principal: Principal = { userId, userName: user.name, bindings: await bindingsOf(db, userId), apiKeyId };
      if (this.principals.size > 10_000) this.principals.clear();
      cached = { principal, tokensValidAfter: user.tokensValidAfter, until: now + this.options.principalCacheMs };
      this.principals.set(cacheKey, cached);
    }
    if (claims.issuedAtMs <= cached.tokensValidAfter) throw new SluiceError('not_authenticated', 'the token was issued before its user was disabled; get a new one');
    return cached.principal;
  }

  /** A sign-in ended: forgotten here and announced to the other replicas, which forget it too. */
  private forgetFamily(familyId: string): void {
    this.dropFamily(familyId);
    this.announce(`f:${familyId}`);
  }

  private dropFamily(familyId: string): void {
    for (const key of this.principals.keys()) if (key.endsWith(`/${familyId}`)) this.principals.delete(key);
  }

  /**
   * Another replica changed what a token speaks for: forget it here as well, so a revocation
   * anywhere holds everywhere at once rather than when this replica's cached principal runs out.
   */
  readonly principalChanges: ChangeHandlers = {
    change: (id) => {
      if (id.startsWith('f:')) this.dropFamily(id.slice(2));
      else if (id.startsWith('u:')) this.dropUser(id.slice(2));
    },
    resync: () => this.principals.clear(),
  };

  private announce(id: string): void {
    this.ctx.store.changes.publish(this.ctx.store.db, 'principals', id).catch(() => {
      // Lost notices cost latency only: the other replicas re-read within principalCacheMs.
    });
  }

  /**
   * Calls `listener` with a user's id whenever their roles, keys, enabled state or existence
   * change on this replica, so holders of long-lived access (event streams) re-check at once.
   */
  onUserChanged(listener: (userId: string) => void): () => void {
    this.userChanges.add(listener);
    return () => this.userChanges.delete(listener);
  }

  private forget(userId: string): void {
    this.dropUser(userId);
    this.announce(`u:${userId}`);
  }

  private dropUser(userId: string): void {
    for (const listener of this.userChanges) queueMicrotask(() => listener(userId));
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
   * Whether this user may connect to this server at all: they exist, are enabled, hold the
   * VPNClient role there and still have an API key (without one they could get no passcode).
   * Asked on CONNECT and again on every renegotiation.
   */
  async vpnAccessOf(serverId: string, username: string): Promise<{ ok: true; user: User } | { ok: false; reason: string }> {
    return accessVerdict(serverId, (await this.decisionReads.read({ username, counterKeys: [] })).access);
  }

  /**
   * The gateway's question on CONNECT: may this username with this passcode use this server?
   * The passcode is consumed only when every other check passed, so a wrong server does not burn it.
   * Every refusal counts against the user and the remote address; a locked-out one is refused first.
   * `attempt.sessionKey` names the attempt a passcode is spent on, so releaseAttempts can give it back.
   */
  async verifyVpnCredentials(serverId: string, username: string, passcode: string, attempt: VpnAttempt = {}): Promise<{ ok: true; userId: string } | { ok: false; reason: string }> {
    // The user and the lockout counters in one batched read; a lockout still refuses first, and
    // nothing of what was read about the user reaches a locked-out caller.
    const keys = this.lockouts.attemptKeys(username, attempt.remoteAddress);
    const facts = await this.decisionReads.read({ username, counterKeys: keys?.all ?? [] });
    const { refusal, userHasFailures } = this.lockouts.judge(facts.counters, keys, attempt.remoteAddress);
    if (refusal) return { ok: false, reason: refusal };
    const access = accessVerdict(serverId, facts.access);
    const result = access.ok ? await this.spendPasscode(serverId, access.user, passcode, attempt.sessionKey) : access;
    if (!result.ok) await this.lockouts.failed(username, attempt.remoteAddress);
    else if (userHasFailures) await this.lockouts.succeeded(username);
    return result;
  }

  private async spendPasscode(serverId: string, user: User, passcode: string, sessionKey: string | undefined): Promise<{ ok: true; userId: string } | { ok: false; reason: string }> {
    const attempt = sessionKey === undefined ? undefined : { serverId, sessionKey };
    const used = await this.passcodes.spend({ userId: user.id, hash: hashSecret(normalizePasscode(passcode)), now: this.ctx.clock.now(), attempt });
    return used ? { ok: true, userId: user.id } : { ok: false, reason: 'passcode is wrong, used or expired' };
  }

  /**
   * The gateway ended these connection attempts before they became sessions (it found them still
   * waiting for an answer after a restart, and kicked them so their clients retry at once). A
   * passcode one of them spent bought nothing, so it is valid again until it expires: the same
   * user's retry with it succeeds, and no passcode ever backs two sessions.
   */
  async releaseAttempts(serverId: string, sessionKeys: readonly string[]): Promise<number> {
    return releasePasscodesOf(this.ctx.store.db, serverId, sessionKeys, this.ctx.clock.now());
  }
}

/** Whether a user read for a VPN decision may use this server at all (the passcode aside). */
function accessVerdict(serverId: string, access: UserAccess | undefined): { ok: true; user: User } | { ok: false; reason: string } {
  if (!access || access.user.disabled) return { ok: false, reason: 'unknown or disabled user' };
  const { user, bindings } = access;
  const principal: Principal = { userId: user.id, userName: user.name, bindings };
  if (!hasRole(principal, 'VPNClient', serverId)) return { ok: false, reason: 'user lacks the VPNClient role for this server' };
  if (!access.hasApiKey) return { ok: false, reason: 'user has no API key' };
  return { ok: true, user };
}
