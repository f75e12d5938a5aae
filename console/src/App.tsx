import { useEffect, useMemo, useState } from 'react';
import {
  Content,
  Header,
  HeaderContainer,
  HeaderGlobalAction,
  HeaderGlobalBar,
  HeaderMenuButton,
  HeaderName,
  SideNav,
  SideNavItems,
  SideNavLink,
  SkipToContent,
} from '@carbon/react';
import { Logout, UserAvatar } from '@carbon/icons-react';
import { Api } from './lib/api.ts';
import type { Identity } from '../../src/client/types.ts';
import { useRoute } from './hooks/useRoute.ts';
import { ToastProvider } from './components/Toasts.tsx';
import { SignIn } from './components/SignIn.tsx';
import { ServersPage } from './components/ServersPage.tsx';
import { ServerDetails } from './components/ServerDetails.tsx';
import { GatewaysPage } from './components/GatewaysPage.tsx';
import { EmptyState } from './components/EmptyState.tsx';
import type { Route } from './lib/route.ts';

function sessionStore() {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export function App() {
  const [signedIn, setSignedIn] = useState(false);
  const api = useMemo(() => new Api({ storage: sessionStore(), onSessionChange: setSignedIn }), []);
  useEffect(() => setSignedIn(api.signedIn), [api]);
  return <ToastProvider>{signedIn ? <Shell api={api} /> : <SignIn api={api} />}</ToastProvider>;
}

function Shell({ api }: { api: Api }) {
  const [route, navigate] = useRoute();
  const [me, setMe] = useState<Identity | undefined>();
  useEffect(() => {
    api.client.me().then(setMe, () => setMe(undefined));
  }, [api]);
  const go = (to: Route) => (e: React.MouseEvent) => {
    e.preventDefault();
    navigate(to);
  };
  return (
    <HeaderContainer
      render={({ isSideNavExpanded, onClickSideNavExpand }) => (
        <>
          <Header aria-label="Sluice">
            <SkipToContent />
            <HeaderMenuButton aria-label={isSideNavExpanded ? 'Close menu' : 'Open menu'} onClick={onClickSideNavExpand} isActive={isSideNavExpanded} aria-expanded={isSideNavExpanded} />
            <HeaderName href="/vpn_servers" prefix="Sluice" onClick={go({ page: 'servers' })}>
              VPN
            </HeaderName>
            <HeaderGlobalBar>
              {me && (
                <HeaderGlobalAction aria-label={`Signed in as ${me.name}`} tooltipAlignment="end">
                  <UserAvatar size={20} />
                </HeaderGlobalAction>
              )}
              <HeaderGlobalAction aria-label="Sign out" tooltipAlignment="end" onClick={() => api.signOut()}>
                <Logout size={20} />
              </HeaderGlobalAction>
            </HeaderGlobalBar>
            <SideNav aria-label="Side navigation" expanded={isSideNavExpanded} onSideNavBlur={onClickSideNavExpand} href="#main-content">
              <SideNavItems>
                <SideNavLink href="/vpn_servers" isActive={route.page === 'servers' || route.page === 'server'} onClick={go({ page: 'servers' })}>
                  Client-to-site servers
                </SideNavLink>
                <SideNavLink href="/gateways" isActive={route.page === 'gateways'} onClick={go({ page: 'gateways' })}>
                  Gateways
                </SideNavLink>
              </SideNavItems>
            </SideNav>
          </Header>
          <Content id="main-content" className="sl-content">
            {route.page === 'servers' && <ServersPage api={api} navigate={navigate} />}
            {route.page === 'gateways' && <GatewaysPage api={api} />}
            {route.page === 'server' && <ServerDetails key={route.id} api={api} id={route.id} tab={route.tab} navigate={navigate} />}
            {route.page === 'not_found' && (
              <EmptyState title="Page not found">
                Nothing lives at <code>{route.path}</code>. Go to the <a href="/vpn_servers" onClick={go({ page: 'servers' })}>client-to-site servers</a>.
              </EmptyState>
            )}
          </Content>
        </>
      )}
    />
  );
}
