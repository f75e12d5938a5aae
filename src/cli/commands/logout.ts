import { removeConfig } from '../config.ts';
import type { Context } from '../context.ts';

export async function run(ctx: Context, _input: Record<string, never>): Promise<void> {
  const removed = await removeConfig(ctx.io.env);
  ctx.line('OK');
  ctx.line(removed ? 'Logged out; the stored endpoint, API key and tokens were removed.' : 'Not logged in; nothing to remove.');
}
