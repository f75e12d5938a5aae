import { useMemo, useState } from 'react';
import {
  Button,
  DataTable,
  DataTableSkeleton,
  OverflowMenuItem,
  Pagination,
  Select,
  SelectItem,
  Table,
  TableBatchAction,
  TableBatchActions,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableHeader,
  TableRow,
  TableSelectAll,
  TableSelectRow,
  TableToolbar,
  TableToolbarContent,
  TableToolbarSearch,
} from '@carbon/react';
import { Download, Renew, TrashCan, Unlink } from '@carbon/icons-react';
import type { Api } from '../lib/api.ts';
import type { VpnServer } from '../../../src/client/types.ts';
import { clientLabel, clientList, type ClientRow, type ClientsAction, type ClientsState } from '../lib/clients-state.ts';
import { defaultClientQuery, queryClients, type ClientQuery, type StatusFilter } from '../lib/filters.ts';
import { clientStatusTag } from '../lib/status.ts';
import type { StreamStatus } from '../lib/event-stream.ts';
import { bytes } from '../lib/time.ts';
import { useNow } from '../hooks/useNow.ts';
import { RelativeTime } from './RelativeTime.tsx';
import { ConfirmModal } from './ConfirmModal.tsx';
import { EmptyState } from './EmptyState.tsx';
import { LoadError, RowActions, StatusTagCell, usePaging } from './Table.tsx';
import { useToasts } from './Toasts.tsx';

const headers = [
  { key: 'username', header: 'User ID' },
  { key: 'common_name', header: 'Common name' },
  { key: 'client_ip', header: 'Client IP' },
  { key: 'remote', header: 'Remote IP:port' },
  { key: 'status', header: 'Status' },
  { key: 'created_at', header: 'Connection started' },
  { key: 'disconnected_at', header: 'Connection terminated' },
  { key: 'actions', header: '' },
];

type Act = { kind: 'disconnect' | 'delete'; clients: ClientRow[]; clearSelection?: () => void };

const STREAM_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live',
  reconnecting: 'Live updates interrupted; reconnecting…',
  stopped: 'Live updates stopped',
};

/** Runs requests a few at a time; returns the ids that failed with their errors. */
async function eachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await run(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

interface Props {
  api: Api;
  server: VpnServer;
  clients: { state: ClientsState; stream: StreamStatus; loadError: unknown; reload(): Promise<void>; dispatch(a: ClientsAction): void };
  onDownloadProfile(): void;
}

export function ClientsTab({ api, server, clients, onDownloadProfile }: Props) {
  const [query, setQuery] = useState<ClientQuery>(defaultClientQuery);
  const [act, setAct] = useState<Act | undefined>();
  const toasts = useToasts();
  const now = useNow();
  const all = useMemo(() => clientList(clients.state), [clients.state]);
  const visible = useMemo(() => queryClients(all, query), [all, query]);
  const paging = usePaging(visible);
  const { slice } = paging;
  const byId = new Map(slice.items.map((c) => [c.id, c]));
  const rows = slice.items.map((c) => ({
    id: c.id,
    username: c.username ?? '',
    common_name: c.common_name ?? '',
    client_ip: c.client_ip.address,
    remote: `${c.remote_ip.address}:${c.remote_port}`,
    status: c.status,
    created_at: c.created_at,
    disconnected_at: c.disconnected_at ?? '',
    actions: '',
  }));

  const perform = async ({ kind, clients: targets, clearSelection }: Act) => {
    const ids = targets.map((c) => c.id);
    const verb = kind === 'disconnect' ? 'Disconnection' : 'Deletion';
    const failures = await eachLimited(targets, 6, async (c) => {
      if (kind === 'disconnect') await api.client.disconnectVpnClient(server.id, c.id);
      else await api.client.deleteVpnServerClient(server.id, c.id);
    });
    const failed = new Set(failures.map((f) => f.item.id));
    const ok = ids.filter((id) => !failed.has(id));
    if (ok.length) clients.dispatch({ type: 'requested', ids: ok, pending: kind });
    clearSelection?.();
    if (ok.length === 1 && targets.length === 1) toasts.success(`${verb} request for VPN client ${clientLabel(targets[0] as ClientRow)} has been accepted`);
    else if (ok.length > 0) toasts.success(`${verb} requests for ${ok.length} VPN clients have been accepted`);
    for (const f of failures.slice(0, 3)) toasts.failure(`Could not ${kind} VPN client ${clientLabel(f.item)}`, f.error);
  };

  if (!clients.state.loaded && clients.loadError === undefined) return <DataTableSkeleton headers={headers} rowCount={3} showHeader={false} />;

  return (
    <section aria-label="Clients">
      <LoadError action="Could not load the clients" error={clients.loadError} />
      <DataTable rows={rows} headers={headers} size="md">
        {({ rows: tableRows, headers: tableHeaders, getTableProps, getRowProps, getSelectionProps, getBatchActionProps, getToolbarProps, getTableContainerProps, selectedRows }) => {
          const batch = getBatchActionProps();
          const selected = selectedRows.map((r) => byId.get(r.id)).filter((c): c is ClientRow => !!c);
          const connectedSelected = selected.filter((c) => c.status === 'connected' && !c.pending);
          return (
            <TableContainer
              title="Clients"
              description={
                <>
                  Every client connected now, and disconnected ones until they are deleted automatically.
                  <span className="sl-stream-state" data-stream={clients.stream}>
                    {STREAM_TEXT[clients.stream]}
                  </span>
                </>
              }
              {...getTableContainerProps()}
            >
              <TableToolbar {...getToolbarProps()} aria-label="Clients toolbar">
                <TableBatchActions {...batch}>
                  <TableBatchAction renderIcon={Unlink} disabled={connectedSelected.length === 0} onClick={() => setAct({ kind: 'disconnect', clients: connectedSelected, clearSelection: batch.onCancel })}>
                    Disconnect
                  </TableBatchAction>
                  <TableBatchAction renderIcon={TrashCan} onClick={() => setAct({ kind: 'delete', clients: selected, clearSelection: batch.onCancel })}>
                    Delete
                  </TableBatchAction>
                </TableBatchActions>
                <TableToolbarContent aria-hidden={batch.shouldShowBatchActions}>
                  <TableToolbarSearch
                    persistent
                    tabIndex={batch.shouldShowBatchActions ? -1 : 0}
                    placeholder="Search user, common name or IP"
                    labelText="Search clients"
                    onChange={(e) => {
                      setQuery((q) => ({ ...q, search: typeof e === 'string' ? '' : (e.target as HTMLInputElement).value }));
                      paging.firstPage();
                    }}
                  />
                  <Select
                    id="client-status-filter"
                    className="sl-toolbar-select"
                    labelText="Status"
                    hideLabel
                    size="lg"
                    value={query.status}
                    onChange={(e) => {
                      setQuery((q) => ({ ...q, status: e.target.value as StatusFilter }));
                      paging.firstPage();
                    }}
                  >
                    <SelectItem value="all" text="All statuses" />
                    <SelectItem value="connected" text="Connected" />
                    <SelectItem value="disconnected" text="Disconnected" />
                  </Select>
                  <Button kind="ghost" hasIconOnly renderIcon={Renew} iconDescription="Refresh" tabIndex={batch.shouldShowBatchActions ? -1 : 0} onClick={() => void clients.reload()} />
                  <Button kind="primary" renderIcon={Download} tabIndex={batch.shouldShowBatchActions ? -1 : 0} onClick={onDownloadProfile}>
                    Download client profile
                  </Button>
                </TableToolbarContent>
              </TableToolbar>
              <div className="sl-table-scroll">
                <Table {...getTableProps()} aria-label="Clients">
                  <TableHead>
                    <TableRow>
                      <TableSelectAll {...getSelectionProps()} />
                      {tableHeaders.map((h) =>
                        h.key === 'created_at' ? (
                          <TableHeader
                            key={h.key}
                            isSortable
                            isSortHeader
                            sortDirection={query.sort}
                            onClick={() => setQuery((q) => ({ ...q, sort: q.sort === 'DESC' ? 'ASC' : 'DESC' }))}
                          >
                            {h.header}
                          </TableHeader>
                        ) : (
                          <TableHeader key={h.key}>{h.header}</TableHeader>
                        ),
                      )}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {tableRows.map((row) => {
                      const c = byId.get(row.id);
                      if (!c) return null;
                      const tag = clientStatusTag(c.status, c.pending === 'disconnect');
                      const { key, ...rowProps } = getRowProps({ row });
                      const name = clientLabel(c);
                      return (
                        <TableRow key={key} {...rowProps} data-client-id={c.id} data-status={c.pending ? `${c.status}-pending` : c.status}>
                          <TableSelectRow {...getSelectionProps({ row })} aria-label={`Select ${name}`} />
                          <TableCell>{c.username ?? '—'}</TableCell>
                          <TableCell>{c.common_name ?? '—'}</TableCell>
                          <TableCell className="sl-mono">{c.client_ip.address}</TableCell>
                          <TableCell className="sl-mono" title={c.bytes_sent !== undefined ? `sent ${bytes(c.bytes_sent)}, received ${bytes(c.bytes_received)}` : undefined}>
                            {`${c.remote_ip.address}:${c.remote_port}`}
                          </TableCell>
                          <StatusTagCell tag={tag} />
                          <TableCell>
                            <RelativeTime value={c.created_at} now={now} />
                          </TableCell>
                          <TableCell>
                            <RelativeTime value={c.status === 'connected' ? undefined : c.disconnected_at} now={now} />
                          </TableCell>
                          <RowActions label={`Actions for ${name}`}>
                            <OverflowMenuItem itemText="Disconnect" disabled={c.status !== 'connected' || !!c.pending} onClick={() => setAct({ kind: 'disconnect', clients: [c] })} />
                            <OverflowMenuItem itemText="Delete" isDelete hasDivider onClick={() => setAct({ kind: 'delete', clients: [c] })} />
                          </RowActions>
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </div>
              {all.length === 0 ? (
                <EmptyState title="No clients yet" action={<Button kind="tertiary" renderIcon={Download} onClick={onDownloadProfile}>Download client profile</Button>}>
                  Nobody is connected to {server.name}. Download the client profile, hand it to your users with their credentials, and their sessions appear here as they connect.
                </EmptyState>
              ) : visible.length === 0 ? (
                <EmptyState title="No client matches">Change the status filter or the search to see the other {all.length} clients.</EmptyState>
              ) : null}
              <Pagination {...paging.pagination} />
            </TableContainer>
          );
        }}
      </DataTable>
      {act && (
        <ConfirmModal
          heading={
            act.clients.length === 1
              ? `${act.kind === 'disconnect' ? 'Disconnect' : 'Delete'} VPN client ${clientLabel(act.clients[0] as ClientRow)}?`
              : `${act.kind === 'disconnect' ? 'Disconnect' : 'Delete'} ${act.clients.length} VPN clients?`
          }
          label={server.name}
          confirmText={act.kind === 'disconnect' ? 'Disconnect' : 'Delete'}
          body={
            <>
              <p>
                {act.kind === 'disconnect'
                  ? 'The session ends now and the client is told not to reconnect on its own. The record stays as disconnected until it is deleted automatically.'
                  : 'A connected client is disconnected first; the record is removed at once. This cannot be undone.'}
              </p>
              {act.clients.length > 1 && (
                <ul style={{ marginTop: '1rem', listStyle: 'disc', paddingInlineStart: '1.5rem' }}>
                  {act.clients.slice(0, 10).map((c) => (
                    <li key={c.id}>{clientLabel(c)}</li>
                  ))}
                  {act.clients.length > 10 && <li>and {act.clients.length - 10} more</li>}
                </ul>
              )}
            </>
          }
          onClose={() => setAct(undefined)}
          onConfirm={() => perform(act)}
        />
      )}
    </section>
  );
}
