import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { joinTokenFields } from '../format/resources.ts';
import { resolveGatewayId } from '../resolve.ts';

/** A new one-time join token for re-enrolling a gateway; its current credential stops working. */
export async function run(ctx: Context, input: { gateway: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const joinToken = await client.createGatewayJoinToken(await resolveGatewayId(client, input.gateway));
  if (wantsJson(input)) return ctx.json(joinToken);
  ctx.out(joinTokenFields(joinToken));
}
