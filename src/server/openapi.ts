import { isDeepStrictEqual } from 'node:util';
import { SCHEMA_NAME } from './schemas.ts';

/**
 * Finishing touches on the generated OpenAPI document that the route schemas cannot express:
 * named schemas as `$ref`s to `components.schemas`, canonical header names, the ETag response
 * header, path parameters on the path, required parameters first, and explicit integer formats
 * and bounds (every integer Sluice exposes is non-negative) — so the document passes IBM's API
 * ruleset.
 */
type Json = Record<string, unknown>;

const HEADER_NAMES: Record<string, string> = { 'if-match': 'If-Match', 'last-event-id': 'Last-Event-ID' };
const ETAG_OPERATIONS = new Set(['create_vpn_server', 'get_vpn_server', 'update_vpn_server', 'create_gateway', 'get_gateway', 'update_gateway']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function completeIntegers(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(completeIntegers);
    return;
  }
  if (!isObject(node)) return;
  if (node.type === 'integer') {
    node.format ??= 'int64';
    node.minimum ??= 0;
    node.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  Object.values(node).forEach(completeIntegers);
}

/** Replaces every schema marked with `named()` by a `$ref`, collecting it under `components.schemas`. */
function hoistNamedSchemas(node: unknown, components: Json): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, components));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'example' ? value : hoistNamedSchemas(value, components);
  const name = out[SCHEMA_NAME];
  if (typeof name !== 'string') return out;
  delete out[SCHEMA_NAME];
  const existing = components[name];
  if (existing !== undefined && !isDeepStrictEqual(existing, out)) throw new Error(`two different schemas are named ${name}`);
  components[name] = out;
  return { $ref: `#/components/schemas/${name}` };
}

const operationsOf = (pathItem: Json): Json[] => Object.entries(pathItem).filter(([method, op]) => METHODS.has(method) && isObject(op)).map(([, op]) => op as Json);

/** Path parameters every operation of a path shares are declared once, on the path. */
function liftPathParameters(pathItem: Json): void {
  const operations = operationsOf(pathItem);
  const first = operations[0];
  if (!first) return;
  const shared = ((first.parameters as Json[] | undefined) ?? []).filter(
    (p) => p.in === 'path' && operations.every((op) => ((op.parameters as Json[] | undefined) ?? []).some((q) => isDeepStrictEqual(p, q))),
  );
  if (shared.length === 0) return;
  pathItem.parameters = shared;
  for (const op of operations) op.parameters = ((op.parameters as Json[] | undefined) ?? []).filter((q) => !shared.some((p) => isDeepStrictEqual(p, q)));
}

function finishOperation(operation: Json): void {
  const parameters = (operation.parameters as Json[] | undefined) ?? [];
  for (const parameter of parameters) {
    if (parameter.in === 'header' && typeof parameter.name === 'string') parameter.name = HEADER_NAMES[parameter.name] ?? parameter.name;
  }
  // Required parameters first; the sort is stable, so the declared order holds otherwise.
  parameters.sort((a, b) => Number(b.required === true) - Number(a.required === true));
  if (typeof operation.operationId === 'string' && ETAG_OPERATIONS.has(operation.operationId)) {
    for (const [status, response] of Object.entries((operation.responses as Json | undefined) ?? {})) {
      if (status.startsWith('2') && isObject(response)) {
        response.headers = { ETag: { description: 'Entity tag; send it back in If-Match.', schema: { type: 'string', pattern: '^W/"[-0-9a-z_]+"$', minLength: 5, maxLength: 256 } } };
      }
    }
  }
}

export function finishOpenApi<T>(document: T): T {
  const copy = structuredClone(document) as Json;
  const components = (copy.components ??= {}) as Json;
  const schemas = (components.schemas ??= {}) as Json;
  copy.paths = hoistNamedSchemas(copy.paths, schemas);
  for (const pathItem of Object.values((copy.paths as Json | undefined) ?? {})) {
    if (!isObject(pathItem)) continue;
    for (const operation of operationsOf(pathItem)) finishOperation(operation);
    liftPathParameters(pathItem);
  }
  completeIntegers(copy);
  return copy as T;
}
