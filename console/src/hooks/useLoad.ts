import { useCallback, useEffect, useState } from 'react';

/**
 * Loads a value with `fetch` (keep it stable with useCallback), again whenever `fetch` changes
 * and, with `pollMs`, every `pollMs` while the page is visible. A failed load keeps the last value
 * and sets `error`; the next good one clears it.
 */
export function useLoad<T>(fetch: () => Promise<T>, pollMs?: number) {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      setValue(await fetch());
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [fetch]);

  useEffect(() => {
    void load();
    if (pollMs === undefined) return;
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, pollMs);
    return () => clearInterval(t);
  }, [load, pollMs]);

  return { value, error, load, setValue, setError };
}
