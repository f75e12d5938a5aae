import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { Breadcrumb, BreadcrumbItem, Button, Loading, OverflowMenu, OverflowMenuItem, Tab, TabList, TabPanel, TabPanels, Tabs, Tag } from '@carbon/react';
import { Certificate, Download } from '@carbon/icons-react';
import type { Api } from '../lib/api.ts';
import { tabAt, tabIndex, type Route, type ServerTab } from '../lib/route.ts';
import { serverStatus } from '../lib/status.ts';
import { connectedCount } from '../lib/clients-state.ts';
import { downloadText, profileFileName } from '../lib/download.ts';
import { useClients } from '../hooks/useClients.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useToasts } from './Toasts.tsx';
import { OverviewTab } from './OverviewTab.tsx';
import { ClientsTab } from './ClientsTab.tsx';
import { RoutesTab } from './RoutesTab.tsx';
import { NameModal } from './NameModal.tsx';
import { ConfirmModal } from './ConfirmModal.tsx';
import { ProfileModal } from './ProfileModal.tsx';
import { EmptyState } from './EmptyState.tsx';
import { LoadError } from './Table.tsx';

const POLL_MS = 15_000;
/** The charts are most of the console's weight: loaded only when the tab is opened. */
const MonitoringTab = lazy(() => import('./MonitoringTab.tsx'));

export function ServerDetails({ api, id, tab, navigate }: { api: Api; id: string; tab: ServerTab; navigate(to: Route, replace?: boolean): void }) {
  const [modal, setModal] = useState<'rename' | 'delete' | 'profile' | undefined>();
  const toasts = useToasts();
  const clients = useClients(api, id);

  const fetchServer = useCallback(async () => (await api.client.getVpnServer(id)).value, [api, id]);
  const { value: server, error, setValue: setServer } = useLoad(fetchServer, POLL_MS);

  useEffect(() => {
    document.title = server ? `${server.name} · VPN server · Sluice` : 'VPN server · Sluice';
  }, [server]);

  const goServers = (e: React.MouseEvent) => {
    e.preventDefault();
    navigate({ page: 'servers' });
  };
  const breadcrumb = (
    <Breadcrumb noTrailingSlash>
      <BreadcrumbItem href="/vpn_servers" onClick={goServers}>
        Client-to-site servers
      </BreadcrumbItem>
    </Breadcrumb>
  );

  if (!server) {
    const notFound = (error as { status?: number } | undefined)?.status === 404;
    return (
      <>
        {breadcrumb}
        {notFound ? (
          <EmptyState title="VPN server not found">
            There is no VPN server {id}; it may have been deleted. Go back to the <a href="/vpn_servers" onClick={goServers}>list of servers</a>.
          </EmptyState>
        ) : error !== undefined ? (
          <LoadError action="Could not load the VPN server" error={error} />
        ) : (
          <Loading withOverlay={false} description="Loading VPN server" />
        )}
      </>
    );
  }

  const tag = serverStatus(server.lifecycle_state, server.health_state);
  const hasCertAuth = server.client_authentication.some((a) => a.method === 'certificate');
  const live = { ...server, connected_clients: clients.state.loaded ? connectedCount(clients.state) : server.connected_clients };

  const downloadProfile = async () => {
    try {
      downloadText(profileFileName(server.name), await api.client.getVpnServerClientConfiguration(server.id));
      toasts.success('Client profile downloaded', hasCertAuth ? 'Add the user’s <cert> and <key>, or issue a ready-to-connect profile.' : 'Users sign in with their user ID and a one-time passcode.');
    } catch (e) {
      toasts.failure('Could not download the client profile', e);
    }
  };

  return (
    <>
      {breadcrumb}
      <div className="sl-page-header">
        <h1>{server.name}</h1>
        <Tag type={tag.type}>{tag.label}</Tag>
        <div className="sl-page-actions">
          <Button kind="tertiary" size="md" renderIcon={Download} onClick={downloadProfile}>
            Download client profile
          </Button>
          {hasCertAuth && (
            <Button kind="ghost" size="md" renderIcon={Certificate} onClick={() => setModal('profile')}>
              Issue client certificate
            </Button>
          )}
          <OverflowMenu flipped aria-label="Server actions" iconDescription="Server actions">
            <OverflowMenuItem itemText="Rename" onClick={() => setModal('rename')} />
            <OverflowMenuItem itemText="Delete" isDelete hasDivider onClick={() => setModal('delete')} />
          </OverflowMenu>
        </div>
      </div>
      <Tabs selectedIndex={tabIndex(tab)} onChange={({ selectedIndex }) => navigate({ page: 'server', id, tab: tabAt(selectedIndex) }, true)}>
        <TabList aria-label="VPN server sections" contained>
          <Tab>Overview</Tab>
          <Tab>Clients{clients.state.loaded ? ` (${connectedCount(clients.state)})` : ''}</Tab>
          <Tab>VPN server routes</Tab>
          <Tab>Monitoring</Tab>
        </TabList>
        <TabPanels>
          <TabPanel>{tab === 'overview' && <OverviewTab server={live} clients={clients.state} />}</TabPanel>
          <TabPanel>{tab === 'clients' && <ClientsTab api={api} server={server} clients={clients} onDownloadProfile={downloadProfile} />}</TabPanel>
          <TabPanel>{tab === 'routes' && <RoutesTab api={api} server={server} />}</TabPanel>
          <TabPanel>
            {tab === 'monitoring' && (
              <Suspense fallback={<Loading withOverlay={false} description="Loading the charts" />}>
                <MonitoringTab api={api} server={server} />
              </Suspense>
            )}
          </TabPanel>
        </TabPanels>
      </Tabs>
      {modal === 'rename' && (
        <NameModal
          heading={`Rename VPN server ${server.name}`}
          current={server.name}
          onClose={() => setModal(undefined)}
          onSave={async (name) => {
            setServer((await api.client.updateVpnServer(server.id, { name })).value);
            toasts.success(`VPN server renamed to ${name}`);
          }}
        />
      )}
      {modal === 'delete' && (
        <ConfirmModal
          heading={`Delete VPN server ${server.name}?`}
          label="Delete VPN server"
          confirmText="Delete"
          body={<p>This disconnects every client of <strong>{server.name}</strong> ({server.id}) and cannot be undone.</p>}
          onClose={() => setModal(undefined)}
          onConfirm={async () => {
            try {
              await api.client.deleteVpnServer(server.id);
              toasts.success(`Deletion request for VPN server ${server.name} has been accepted`);
              navigate({ page: 'servers' });
            } catch (e) {
              toasts.failure(`Could not delete VPN server ${server.name}`, e);
            }
          }}
        />
      )}
      {modal === 'profile' && <ProfileModal api={api} server={server} onClose={() => setModal(undefined)} />}
    </>
  );
}
