import { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, DataTableSkeleton, Link, OverflowMenuItem, Pagination, TableCell, TableToolbarSearch } from '@carbon/react';
import { Add, Renew } from '@carbon/icons-react';
import type { Api } from '../lib/api.ts';
import type { VpnServer } from '../../../src/client/types.ts';
import type { Route } from '../lib/route.ts';
import { serverStatus } from '../lib/status.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useNow } from '../hooks/useNow.ts';
import { RelativeTime } from './RelativeTime.tsx';
import { ListTable, LoadError, RowActions, StatusTagCell, usePaging } from './Table.tsx';
import { useToasts } from './Toasts.tsx';
import { ConfirmModal } from './ConfirmModal.tsx';
import { NameModal } from './NameModal.tsx';
import { CreateServerModal } from './CreateServerModal.tsx';
import { EmptyState } from './EmptyState.tsx';

const headers = [
  { key: 'name', header: 'Name' },
  { key: 'status', header: 'Status' },
  { key: 'pool', header: 'Client IP pool' },
  { key: 'port', header: 'Port / protocol' },
  { key: 'clients', header: 'Connected clients' },
  { key: 'created', header: 'Created' },
  { key: 'actions', header: '' },
];

const POLL_MS = 10_000;

export function ServersPage({ api, navigate }: { api: Api; navigate(to: Route): void }) {
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<VpnServer | undefined>();
  const [deleting, setDeleting] = useState<VpnServer | undefined>();
  const toasts = useToasts();
  const now = useNow();

  const fetchServers = useCallback(() => api.client.listAllVpnServers({ sort: 'name' }), [api]);
  const { value: servers, error, load, setError } = useLoad(fetchServers, POLL_MS);

  useEffect(() => {
    document.title = 'Client-to-site servers · Sluice';
  }, []);

  const filtered = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (servers ?? []).filter((s) => !q || s.name.includes(q) || s.id.includes(q) || s.client_ip_pool.includes(q));
  }, [servers, search]);
  const paging = usePaging(filtered);
  const open = (s: VpnServer) => navigate({ page: 'server', id: s.id, tab: 'overview' });

  return (
    <>
      <div className="sl-page-header">
        <h1>Client-to-site servers</h1>
      </div>
      <LoadError action="Could not load VPN servers" error={error} onClose={() => setError(undefined)} />
      {servers === undefined ? (
        <DataTableSkeleton headers={headers} rowCount={3} showHeader={false} />
      ) : servers.length === 0 ? (
        <EmptyState title="No VPN servers yet" action={<Button renderIcon={Add} onClick={() => setCreating(true)}>Create VPN server</Button>}>
          A VPN server gives your users a way into your network with a stock OpenVPN client. Create one, then download its client profile.
        </EmptyState>
      ) : (
        <ListTable
          title="VPN servers"
          description={`${servers.length} server${servers.length === 1 ? '' : 's'}`}
          label="VPN servers"
          toolbarLabel="VPN servers toolbar"
          toolbar={
            <>
              <TableToolbarSearch
                persistent
                placeholder="Filter by name, id or pool"
                labelText="Filter servers"
                onChange={(e) => {
                  setSearch(typeof e === 'string' ? '' : (e.target as HTMLInputElement).value);
                  paging.firstPage();
                }}
              />
              <Button kind="ghost" hasIconOnly renderIcon={Renew} iconDescription="Refresh" onClick={() => void load()} />
              <Button renderIcon={Add} onClick={() => setCreating(true)}>
                Create
              </Button>
            </>
          }
          headers={headers}
          items={paging.slice.items}
          cells={(s) => ({ name: s.name, status: s.lifecycle_state, pool: s.client_ip_pool, port: `${s.port}/${s.protocol}`, clients: String(s.connected_clients ?? ''), created: s.created_at, actions: '' })}
          size="lg"
          rowAttributes={(s) => ({ 'data-server-name': s.name })}
          renderCells={(s) => (
            <>
              <TableCell>
                <Link
                  href={`/vpn_servers/${encodeURIComponent(s.id)}`}
                  onClick={(e: React.MouseEvent) => {
                    e.preventDefault();
                    open(s);
                  }}
                >
                  {s.name}
                </Link>
              </TableCell>
              <StatusTagCell tag={serverStatus(s.lifecycle_state, s.health_state)} />
              <TableCell className="sl-mono">{s.client_ip_pool}</TableCell>
              <TableCell>{`${s.port}/${s.protocol}`}</TableCell>
              <TableCell>{s.connected_clients ?? '—'}</TableCell>
              <TableCell>
                <RelativeTime value={s.created_at} now={now} />
              </TableCell>
              <RowActions label={`Actions for ${s.name}`}>
                <OverflowMenuItem itemText="Open" onClick={() => open(s)} />
                <OverflowMenuItem itemText="Rename" onClick={() => setRenaming(s)} />
                <OverflowMenuItem itemText="Delete" isDelete hasDivider onClick={() => setDeleting(s)} />
              </RowActions>
            </>
          )}
        >
          {filtered.length === 0 && <EmptyState title="No server matches">Clear the filter to see all {servers.length} servers.</EmptyState>}
          <Pagination {...paging.pagination} />
        </ListTable>
      )}
      {creating && (
        <CreateServerModal
          api={api}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            toasts.success(`VPN server ${s.name} created`, 'It starts in a moment; download its client profile from the server page.');
            void load();
          }}
        />
      )}
      {renaming && (
        <NameModal
          heading={`Rename VPN server ${renaming.name}`}
          current={renaming.name}
          onClose={() => setRenaming(undefined)}
          onSave={async (name) => {
            await api.client.updateVpnServer(renaming.id, { name });
            toasts.success(`VPN server renamed to ${name}`);
            await load();
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          heading={`Delete VPN server ${deleting.name}?`}
          label="Delete VPN server"
          confirmText="Delete"
          body={
            <p>
              This disconnects all {deleting.connected_clients ?? ''} connected clients of <strong>{deleting.name}</strong> ({deleting.id}) and cannot be undone.
            </p>
          }
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            try {
              await api.client.deleteVpnServer(deleting.id);
              toasts.success(`Deletion request for VPN server ${deleting.name} has been accepted`);
              await load();
            } catch (e) {
              toasts.failure(`Could not delete VPN server ${deleting.name}`, e);
            }
          }}
        />
      )}
    </>
  );
}
