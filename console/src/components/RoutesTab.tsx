import { useCallback, useState } from 'react';
import {
  Button,
  DataTableSkeleton,
  InlineNotification,
  Modal,
  OverflowMenuItem,
  Select,
  SelectItem,
  TableCell,
  TextInput,
} from '@carbon/react';
import { Add } from '@carbon/icons-react';
import type { Api } from '../lib/api.ts';
import type { VpnServer, VpnServerRoute, VpnServerRoutePrototype } from '../../../src/client/types.ts';

type RouteAction = NonNullable<VpnServerRoutePrototype['action']>;
import { ApiError, errorToast } from '../lib/errors.ts';
import { validateRoute } from '../lib/server-form.ts';
import { accessFromForm, accessLabel, trafficLabel } from '../lib/route-access.ts';
import { exactTime } from '../lib/time.ts';
import { serverStatus } from '../lib/status.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useNow } from '../hooks/useNow.ts';
import { RelativeTime } from './RelativeTime.tsx';
import { ConfirmModal } from './ConfirmModal.tsx';
import { NameModal } from './NameModal.tsx';
import { EmptyState } from './EmptyState.tsx';
import { ListTable, LoadError, RowActions, StatusTagCell } from './Table.tsx';
import { useToasts } from './Toasts.tsx';

const headers = [
  { key: 'name', header: 'Name' },
  { key: 'destination', header: 'Destination' },
  { key: 'action', header: 'Action' },
  { key: 'access', header: 'Access' },
  { key: 'traffic', header: 'Traffic' },
  { key: 'status', header: 'Status' },
  { key: 'created_at', header: 'Created' },
  { key: 'actions', header: '' },
];

export function RoutesTab({ api, server }: { api: Api; server: VpnServer }) {
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<VpnServerRoute | undefined>();
  const [limiting, setLimiting] = useState<VpnServerRoute | undefined>();
  const [deleting, setDeleting] = useState<VpnServerRoute | undefined>();
  const toasts = useToasts();
  const now = useNow();

  const fetchRoutes = useCallback(() => api.client.listAllVpnServerRoutes(server.id, { sort: 'name' }), [api, server.id]);
  const { value: routes, error, load } = useLoad(fetchRoutes);

  if (routes === undefined && error === undefined) return <DataTableSkeleton headers={headers} rowCount={2} showHeader={false} />;
  const list = routes ?? [];
  return (
    <section aria-label="VPN server routes">
      <LoadError action="Could not load the routes" error={error} />
      <ListTable
        title="VPN server routes"
        description={`Pushed to clients when they connect${server.enable_split_tunneling ? '' : ' (split tunnelling is off, so all traffic goes through the VPN anyway)'} and enforced by the gateway at once: the longest matching route decides, and packets to destinations without a route are dropped.`}
        label="VPN server routes"
        toolbarLabel="Routes toolbar"
        toolbar={
          <Button renderIcon={Add} onClick={() => setCreating(true)}>
            Create route
          </Button>
        }
        headers={headers}
        items={list}
        cells={(r) => ({ name: r.name, destination: r.destination, action: r.action, access: accessLabel(r.access), traffic: trafficLabel(r), status: r.lifecycle_state, created_at: r.created_at, actions: '' })}
        renderCells={(r) => (
          <>
            <TableCell>{r.name}</TableCell>
            <TableCell className="sl-mono">{r.destination}</TableCell>
            <TableCell>{r.action}</TableCell>
            <TableCell>{accessLabel(r.access)}</TableCell>
            <TableCell className="sl-mono" title={r.counted_at ? `Counted by the gateway at ${exactTime(r.counted_at)}` : 'Not counted yet (or the gateway runs without a data plane)'}>
              {trafficLabel(r)}
            </TableCell>
            <StatusTagCell tag={serverStatus(r.lifecycle_state, r.health_state ?? 'ok')} />
            <TableCell>
              <RelativeTime value={r.created_at} now={now} />
            </TableCell>
            <RowActions label={`Actions for route ${r.name}`}>
              <OverflowMenuItem itemText="Rename" onClick={() => setRenaming(r)} />
              {r.action !== 'drop' && <OverflowMenuItem itemText="Edit access" onClick={() => setLimiting(r)} />}
              <OverflowMenuItem itemText="Delete" isDelete hasDivider onClick={() => setDeleting(r)} />
            </RowActions>
          </>
        )}
      >
        {list.length === 0 && (
          <EmptyState title="No routes" action={<Button kind="tertiary" renderIcon={Add} onClick={() => setCreating(true)}>Create route</Button>}>
            Add a route for each network your users should reach through {server.name}, e.g. 192.168.10.0/24.
          </EmptyState>
        )}
      </ListTable>
      {creating && (
        <CreateRouteModal
          onClose={() => setCreating(false)}
          onCreate={async (body) => {
            const r = await api.client.createVpnServerRoute(server.id, body);
            toasts.success(`Route ${r.name} to ${r.destination} created`);
            await load();
          }}
        />
      )}
      {renaming && (
        <NameModal
          heading={`Rename route ${renaming.name}`}
          current={renaming.name}
          onClose={() => setRenaming(undefined)}
          onSave={async (name) => {
            await api.client.updateVpnServerRoute(server.id, renaming.id, { name });
            toasts.success(`Route renamed to ${name}`);
            await load();
          }}
        />
      )}
      {limiting && (
        <AccessModal
          route={limiting}
          onClose={() => setLimiting(undefined)}
          onSave={async (access) => {
            await api.client.updateVpnServerRoute(server.id, limiting.id, { access: access ?? null });
            toasts.success(access ? `Route ${limiting.name} is limited to the listed users and common names` : `Everyone may use route ${limiting.name}`);
            await load();
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          heading={`Delete route ${deleting.name}?`}
          label={server.name}
          confirmText="Delete"
          body={<p>The gateway stops carrying traffic to {deleting.destination} at once; clients drop the route when they next connect.</p>}
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            try {
              await api.client.deleteVpnServerRoute(server.id, deleting.id);
              toasts.success(`Deletion request for route ${deleting.name} has been accepted`);
              await load();
            } catch (e) {
              toasts.failure(`Could not delete route ${deleting.name}`, e);
            }
          }}
        />
      )}
    </section>
  );
}

function CreateRouteModal({ onClose, onCreate }: { onClose(): void; onCreate(body: VpnServerRoutePrototype): Promise<void> }) {
  const [destination, setDestination] = useState('');
  const [action, setAction] = useState('deliver');
  const [name, setName] = useState('');
  const [users, setUsers] = useState('');
  const [commonNames, setCommonNames] = useState('');
  const [errors, setErrors] = useState<{ destination?: string; name?: string; access?: string; other?: { title: string; subtitle: string } }>({});
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const local = validateRoute(destination, name);
    setErrors(local);
    if (local.destination || local.name) return;
    setBusy(true);
    try {
      const body: VpnServerRoutePrototype = { destination: destination.trim(), action: action as RouteAction };
      if (name.trim()) body.name = name.trim();
      const access = action === 'drop' ? undefined : accessFromForm(users, commonNames);
      if (access) body.access = access;
      await onCreate(body);
      onClose();
    } catch (e) {
      const target = e instanceof ApiError ? e.errors[0]?.target?.name : undefined;
      const text = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
      if (target === 'destination' || target === 'name') setErrors({ [target]: text });
      else if (target?.startsWith('access')) setErrors({ access: text });
      else setErrors({ other: errorToast('Could not create the route', e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open size="sm" modalHeading="Create route" primaryButtonText={busy ? 'Creating…' : 'Create'} primaryButtonDisabled={busy} secondaryButtonText="Cancel" onRequestClose={onClose} onRequestSubmit={submit} shouldSubmitOnEnter>
      {errors.other && <InlineNotification kind="error" title={errors.other.title} subtitle={errors.other.subtitle} lowContrast hideCloseButton />}
      <TextInput id="route-destination" labelText="Destination" helperText="IPv4 CIDR, e.g. 192.168.10.0/24" value={destination} data-modal-primary-focus invalid={!!errors.destination} invalidText={errors.destination} onChange={(e) => setDestination(e.target.value)} />
      <Select id="route-action" labelText="Action" value={action} onChange={(e) => setAction(e.target.value)}>
        <SelectItem value="deliver" text="Deliver" />
        <SelectItem value="translate" text="Translate (NAT to the server's address)" />
        <SelectItem value="drop" text="Drop" />
      </Select>
      <TextInput id="route-name" labelText="Name" helperText="Optional; generated when empty" value={name} invalid={!!errors.name} invalidText={errors.name} onChange={(e) => setName(e.target.value)} />
      <AccessFields users={users} commonNames={commonNames} disabled={action === 'drop'} error={errors.access} onUsers={setUsers} onCommonNames={setCommonNames} />
    </Modal>
  );
}

/** Who may use the route: user IDs and certificate common names, comma-separated; both empty = everyone. */
function AccessFields({ users, commonNames, disabled, error, onUsers, onCommonNames }: { users: string; commonNames: string; disabled: boolean; error: string | undefined; onUsers(v: string): void; onCommonNames(v: string): void }) {
  const helper = disabled ? 'A drop route drops for everyone' : 'Comma-separated; leave both empty to let everyone use the route';
  return (
    <>
      <TextInput id="route-access-users" labelText="Users allowed" helperText={helper} value={users} disabled={disabled} invalid={!!error} invalidText={error} onChange={(e) => onUsers(e.target.value)} />
      <TextInput id="route-access-common-names" labelText="Common names allowed" helperText={helper} value={commonNames} disabled={disabled} onChange={(e) => onCommonNames(e.target.value)} />
    </>
  );
}

function AccessModal({ route, onClose, onSave }: { route: VpnServerRoute; onClose(): void; onSave(access: ReturnType<typeof accessFromForm>): Promise<void> }) {
  const [users, setUsers] = useState(route.access?.users.join(', ') ?? '');
  const [commonNames, setCommonNames] = useState(route.access?.common_names.join(', ') ?? '');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      await onSave(accessFromForm(users, commonNames));
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open size="sm" modalLabel={route.destination} modalHeading={`Who may use route ${route.name}`} primaryButtonText={busy ? 'Saving…' : 'Save'} primaryButtonDisabled={busy} secondaryButtonText="Cancel" onRequestClose={onClose} onRequestSubmit={submit} shouldSubmitOnEnter>
      <p>The gateway applies the change to connected clients at once.</p>
      <AccessFields users={users} commonNames={commonNames} disabled={false} error={error} onUsers={setUsers} onCommonNames={setCommonNames} />
    </Modal>
  );
}
