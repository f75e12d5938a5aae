import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityService } from '../domain/identity/service.ts';
import { findUserByName, initSetting } from '../store/identity.ts';
import type { Executor } from '../store/database.ts';

export const ADMIN_USER = 'admin';
export const ADMIN_KEY_FILE = 'admin-api-key';

export function ensureAccountId(db: Executor): Promise<string> {
  return initSetting(db, 'account_id', randomBytes(16).toString('hex'));
}

/**
 * First start: an Administrator exists with a key. SLUICE_ADMIN_API_KEY names the key; without it
 * a key is generated once, written 0600 to the data dir and returned so the caller can print it.
 * The key is never logged.
 */
export async function ensureAdministrator(db: Executor, identity: IdentityService, dataDir: string, configuredKey: string | undefined): Promise<{ generatedKeyFile?: string; generatedKey?: string }> {
  let admin = await findUserByName(db, ADMIN_USER);
  if (!admin) {
    await identity.createUser(ADMIN_USER, [{ role: 'Administrator', vpnServerId: null }]).catch(() => undefined);
    admin = await findUserByName(db, ADMIN_USER);
    if (!admin) throw new Error('could not create the administrator user');
  }
  if (configuredKey !== undefined) {
    if (await identity.findApiKeyByValue(configuredKey)) return {};
    // Replicas starting together on one new database race here: the one that loses finds the key
    // its peer stored (unique on the hash) and goes on.
    await identity.createApiKey(admin.id, 'SLUICE_ADMIN_API_KEY', configuredKey).catch(async (error: unknown) => {
      if (!(await identity.findApiKeyByValue(configuredKey))) throw error;
    });
    return {};
  }
  if ((await identity.listApiKeys(admin.id)).length > 0) return {};
  const { apikey } = await identity.createApiKey(admin.id, 'generated at first start');
  const file = join(dataDir, ADMIN_KEY_FILE);
  writeFileSync(file, `${apikey}\n`, { mode: 0o600 });
  return { generatedKeyFile: file, generatedKey: apikey };
}
