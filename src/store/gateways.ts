import type { Executor } from './database.ts';
import type { GatewayRow } from './schema.ts';
import type { Gateway } from '../domain/gateways/model.ts';

const num = (value: number | null): number | null => (value === null ? null : Number(value));

export function fromRow(row: GatewayRow): Gateway {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    portRange: row.port_min === null || row.port_max === null ? null : { min: row.port_min, max: row.port_max },
    labels: JSON.parse(row.labels) as Record<string, string>,
    subnetId: row.subnet_id,
    joinExpiresAt: row.join_token_hash === null ? null : num(row.join_expires_at),
    hasCredential: row.credential_hash !== null,
    credentialPrefix: row.credential_prefix,
    lastSeenAt: num(row.last_seen_at),
    version: row.version,
    createdAt: Number(row.created_at),
    revision: row.revision,
  };
}

/** The columns a person edits (and the revision that tracks them). */
const editable = (gateway: Gateway) => ({
  name: gateway.name,
  host: gateway.host,
  port_min: gateway.portRange?.min ?? null,
  port_max: gateway.portRange?.max ?? null,
  labels: JSON.stringify(gateway.labels),
  revision: gateway.revision,
});

/** Inserts a registered gateway with the hash of its first join token. */
export async function insertGateway(db: Executor, gateway: Gateway, joinTokenHash: string): Promise<void> {
  await db
    .insertInto('gateways')
    .values({
      id: gateway.id,
      ...editable(gateway),
      subnet_id: gateway.subnetId,
      join_token_hash: joinTokenHash,
      join_expires_at: gateway.joinExpiresAt,
      credential_hash: null,
      credential_prefix: null,
      last_seen_at: null,
      version: null,
      created_at: gateway.createdAt,
    })
    .execute();
}

export async function findGateway(db: Executor, id: string): Promise<Gateway | undefined> {
  const row = await db.selectFrom('gateways').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function findGatewayByName(db: Executor, name: string): Promise<Gateway | undefined> {
  const row = await db.selectFrom('gateways').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function findGatewayBySubnet(db: Executor, subnetId: string): Promise<Gateway | undefined> {
  const row = await db.selectFrom('gateways').selectAll().where('subnet_id', '=', subnetId).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/** Every gateway, oldest first (they are few: paging is done in memory). */
export async function listAllGateways(db: Executor): Promise<Gateway[]> {
  return (await db.selectFrom('gateways').selectAll().orderBy('created_at').orderBy('id').execute()).map(fromRow);
}

/** Writes the edited fields only if the revision is still `expectedRevision`; returns whether it did. */
export async function updateGateway(db: Executor, gateway: Gateway, expectedRevision: number): Promise<boolean> {
  const result = await db.updateTable('gateways').set(editable(gateway)).where('id', '=', gateway.id).where('revision', '=', expectedRevision).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes the gateway (and with it its credential); returns whether there was one. */
export async function deleteGatewayRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('gateways').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The gateway an outstanding join token belongs to, with the stored hash and expiry. */
export async function findGatewayByJoinTokenHash(db: Executor, joinTokenHash: string): Promise<{ gateway: Gateway; joinTokenHash: string; joinExpiresAt: number } | undefined> {
  const row = await db.selectFrom('gateways').selectAll().where('join_token_hash', '=', joinTokenHash).executeTakeFirst();
  if (!row || row.join_token_hash === null || row.join_expires_at === null) return undefined;
  return { gateway: fromRow(row), joinTokenHash: row.join_token_hash, joinExpiresAt: Number(row.join_expires_at) };
}

/** A gateway by the id part of a credential, with the hash of its credential's secret (null: none). */
export async function findGatewayCredential(db: Executor, id: string): Promise<{ gateway: Gateway; credentialHash: string | null } | undefined> {
  const row = await db.selectFrom('gateways').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { gateway: fromRow(row), credentialHash: row.credential_hash } : undefined;
}

/** A new join token for re-enrolment; the current credential stops working at once. */
export async function replaceJoinToken(db: Executor, id: string, joinTokenHash: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .updateTable('gateways')
    .set({ join_token_hash: joinTokenHash, join_expires_at: expiresAt, credential_hash: null, credential_prefix: null })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Spends the join token and stores the credential in one statement: only the caller that still
 * finds the token's hash on the row wins, so a token joins once even when two race.
 */
export async function consumeJoinToken(db: Executor, id: string, joinTokenHash: string, credential: { hash: string; prefix: string }): Promise<boolean> {
  const result = await db
    .updateTable('gateways')
    .set({ join_token_hash: null, join_expires_at: null, credential_hash: credential.hash, credential_prefix: credential.prefix })
    .where('id', '=', id)
    .where('join_token_hash', '=', joinTokenHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records that the gateway was heard from, and the agent version it runs. Not an edit: the ETag stays. */
export async function touchGateway(db: Executor, id: string, seen: { at: number; version: string | null }): Promise<void> {
  await db.updateTable('gateways').set({ last_seen_at: seen.at, version: seen.version }).where('id', '=', id).execute();
}

/** Subnet ids of every registered gateway: a server naming none of them runs on the embedded one. */
export async function gatewaySubnetIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('gateways').select('subnet_id').execute();
  return rows.map((row) => row.subnet_id);
}

/** The registered gateways named by `subnetIds`, in that order (a server's placement). */
export async function placedGateways(db: Executor, subnetIds: readonly string[]): Promise<Gateway[]> {
  if (subnetIds.length === 0) return [];
  const rows = await db.selectFrom('gateways').selectAll().where('subnet_id', 'in', subnetIds).execute();
  const bySubnet = new Map(rows.map((row) => [row.subnet_id, fromRow(row)]));
  return subnetIds.flatMap((id) => {
    const gateway = bySubnet.get(id);
    return gateway ? [gateway] : [];
  });
}
