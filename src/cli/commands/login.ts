import { SluiceClient } from '../../client/api.ts';
import type { CachedTokens } from '../../client/auth.ts';
import { configPath, saveConfig } from '../config.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { renderFields } from '../format/table.ts';
import { readLine } from '../prompt.ts';

export interface LoginInput {
  endpoint: string | undefined;
  apikey: string | undefined;
}

function normaliseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`'${value}' is not a URL; expected e.g. https://vpn.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`'${value}' must be an http or https URL`);
  return url.toString().replace(/\/+$/, '');
}

/** The key never needs to be on the command line (where `ps` shows it): it may be piped in. */
async function apiKeyOf(ctx: Context, given: string | undefined): Promise<string> {
  const key = given ?? ctx.io.env.SLUICE_API_KEY;
  if (key) return key;
  if (!ctx.io.stdin.isTTY) {
    const piped = (await readLine(ctx.io.stdin))?.trim();
    if (piped) return piped;
  }
  throw new UsageError('--apikey is required (or set SLUICE_API_KEY, or pipe the key on stdin)');
}

export async function run(ctx: Context, input: LoginInput): Promise<void> {
  const raw = input.endpoint ?? ctx.io.env.SLUICE_ENDPOINT;
  if (!raw) throw new UsageError('--endpoint is required (or set SLUICE_ENDPOINT)');
  const endpoint = normaliseEndpoint(raw);
  const apikey = await apiKeyOf(ctx, input.apikey);
  ctx.line(`API endpoint: ${endpoint}`);
  ctx.line('Authenticating...');
  let tokens: CachedTokens | undefined;
  const client = SluiceClient.withApiKey({ endpoint, apikey, onTokens: (t) => void (tokens = t) });
  const me = await client.me();
  await saveConfig(ctx.io.env, { endpoint, apikey, ...(tokens ? { tokens } : {}) });
  ctx.line('OK');
  ctx.line('');
  ctx.out(renderFields([
    ['User', me.name],
    ['Account', me.account_id],
    ['Roles', me.roles.map((r) => (r.vpn_server_id ? `${r.role} (${r.vpn_server_id})` : r.role)).join(', ') || '-'],
    ['Config', configPath(ctx.io.env)],
  ]));
}
