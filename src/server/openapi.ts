/**
 * Finishing touches on the generated OpenAPI document that the route schemas cannot express:
 * canonical header names, the ETag response header, and explicit integer formats and bounds
 * (every integer Sluice exposes is non-negative) — so the document passes IBM's API ruleset.
 */
type Json = Record<string, unknown>;

const HEADER_NAMES: Record<string, string> = { 'if-match': 'If-Match', 'last-event-id': 'Last-Event-ID' };
const ETAG_OPERATIONS = new Set(['create_vpn_server', 'get_vpn_server', 'update_vpn_server']);

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

function finishOperation(operation: Json): void {
  for (const parameter of (operation.parameters as Json[] | undefined) ?? []) {
    if (parameter.in === 'header' && typeof parameter.name === 'string') parameter.name = HEADER_NAMES[parameter.name] ?? parameter.name;
  }
  if (typeof operation.operationId === 'string' && ETAG_OPERATIONS.has(operation.operationId)) {
    for (const [status, response] of Object.entries((operation.responses as Json | undefined) ?? {})) {
      if (status.startsWith('2') && isObject(response)) {
        response.headers = { ETag: { description: 'Entity tag; send it back in If-Match.', schema: { type: 'string', minLength: 1, maxLength: 256 } } };
      }
    }
  }
}

export function finishOpenApi<T>(document: T): T {
  const copy = structuredClone(document) as Json;
  for (const path of Object.values((copy.paths as Json | undefined) ?? {})) {
    if (!isObject(path)) continue;
    for (const operation of Object.values(path)) if (isObject(operation)) finishOperation(operation);
  }
  completeIntegers(copy);
  return copy as T;
}
