import { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, DataTableSkeleton, OverflowMenuItem, Pagination, TableCell, TableToolbarSearch } from '@carbon/react';
import { Add, Renew } from '@carbon/icons-react';
import type { Api } from '../lib/api.ts';
import type { Gateway, GatewayJoinToken } from '../../../src/client/types.ts';
import { gatewayStatusTag } from '../lib/status.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useNow } from '../hooks/useNow.ts';
import { RelativeTime } from './RelativeTime.tsx';
import { ListTable, LoadError, RowActions, StatusTagCell, usePaging } from './Table.tsx';
import { useToasts } from './Toasts.tsx';
import { ConfirmModal } from './ConfirmModal.tsx';
import { EmptyState } from './EmptyState.tsx';
import { RegisterGatewayModal } from './RegisterGatewayModal.tsx';
import { JoinTokenModal } from './JoinTokenModal.tsx';

const headers = [
  { key: 'name', header: 'Name' },
  { key: 'host', header: 'Host' },
  { key: 'subnet', header: 'Subnet id' },
  { key: 'status', header: 'Status' },
  { key: 'last_seen', header: 'Last seen' },
  { key: 'version', header: 'Version' },
  { key: 'servers', header: 'VPN servers' },
  { key: 'clients', header: 'Connected clients' },
  { key: 'actions', header: '' },
];

const POLL_MS = 10_000;

/** The gateway hosts that run VPN servers: registration, a join token shown once, re-enrolment, deletion. */
export function GatewaysPage({ api }: { api: Api }) {
  const [search, setSearch] = useState('');
  const [registering, setRegistering] = useState(false);
  const [reissuing, setReissuing] = useState<Gateway | undefined>();
  const [deleting, setDeleting] = useState<Gateway | undefined>();
  const [shownToken, setShownToken] = useState<{ gateway: string; joinToken: GatewayJoinToken } | undefined>();
  const toasts = useToasts();
  const now = useNow();
  const origin = window.location.origin;

  const fetchGateways = useCallback(() => api.client.listAllGateways(), [api]);
  const { value: gateways, error, load, setError } = useLoad(fetchGateways, POLL_MS);

  useEffect(() => {
    document.title = 'Gateways · Sluice';
  }, []);

  const filtered = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (gateways ?? []).filter((g) => !q || g.name.includes(q) || g.id.includes(q) || g.host.toLowerCase().includes(q) || g.subnet.id.toLowerCase().includes(q));
  }, [gateways, search]);
  const paging = usePaging(filtered);
  const register = (
    <Button renderIcon={Add} onClick={() => setRegistering(true)}>
      Register gateway
    </Button>
  );

  return (
    <>
      <div className="sl-page-header">
        <h1>Gateways</h1>
      </div>
      <LoadError action="Could not load gateways" error={error} onClose={() => setError(undefined)} />
      {gateways === undefined ? (
        <DataTableSkeleton headers={headers} rowCount={3} showHeader={false} />
      ) : gateways.length === 0 ? (
        <EmptyState title="No gateways yet" action={register}>
          A gateway is a host of its own that runs VPN servers for this control plane: it dials in, and the VPN servers whose subnets name it run there. Until you register one, every server runs on the gateway built into <code>sluice serve</code>. Register a gateway, then run{' '}
          <code className="sl-mono">sluice gateway --control-plane {origin} --join-token …</code> on its host with the join token you are given.
        </EmptyState>
      ) : (
        <ListTable
          title="Gateways"
          description={`${gateways.length} gateway${gateways.length === 1 ? '' : 's'}; VPN servers run on the gateways their subnets name, else on the one built into sluice serve`}
          label="Gateways"
          toolbarLabel="Gateways toolbar"
          toolbar={
            <>
              <TableToolbarSearch
                persistent
                placeholder="Filter by name, host or subnet id"
                labelText="Filter gateways"
                onChange={(e) => {
                  setSearch(typeof e === 'string' ? '' : (e.target as HTMLInputElement).value);
                  paging.firstPage();
                }}
              />
              <Button kind="ghost" hasIconOnly renderIcon={Renew} iconDescription="Refresh" onClick={() => void load()} />
              {register}
            </>
          }
          headers={headers}
          items={paging.slice.items}
          cells={(g) => ({
            name: g.name,
            host: g.host,
            subnet: g.subnet.id,
            status: g.status,
            last_seen: g.last_seen_at ?? '',
            version: g.version ?? '',
            servers: String(g.vpn_servers),
            clients: String(g.connected_clients),
            actions: '',
          })}
          size="lg"
          rowAttributes={(g) => ({ 'data-gateway-name': g.name, 'data-status': g.status })}
          renderCells={(g) => (
            <>
              <TableCell className="sl-nowrap">{g.name}</TableCell>
              <TableCell className="sl-mono sl-nowrap">{g.host}</TableCell>
              <TableCell className="sl-mono">{g.subnet.id}</TableCell>
              <StatusTagCell tag={gatewayStatusTag(g.status)} />
              <TableCell>{g.last_seen_at ? <RelativeTime value={g.last_seen_at} now={now} /> : 'Never'}</TableCell>
              <TableCell>{g.version ?? '—'}</TableCell>
              <TableCell>{g.vpn_servers}</TableCell>
              <TableCell>{g.connected_clients}</TableCell>
              <RowActions label={`Actions for ${g.name}`}>
                <OverflowMenuItem itemText="New join token" onClick={() => setReissuing(g)} />
                <OverflowMenuItem itemText="Delete" isDelete hasDivider onClick={() => setDeleting(g)} />
              </RowActions>
            </>
          )}
        >
          {filtered.length === 0 && <EmptyState title="No gateway matches">Clear the filter to see all {gateways.length} gateways.</EmptyState>}
          <Pagination {...paging.pagination} />
        </ListTable>
      )}
      {registering && (
        <RegisterGatewayModal
          api={api}
          onClose={() => setRegistering(false)}
          onRegistered={(g) => {
            if (g.join_token) setShownToken({ gateway: g.name, joinToken: g.join_token });
            void load();
          }}
        />
      )}
      {reissuing && (
        <ConfirmModal
          heading={`New join token for gateway ${reissuing.name}?`}
          label="Gateways"
          confirmText="Issue join token"
          body={
            <p>
              The current credential of <strong>{reissuing.name}</strong> and any earlier join token stop working at once: a running gateway is cut off until it joins again with the new token. Its VPN servers stay placed on it.
            </p>
          }
          onClose={() => setReissuing(undefined)}
          onConfirm={async () => {
            try {
              setShownToken({ gateway: reissuing.name, joinToken: await api.client.createGatewayJoinToken(reissuing.id) });
              await load();
            } catch (e) {
              toasts.failure(`Could not issue a join token for gateway ${reissuing.name}`, e);
            }
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          heading={`Delete gateway ${deleting.name}?`}
          label="Gateways"
          confirmText="Delete"
          body={
            <p>
              The credential of <strong>{deleting.name}</strong> ({deleting.host}) stops working and its live connection ends at once.{' '}
              {deleting.vpn_servers === 0 ? (
                'No VPN server names it. '
              ) : (
                <>
                  {deleting.vpn_servers === 1 ? 'The VPN server' : `The ${deleting.vpn_servers} VPN servers`} that name it move to their other gateway, or back to the gateway built into <code>sluice serve</code>.{' '}
                </>
              )}
              This cannot be undone.
            </p>
          }
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            try {
              await api.client.deleteGateway(deleting.id);
              toasts.success(`Gateway ${deleting.name} deleted`);
              await load();
            } catch (e) {
              toasts.failure(`Could not delete gateway ${deleting.name}`, e);
            }
          }}
        />
      )}
      {shownToken && <JoinTokenModal gateway={shownToken.gateway} joinToken={shownToken.joinToken} origin={origin} onClose={() => setShownToken(undefined)} />}
    </>
  );
}
