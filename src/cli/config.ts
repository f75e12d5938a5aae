import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CachedTokens } from '../client/auth.ts';
import { CliError } from './errors.ts';

/** What `sluice login` remembers. The file holds a secret, hence 0600 in a 0700 directory. */
export interface CliConfig {
  endpoint?: string;
  apikey?: string;
  tokens?: CachedTokens;
}

/** `SLUICE_CONFIG_DIR` (tests) → `$XDG_CONFIG_HOME/sluice` → `~/.config/sluice`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.SLUICE_CONFIG_DIR) return env.SLUICE_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'sluice');
}

export const configPath = (env: NodeJS.ProcessEnv): string => join(configDir(env), 'config.json');

export async function loadConfig(env: NodeJS.ProcessEnv): Promise<CliConfig> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as CliConfig) : {};
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it or run 'sluice logout' and log in again`);
  }
}

/** Writes via a temp file and rename so a crash never leaves half a config. */
export async function saveConfig(env: NodeJS.ProcessEnv, config: CliConfig): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const path = configPath(env);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export async function removeConfig(env: NodeJS.ProcessEnv): Promise<boolean> {
  const path = configPath(env);
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
