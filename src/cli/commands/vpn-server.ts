import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { serverFields } from '../format/resources.ts';
import { resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const { value: server } = await client.getVpnServer(await resolveServerId(client, input.server));
  if (wantsJson(input)) return ctx.json(server);
  ctx.out(serverFields(server));
}
