/**
 * @peculiar/x509 resolves its algorithm providers through tsyringe, which refuses to load unless a
 * `Reflect.getMetadata` polyfill is present. No polyfill package is a dependency yet, so this
 * module installs the three functions tsyringe calls, backed by a WeakMap. It must be imported
 * before `@peculiar/x509` (ESM evaluates imports in order). If `reflect-metadata` is ever added as
 * a dependency, import that instead and delete this file.
 */

type MetadataMap = Map<unknown, unknown>;

const store = new WeakMap<object, Map<string | symbol | undefined, MetadataMap>>();

function ownMap(target: object, property: string | symbol | undefined, create: boolean): MetadataMap | undefined {
  let byProperty = store.get(target);
  if (byProperty === undefined) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (map === undefined && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

function getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown {
  return ownMap(target, property, false)?.get(key);
}

function getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
  // Like reflect-metadata, inherited metadata is found by walking the prototype chain.
  for (let current: object | null = target; current !== null; current = Object.getPrototypeOf(current) as object | null) {
    const map = ownMap(current, property, false);
    if (map?.has(key)) return map.get(key);
  }
  return undefined;
}

function defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void {
  ownMap(target, property, true)?.set(key, value);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  reflect['getMetadata'] = getMetadata;
  reflect['getOwnMetadata'] = getOwnMetadata;
  reflect['defineMetadata'] = defineMetadata;
}
