import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { Api } from '../lib/api.ts';

/** The table shows at most this many records (newest first). */
const MAX_CLIENTS = 5000;
import { clientsReducer, initialClients, type ClientsAction } from '../lib/clients-state.ts';
import { followClientEvents, type StreamStatus } from '../lib/event-stream.ts';
import type { ClientEvent } from '../../../src/client/types.ts';

/**
 * The live client list of one server: a snapshot from the list endpoint, then the event stream.
 * Events that arrive while a snapshot is loading are held and applied after it, in order, so the
 * older snapshot never overwrites a newer event.
 */
export function useClients(api: Api, serverId: string) {
  const [state, dispatch] = useReducer(clientsReducer, initialClients);
  const [stream, setStream] = useState<StreamStatus>('connecting');
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const loading = useRef(0);
  const held = useRef<ClientEvent[]>([]);

  const reload = useCallback(async () => {
    loading.current++;
    try {
      const clients = await api.client.listAllVpnServerClients(serverId, {}, MAX_CLIENTS);
      dispatch({ type: 'snapshot', clients });
      setLoadError(undefined);
    } catch (error) {
      setLoadError(error);
    } finally {
      loading.current--;
      if (loading.current === 0) {
        const events = held.current;
        held.current = [];
        for (const event of events) dispatch({ type: 'event', event });
      }
    }
  }, [api, serverId]);

  useEffect(() => {
    const controller = new AbortController();
    void reload();
    void followClientEvents({
      signal: controller.signal,
      open: (lastEventId, signal) => api.client.openClientEventStream(serverId, { lastEventId, signal }),
      onEvent: (event) => {
        if (loading.current > 0) held.current.push(event);
        else dispatch({ type: 'event', event });
      },
      onStatus: (status) => {
        if (controller.signal.aborted) return;
        setStream(status);
        // Whatever happened between the snapshot and this connection is read again.
        if (status === 'live') void reload();
      },
    });
    return () => controller.abort();
  }, [api, serverId, reload]);

  const act = useCallback((action: ClientsAction) => dispatch(action), []);
  return { state, stream, loadError, reload, dispatch: act };
}
