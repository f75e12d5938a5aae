import { SluiceClient } from '../client/api.ts';
import type { CachedTokens } from '../client/auth.ts';
import type { Identity } from '../client/types.ts';
import { loadConfig, saveConfig } from './config.ts';
import { CliError } from './errors.ts';
import type { Io } from './io.ts';

/** What every command receives: the process surface, the API client and output helpers. */
export interface Context {
  io: Io;
  debug: boolean;
  /** The logged-in client; throws a readable error when there is no endpoint or key. */
  client(): Promise<SluiceClient>;
  /** `/identity/me`, fetched once per run (progress lines name the account and user). */
  me(): Promise<Identity>;
  out(text: string): void;
  line(text: string): void;
  err(text: string): void;
  json(value: unknown): void;
}

export function createContext(io: Io, debug: boolean): Context {
  let client: Promise<SluiceClient> | undefined;
  let identity: Promise<Identity> | undefined;
  const context: Context = {
    io,
    debug,
    client: () => (client ??= connect(io)),
    me: () => (identity ??= context.client().then((c) => c.me())),
    out: (text) => void io.stdout.write(text),
    line: (text) => void io.stdout.write(`${text}\n`),
    err: (text) => void io.stderr.write(`${text}\n`),
    json: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
  return context;
}

/**
 * Environment beats the config file. Tokens are cached in the file only when they belong to the
 * file's own endpoint and key, so a one-off `SLUICE_API_KEY=… sluice …` never overwrites them.
 */
async function connect(io: Io): Promise<SluiceClient> {
  const config = await loadConfig(io.env);
  const endpoint = io.env.SLUICE_ENDPOINT || config.endpoint;
  const apikey = io.env.SLUICE_API_KEY || config.apikey;
  if (!endpoint || !apikey) throw new CliError("not logged in: run 'sluice login --endpoint URL --apikey KEY' (or set SLUICE_ENDPOINT and SLUICE_API_KEY)");
  const ours = endpoint === config.endpoint && apikey === config.apikey;
  return SluiceClient.withApiKey({
    endpoint,
    apikey,
    ...(ours && config.tokens ? { cached: config.tokens } : {}),
    onTokens: async (tokens: CachedTokens) => {
      if (!ours) return;
      const latest = await loadConfig(io.env);
      if (latest.endpoint === endpoint && latest.apikey === apikey) await saveConfig(io.env, { ...latest, tokens });
    },
  });
}

/** `--output json` (the reference spells it `JSON`). */
export const wantsJson = (options: { output?: string }): boolean => options.output?.toLowerCase() === 'json';
