import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { serversTable } from '../format/resources.ts';

export async function run(ctx: Context, input: { output: string | undefined }): Promise<void> {
  const servers = await (await ctx.client()).listAllVpnServers();
  if (wantsJson(input)) return ctx.json(servers);
  if (servers.length === 0) return ctx.line('No VPN servers were found.');
  ctx.out(serversTable(servers));
}
