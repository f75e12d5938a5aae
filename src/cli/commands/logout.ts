import { SluiceClient } from '../../client/api.ts';
import { loadConfig, removeConfig } from '../config.ts';
import type { Context } from '../context.ts';

/**
 * Ends the stored sign-in on the server first (so a copied config file is worth nothing), then
 * forgets it locally. An unreachable server does not keep the local copy alive.
 */
export async function run(ctx: Context, _input: Record<string, never>): Promise<void> {
  const config = await loadConfig(ctx.io.env);
  if (config.endpoint && config.apikey && config.tokens) {
    try {
      await SluiceClient.withApiKey({ endpoint: config.endpoint, apikey: config.apikey, cached: config.tokens }).logout();
    } catch (error) {
      ctx.err(`warning: the server did not end the session (${(error as Error).message}); the local copy is removed anyway`);
    }
  }
  const removed = await removeConfig(ctx.io.env);
  ctx.line('OK');
  ctx.line(removed ? 'Logged out; the session was ended on the server and the stored endpoint, API key and tokens were removed.' : 'Not logged in; nothing to remove.');
}
