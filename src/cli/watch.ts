import { setTimeout as delay } from 'node:timers/promises';
import type { SluiceClient } from '../client/api.ts';
import type { ClientEvent, VpnServerClient } from '../client/types.ts';

export interface ClientFilter {
  status?: string | undefined;
  username?: string | undefined;
  commonName?: string | undefined;
}

export const matches = (client: VpnServerClient, filter: ClientFilter): boolean =>
  (filter.status === undefined || client.status === filter.status) &&
  (filter.username === undefined || client.username === filter.username) &&
  (filter.commonName === undefined || client.common_name === filter.commonName);

/** Folds one event into the live set; returns whether anything visible changed. */
export function applyEvent(clients: Map<string, VpnServerClient>, event: ClientEvent, filter: ClientFilter): boolean {
  if (event.type === 'deleted' || !event.client) return clients.delete(event.client_id);
  if (!matches(event.client, filter)) return clients.delete(event.client_id);
  clients.set(event.client_id, event.client);
  return true;
}

export const sorted = (clients: Map<string, VpnServerClient>): VpnServerClient[] =>
  [...clients.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));

export interface WatchOptions {
  filter: ClientFilter;
  signal: AbortSignal;
  render: (clients: VpnServerClient[], source: 'stream' | 'polling') => void;
  /** Called once when the stream cannot be used and polling takes over. */
  onFallback?: (reason: unknown) => void;
  pollMs?: number;
}

const listQuery = (filter: ClientFilter) => ({
  ...(filter.status ? { status: filter.status } : {}),
  ...(filter.username ? { username: filter.username } : {}),
  ...(filter.commonName ? { common_name: filter.commonName } : {}),
});

/**
 * Keeps a client table current: the event stream is opened first and the list read after, so no
 * change falls between them; if the stream cannot be opened or breaks, polling every 2 s takes over.
 * Returns when `signal` aborts.
 */
export async function watchClients(client: SluiceClient, serverId: string, options: WatchOptions): Promise<void> {
  const { filter, signal } = options;
  const clients = new Map<string, VpnServerClient>();
  const reload = async (): Promise<void> => {
    clients.clear();
    for (const c of await client.listAllVpnServerClients(serverId, listQuery(filter))) if (matches(c, filter)) clients.set(c.id, c);
  };
  let lastEventId: string | undefined;
  try {
    for (;;) {
      const openedAt = Date.now();
      const events = await client.openClientEvents(serverId, { signal, ...(lastEventId ? { lastEventId } : {}) });
      if (lastEventId === undefined) {
        await reload();
        options.render(sorted(clients), 'stream');
      }
      for await (const { id, event } of events) {
        lastEventId = id ?? lastEventId;
        if (applyEvent(clients, event, filter)) options.render(sorted(clients), 'stream');
      }
      if (signal.aborted) return;
      // A stream that closes at once would make us spin; one that lived a while (server restart,
      // proxy timeout) is resumed where it stopped.
      if (Date.now() - openedAt < 1000) throw new Error('the event stream keeps closing');
    }
  } catch (error) {
    if (signal.aborted) return;
    options.onFallback?.(error);
  }
  await poll(options, reload, clients);
}

async function poll(options: WatchOptions, reload: () => Promise<void>, clients: Map<string, VpnServerClient>): Promise<void> {
  let previous = '';
  while (!options.signal.aborted) {
    try {
      await reload();
      const current = sorted(clients);
      const fingerprint = JSON.stringify(current);
      if (fingerprint !== previous) options.render(current, 'polling');
      previous = fingerprint;
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    await delay(options.pollMs ?? 2000, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
