import type { Context } from '../context.ts';
import { resolveServerId } from '../resolve.ts';
import { writeProfile } from '../write-file.ts';

/** Sluice extension: the server issues a client certificate; the profile embeds its key. */
export async function run(ctx: Context, input: { server: string; commonName: string; file: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const profile = await client.createVpnServerClientProfile(await resolveServerId(client, input.server), input.commonName);
  if (!input.file) return ctx.out(profile.endsWith('\n') ? profile : `${profile}\n`);
  await writeProfile(input.file, profile, true);
  ctx.line(`Profile for ${input.commonName} on VPN server ${input.server} was saved to ${input.file} (it holds a private key; keep it safe).`);
  ctx.line(`Connect with: openvpn --config ${input.file}`);
}
