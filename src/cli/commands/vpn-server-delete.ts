import { DELETE_SERVER, runConfirmed } from '../confirmed.ts';
import type { Context } from '../context.ts';
import { resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { servers: string[]; force: boolean; quiet: boolean }): Promise<void> {
  const client = await ctx.client();
  await runConfirmed(ctx, DELETE_SERVER, input.servers, input, async (server) => client.deleteVpnServer(await resolveServerId(client, server)));
}
