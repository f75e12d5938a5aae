import { useCallback, useEffect, useState } from 'react';
import { parseRoute, routePath, type Route } from '../lib/route.ts';

/** History-API routing: the current route and a navigate function. */
export function useRoute(): [Route, (to: Route, replace?: boolean) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: Route, replace = false) => {
    const path = routePath(to);
    if (path !== window.location.pathname) {
      if (replace) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    setRoute(to);
    window.scrollTo(0, 0);
  }, []);
  return [route, navigate];
}
