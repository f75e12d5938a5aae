import { DELETE_CLIENT, runConfirmed } from '../confirmed.ts';
import type { Context } from '../context.ts';
import { resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; clients: string[]; force: boolean; quiet: boolean }): Promise<void> {
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  await runConfirmed(ctx, DELETE_CLIENT, input.clients, input, (id) => client.deleteVpnServerClient(serverId, id));
}
