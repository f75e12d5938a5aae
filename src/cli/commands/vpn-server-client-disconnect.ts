import type { SluiceClient } from '../../client/api.ts';
import { DISCONNECT_CLIENT, runConfirmed } from '../confirmed.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { confirm } from '../prompt.ts';
import { ProgressLine, waitForAll } from '../progress.ts';
import { resolveServerId } from '../resolve.ts';

export interface DisconnectInput {
  server: string;
  clients: string[];
  user: string | undefined;
  commonName: string | undefined;
  force: boolean;
  quiet: boolean;
}

/** How long a terminal user is shown the sessions ending before we hand the prompt back. */
const WAIT_MS = 30_000;

export async function run(ctx: Context, input: DisconnectInput): Promise<void> {
  const bulk = input.user !== undefined || input.commonName !== undefined;
  if (bulk && input.clients.length > 0) throw new UsageError('give client ids or --user/--common-name, not both');
  if (!bulk && input.clients.length === 0) throw new UsageError('missing client ids (or --user NAME / --common-name CN)');
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  if (!bulk) return runConfirmed(ctx, DISCONNECT_CLIENT, input.clients, input, (id) => client.disconnectVpnClient(serverId, id));
  return disconnectMatching(ctx, client, serverId, input);
}

const describeMatch = (input: DisconnectInput): string =>
  [input.user !== undefined ? `of user ${input.user}` : '', input.commonName !== undefined ? `with common name ${input.commonName}` : ''].filter(Boolean).join(' ');

/** Sluice extension: one call disconnects every matching session; on a TTY we then show them ending. */
async function disconnectMatching(ctx: Context, client: SluiceClient, serverId: string, input: DisconnectInput): Promise<void> {
  const what = describeMatch(input);
  if (!input.force) await confirm(ctx.io, `This will disconnect every VPN client ${what} on VPN server ${input.server} and cannot be undone.`, `refusing to disconnect the VPN clients ${what} without confirmation`);
  const me = input.quiet ? undefined : await ctx.me();
  if (me) ctx.line(`Disconnect VPN clients ${what} under account ${me.account_id} as user ${me.name}...`);
  const result = await client.disconnectVpnClients(serverId, {
    ...(input.user !== undefined ? { username: input.user } : {}),
    ...(input.commonName !== undefined ? { common_name: input.commonName } : {}),
  });
  if (me) ctx.line('OK');
  if (result.clients.length === 0) return ctx.line(`No connected VPN clients ${what} were found.`);
  const accepted = result.clients.filter((c) => c.result === 'accepted').map((c) => c.id);
  for (const c of result.clients) {
    ctx.line(c.result === 'accepted' ? `Disconnection request for VPN client ${c.id} has been accepted.` : `VPN client ${c.id} was already disconnected.`);
  }
  if (accepted.length > 0 && !input.quiet && ctx.io.stdout.isTTY) await showEnding(ctx, client, serverId, accepted);
}

async function showEnding(ctx: Context, client: SluiceClient, serverId: string, ids: string[]): Promise<void> {
  const progress = new ProgressLine(ctx.io.stdout);
  const pending = new Set(ids);
  const done = await waitForAll({
    total: ids.length,
    deadlineMs: WAIT_MS,
    signal: ctx.io.signal,
    check: async () => {
      const connected = new Set((await client.listAllVpnServerClients(serverId, { status: 'connected' })).map((c) => c.id));
      return [...pending].filter((id) => !connected.has(id)).length;
    },
    onProgress: (count) => progress.update(`Sessions ended: ${count}/${ids.length}`),
  });
  progress.finish(
    done === ids.length
      ? ids.length === 1
        ? 'The session has ended.'
        : `All ${ids.length} sessions have ended.`
      : `${done} of ${ids.length} sessions have ended; the rest stay requested and end when the gateway acts on them.`,
  );
}
