import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import {
  consumeJoinToken,
  deleteGatewayRow,
  findGateway,
  findGatewayByJoinTokenHash,
  findGatewayByName,
  findGatewayBySubnet,
  findGatewayCredential,
  insertGateway,
  replaceJoinToken,
  touchGateway,
  updateGateway as writeGateway,
} from '../../store/gateways.ts';
import { constantTimeEqual, generateSecret, hashSecret } from '../secrets/hashing.ts';
import { newId } from '../shared/ids.ts';
import { isIpv4 } from '../../ip/cidr.ts';
import { EMBEDDED_SUBNET_ID } from '../vpn-servers/model.ts';
import type { Actor, DomainContext } from '../context.ts';
import { CREDENTIAL_PREFIX, JOIN_TOKEN_PREFIX, JOIN_TOKEN_TTL_MS, etagOf, type Gateway, type GatewayPatch, type GatewaySpec, type PortRange } from './model.ts';

/** A join token as shown, once, to the Administrator who asked for it. */
export interface JoinToken {
  token: string;
  expiresAt: number;
}

const SECRET_BYTES = 32;
/** 32 random bytes in base64url. */
const SECRET = '[A-Za-z0-9_-]{43}';
const JOIN_TOKEN = new RegExp(`^${JOIN_TOKEN_PREFIX}${SECRET}$`);
/** `sgc_<gateway id>_<secret>`: the id lets the lookup be by primary key; only the secret is hashed. */
const CREDENTIAL = new RegExp(`^${CREDENTIAL_PREFIX}([-0-9a-z_]{1,64})_(${SECRET})$`);
/** Characters of the secret kept beside the hash, so credentials can be told apart. */
const SHOWN_SECRET_CHARS = 4;
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;

/** One answer for an unknown, spent or expired token: the caller learns nothing about which. */
const joinRefused = (): SluiceError =>
  new SluiceError('not_authenticated', 'the join token is not valid (it is unknown, already used or expired); ask an Administrator for a new one', { name: 'join_token', type: 'field' });

function newJoinToken(now: number): JoinToken & { hash: string } {
  const token = `${JOIN_TOKEN_PREFIX}${generateSecret(SECRET_BYTES)}`;
  return { token, expiresAt: now + JOIN_TOKEN_TTL_MS, hash: hashSecret(token) };
}

function assertHost(host: string): void {
  // Dotted digits that are no IPv4 address (999.1.1.1) would otherwise pass as a DNS name.
  if (/^[0-9.]+$/.test(host) && !isIpv4(host)) throw fieldError('invalid_value', 'host', `host ${host} is neither an IPv4 address nor a DNS name`, host);
}

function assertPortRange(range: PortRange | null | undefined): void {
  if (range && range.min > range.max) throw fieldError('invalid_value', 'port_range', `port_range.min ${range.min} is above port_range.max ${range.max}`, `${range.min}-${range.max}`);
}

function assertLabels(labels: Record<string, string> | undefined): void {
  for (const key of Object.keys(labels ?? {})) {
    if (!LABEL_KEY.test(key)) throw fieldError('invalid_value', 'labels', `label key ${key} must be 1-63 letters, digits, '.', '_', '/' or '-', starting and ending with a letter or digit`, key);
  }
}

async function assertNameFree(ctx: DomainContext, name: string, exceptId: string | undefined): Promise<void> {
  const other = await findGatewayByName(ctx.store.db, name);
  if (other && other.id !== exceptId) throw fieldError('name_conflict', 'name', `a gateway named ${name} already exists`, name);
}

async function assertSubnetFree(ctx: DomainContext, subnetId: string): Promise<void> {
  if (subnetId === EMBEDDED_SUBNET_ID) throw fieldError('subnet_conflict', 'subnet.id', `subnet id ${subnetId} names the gateway built into sluice serve`, subnetId);
  const other = await findGatewayBySubnet(ctx.store.db, subnetId);
  if (other) throw fieldError('subnet_conflict', 'subnet.id', `gateway ${other.name} already has subnet id ${subnetId}`, subnetId);
}

/**
 * Registers a gateway and gives it its first join token (shown once, stored only as a hash).
 * `_actor` is who asked; the audit trail records the call itself.
 */
export async function registerGateway(ctx: DomainContext, spec: GatewaySpec, _actor: Actor): Promise<{ gateway: Gateway; joinToken: JoinToken }> {
  assertHost(spec.host);
  assertPortRange(spec.portRange);
  assertLabels(spec.labels);
  const id = newId();
  const subnetId = spec.subnetId ?? id;
  await assertNameFree(ctx, spec.name, undefined);
  await assertSubnetFree(ctx, subnetId);
  const now = ctx.clock.now();
  const join = newJoinToken(now);
  const gateway: Gateway = {
    id,
    name: spec.name,
    host: spec.host,
    portRange: spec.portRange ?? null,
    labels: spec.labels ?? {},
    subnetId,
    joinExpiresAt: join.expiresAt,
    hasCredential: false,
    credentialPrefix: null,
    lastSeenAt: null,
    version: null,
    createdAt: now,
    revision: 1,
  };
  try {
    await insertGateway(ctx.store.db, gateway, join.hash);
  } catch (error) {
    // Two registrations racing for one name or subnet: the unique index decides, the loser gets the 409.
    await assertNameFree(ctx, spec.name, undefined);
    await assertSubnetFree(ctx, subnetId);
    throw error;
  }
  return { gateway, joinToken: { token: join.token, expiresAt: join.expiresAt } };
}

/** Edits name, host, port range or labels; `ifMatch` (optional) must be the current ETag. */
export async function updateGateway(ctx: DomainContext, id: string, patch: GatewayPatch, ifMatch: string | undefined): Promise<Gateway> {
  const current = await findGateway(ctx.store.db, id);
  if (!current) throw notFound('gateway', id);
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(current)) {
    throw new SluiceError('etag_mismatch', `If-Match ${ifMatch} does not match the current ETag ${etagOf(current)}`, { name: 'If-Match', type: 'header', value: ifMatch });
  }
  if (patch.host !== undefined) assertHost(patch.host);
  assertPortRange(patch.portRange);
  assertLabels(patch.labels);
  if (patch.name !== undefined) await assertNameFree(ctx, patch.name, id);
  const next: Gateway = {
    ...current,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.host !== undefined && { host: patch.host }),
    ...(patch.portRange !== undefined && { portRange: patch.portRange }),
    ...(patch.labels !== undefined && { labels: patch.labels }),
    revision: current.revision + 1,
  };
  let written: boolean;
  try {
    written = await writeGateway(ctx.store.db, next, current.revision);
  } catch (error) {
    if (patch.name !== undefined) await assertNameFree(ctx, patch.name, id);
    throw error;
  }
  if (!written) throw new SluiceError('etag_mismatch', `gateway ${id} changed while this update was applied; fetch it and retry`, { name: 'If-Match', type: 'header' });
  return next;
}

/**
 * A new join token for re-enrolling the gateway. Its current credential stops working at once
 * (and a live connection made with it ends), as does any join token issued before.
 */
export async function issueJoinToken(ctx: DomainContext, gatewayId: string): Promise<JoinToken> {
  const join = newJoinToken(ctx.clock.now());
  if (!(await replaceJoinToken(ctx.store.db, gatewayId, join.hash, join.expiresAt))) throw notFound('gateway', gatewayId);
  ctx.gateway.gatewayRevoked(gatewayId);
  return { token: join.token, expiresAt: join.expiresAt };
}

/**
 * Exchanges a join token for the gateway's long-lived credential, shown only in this answer. The
 * token is spent in the same transaction that stores the credential's hash, so it joins once.
 */
export async function joinGateway(ctx: DomainContext, joinToken: string): Promise<{ gateway: Gateway; credential: string }> {
  if (!JOIN_TOKEN.test(joinToken)) throw joinRefused();
  const tokenHash = hashSecret(joinToken);
  const now = ctx.clock.now();
  return inTransaction(ctx.store.db, async (trx) => {
    const found = await findGatewayByJoinTokenHash(trx, tokenHash);
    if (!found || !constantTimeEqual(found.joinTokenHash, tokenHash) || found.joinExpiresAt <= now) throw joinRefused();
    const { gateway } = found;
    const secret = generateSecret(SECRET_BYTES);
    const prefix = `${CREDENTIAL_PREFIX}${gateway.id}_${secret.slice(0, SHOWN_SECRET_CHARS)}`;
    if (!(await consumeJoinToken(trx, gateway.id, tokenHash, { hash: hashSecret(secret), prefix }))) throw joinRefused();
    return {
      gateway: { ...gateway, joinExpiresAt: null, hasCredential: true, credentialPrefix: prefix },
      credential: `${CREDENTIAL_PREFIX}${gateway.id}_${secret}`,
    };
  });
}

/** The gateway a credential belongs to; undefined when it is malformed, unknown or revoked. */
export async function authenticateGateway(ctx: DomainContext, credential: string): Promise<Gateway | undefined> {
  const match = CREDENTIAL.exec(credential);
  const id = match?.[1];
  const secret = match?.[2];
  if (id === undefined || secret === undefined) return undefined;
  const found = await findGatewayCredential(ctx.store.db, id);
  if (!found || found.credentialHash === null) return undefined;
  return constantTimeEqual(hashSecret(secret), found.credentialHash) ? found.gateway : undefined;
}

/** Deletes the gateway and with it its credential; a live connection made with it ends at once. */
export async function revokeGateway(ctx: DomainContext, id: string): Promise<void> {
  if (!(await deleteGatewayRow(ctx.store.db, id))) throw notFound('gateway', id);
  ctx.gateway.gatewayRevoked(id);
}

/** The gateway was heard from, running agent `version`. */
export async function recordGatewaySeen(ctx: DomainContext, id: string, seen: { version: string | null; at: number }): Promise<void> {
  await touchGateway(ctx.store.db, id, seen);
}
