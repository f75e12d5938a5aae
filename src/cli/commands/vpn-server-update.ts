import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { serverFields } from '../format/resources.ts';
import { resolveServerId } from '../resolve.ts';
import { clientAuthentication, commonFields, type ServerSettings } from '../server-settings.ts';

export interface UpdateInput extends ServerSettings {
  server: string;
  resetClientDns?: boolean;
  output?: string;
  quiet?: boolean;
}

export async function run(ctx: Context, input: UpdateInput): Promise<void> {
  if (input.resetClientDns && input.clientDns) throw new UsageError('--client-dns and --reset-client-dns cannot be used together');
  const patch = commonFields(input);
  const auth = await clientAuthentication(input, undefined);
  if (auth) patch.client_authentication = auth;
  if (input.resetClientDns) patch.client_dns_server_ips = null;
  if (Object.keys(patch).length === 0) throw new UsageError('nothing to update: give at least one option');

  const client = await ctx.client();
  const id = await resolveServerId(client, input.server);
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Updating VPN server ${input.server} under account ${me.account_id} as user ${me.name}...`);
  }
  // Array fields need If-Match; sending the ETag we just read also guards against a lost update.
  const { etag } = await client.getVpnServer(id);
  const { value: server } = await client.updateVpnServer(id, patch, etag);
  if (wantsJson(input)) return ctx.json(server);
  if (progress) ctx.line('OK');
  ctx.out(serverFields(server));
}
