import type { Store } from '../../store/database.ts';

/**
 * One `T` per key object, made on first use and gone with the key: state that belongs to a store
 * or a context as one process sees it (caches, batchers) without a field for it.
 */
export function perObject<K extends object, T>(create: (key: K) => T): (key: K) => T {
  const made = new WeakMap<K, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = create(key);
      made.set(key, value);
    }
    return value;
  };
}

/** One `T` per store (a database as one process sees it), made on first use. */
export function perStore<T>(create: (store: Store) => T): (store: Store) => T {
  return perObject(create);
}
