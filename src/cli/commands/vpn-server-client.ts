import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { clientFields } from '../format/resources.ts';
import { resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; client: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const record = await client.getVpnServerClient(await resolveServerId(client, input.server), input.client);
  if (wantsJson(input)) return ctx.json(record);
  ctx.out(clientFields(record));
}
