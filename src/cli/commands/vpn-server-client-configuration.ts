import type { Context } from '../context.ts';
import { resolveServerId } from '../resolve.ts';
import { writeProfile } from '../write-file.ts';

export async function run(ctx: Context, input: { server: string; file: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const profile = await client.getVpnServerClientConfiguration(await resolveServerId(client, input.server));
  if (!input.file) return ctx.out(profile.endsWith('\n') ? profile : `${profile}\n`);
  await writeProfile(input.file, profile, false);
  ctx.line(`Client configuration of VPN server ${input.server} was saved to ${input.file}.`);
}
