import type { Store } from '../../store/database.ts';

/**
 * One `T` per store, made on first use: state that belongs to a database as one process sees it
 * (caches, batchers) without a field on DomainContext. Gone with the store.
 */
export function perStore<T>(create: (store: Store) => T): (store: Store) => T {
  const made = new WeakMap<Store, T>();
  return (store) => {
    let value = made.get(store);
    if (value === undefined) {
      value = create(store);
      made.set(store, value);
    }
    return value;
  };
}
