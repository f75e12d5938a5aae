import type { VpnServerClient } from '../../client/types.ts';
import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { clientsTable } from '../format/resources.ts';
import { localTime } from '../format/time.ts';
import { resolveServerId } from '../resolve.ts';
import { matches, watchClients, type ClientFilter } from '../watch.ts';

export interface ClientsInput {
  server: string;
  output: string | undefined;
  status: string | undefined;
  user: string | undefined;
  commonName: string | undefined;
  watch: boolean;
}

const CLEAR = '\x1b[H\x1b[2J';

export async function run(ctx: Context, input: ClientsInput): Promise<void> {
  if (input.watch && wantsJson(input)) throw new UsageError('--watch cannot be combined with --output json');
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  const filter: ClientFilter = { status: input.status, username: input.user, commonName: input.commonName };
  if (input.watch) return watch(ctx, input, serverId, filter);

  const clients = await client.listAllVpnServerClients(serverId, {
    ...(input.status ? { status: input.status } : {}),
    ...(input.user ? { username: input.user } : {}),
    ...(input.commonName ? { common_name: input.commonName } : {}),
  });
  // Filter again locally: a server that ignores an unknown query parameter must not widen the list.
  const shown = clients.filter((c) => matches(c, filter));
  if (wantsJson(input)) return ctx.json(shown);
  if (shown.length === 0) return ctx.line(`No VPN clients were found on VPN server ${input.server}.`);
  ctx.out(clientsTable(shown));
}

/** Ctrl-C ends the watch with exit 0: stopping is the normal way out. */
async function watch(ctx: Context, input: ClientsInput, serverId: string, filter: ClientFilter): Promise<void> {
  const client = await ctx.client();
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  ctx.io.signal?.addEventListener('abort', stop);
  if (ctx.io.signal?.aborted) stop();
  process.once('SIGINT', stop);
  const tty = ctx.io.stdout.isTTY === true;
  const render = (clients: VpnServerClient[], source: 'stream' | 'polling'): void => {
    const heading = `VPN clients of ${input.server} at ${localTime(new Date().toISOString())} (${source === 'stream' ? 'live' : 'every 2 s'}; Ctrl-C to stop)`;
    const body = clients.length ? clientsTable(clients) : 'No VPN clients.\n';
    ctx.out(`${tty ? CLEAR : ''}${heading}\n\n${body}${tty ? '' : '\n'}`);
  };
  try {
    await watchClients(client, serverId, {
      filter,
      signal: controller.signal,
      render,
      onFallback: (reason) => ctx.err(`The event stream is unavailable (${reason instanceof Error ? reason.message : String(reason)}); polling every 2 s.`),
    });
  } finally {
    process.off('SIGINT', stop);
    ctx.io.signal?.removeEventListener('abort', stop);
  }
}
