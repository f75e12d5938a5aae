import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { gatewayFields } from '../format/resources.ts';
import { resolveGatewayId } from '../resolve.ts';

export async function run(ctx: Context, input: { gateway: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const gateway = await client.getGateway(await resolveGatewayId(client, input.gateway));
  if (wantsJson(input)) return ctx.json(gateway);
  ctx.out(gatewayFields(gateway));
}
