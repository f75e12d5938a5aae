/**
 * Every failure Sluice reports has a stable code from this catalogue. The HTTP layer maps a
 * SluiceError to the reference error body in one place (src/server/errors.ts); the CLI prints the
 * code and message. Codes are public API: never rename one, only add.
 */
export const errorCatalogue = {
  invalid_request: { status: 400, summary: 'The request is malformed (body, query or path).' },
  missing_field: { status: 400, summary: 'A required field or parameter is absent.' },
  invalid_value: { status: 400, summary: 'A field or parameter has a value outside its allowed set.' },
  version_missing: { status: 400, summary: 'The required `version` query parameter is absent or not YYYY-MM-DD.' },
  invalid_sort: { status: 400, summary: 'The `sort` parameter names a key the collection cannot sort by.' },
  invalid_limit: { status: 400, summary: 'The `limit` parameter is not an integer from 1 to 100.' },
  invalid_start: { status: 400, summary: 'The `start` page token is not one this service issued.' },
  invalid_cidr: { status: 400, summary: 'A CIDR block is not a valid IPv4 network address with prefix.' },
  client_ip_pool_prefix: { status: 400, summary: 'The client IP pool prefix length is outside /9 to /22.' },
  client_ip_pool_reserved: { status: 400, summary: 'The client IP pool overlaps a reserved range.' },
  if_match_required: { status: 428, summary: 'A PATCH with an array field needs an If-Match header.' },
  etag_mismatch: { status: 412, summary: 'The If-Match header does not match the current ETag.' },
  unsupported_media_type: { status: 415, summary: 'The Content-Type is not one this route accepts.' },
  payload_too_large: { status: 413, summary: 'The request body exceeds the size limit.' },
  not_authenticated: { status: 401, summary: 'No valid bearer token was presented.' },
  not_authorized: { status: 403, summary: 'The token is valid but its roles do not allow this.' },
  invalid_api_key: { status: 400, summary: 'The API key given to /identity/token is unknown or disabled.' },
  not_found: { status: 404, summary: 'The resource does not exist (or is being deleted).' },
  name_conflict: { status: 409, summary: 'Another resource in the same scope already has this name.' },
  destination_conflict: { status: 409, summary: 'Another route of this server has this destination.' },
  port_conflict: { status: 409, summary: 'Another VPN server already uses this port and protocol.' },
  subnet_conflict: { status: 409, summary: 'Another gateway already has this subnet id.' },
  certificate_in_use: { status: 409, summary: 'The certificate is referenced by a VPN server.' },
  certificate_invalid: { status: 400, summary: 'A PEM certificate, key, chain or CRL cannot be used.' },
  certificate_not_found: { status: 400, summary: 'A referenced certificate CRN does not exist.' },
  resource_busy: { status: 409, summary: 'The resource is in a lifecycle state that forbids this change.' },
  too_many_routes: { status: 409, summary: 'The server already has the maximum number of routes.' },
  rate_limited: { status: 429, summary: 'Too many requests; retry later.' },
  service_error: { status: 500, summary: 'An unexpected internal error; the trace id is in the log.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export type TargetType = 'field' | 'parameter' | 'header';

export interface ErrorTarget {
  name: string;
  type: TargetType;
  value?: unknown;
}

/** A failure with a catalogue code. Throw it anywhere; the edges know how to present it. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly target: ErrorTarget | undefined;

  constructor(code: ErrorCode, message: string, target?: ErrorTarget) {
    super(message);
    this.name = 'SluiceError';
    this.code = code;
    this.target = target;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }
}

/** `rate_limited` with the seconds after which trying again can succeed (sent as Retry-After). */
export class RateLimitedError extends SluiceError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    target?: ErrorTarget,
  ) {
    super('rate_limited', message, target);
    this.name = 'RateLimitedError';
  }
}

export const fieldError = (code: ErrorCode, field: string, message: string, value?: unknown): SluiceError =>
  new SluiceError(code, message, value === undefined ? { name: field, type: 'field' } : { name: field, type: 'field', value });

export const paramError = (code: ErrorCode, param: string, message: string, value?: unknown): SluiceError =>
  new SluiceError(code, message, value === undefined ? { name: param, type: 'parameter' } : { name: param, type: 'parameter', value });

export const notFound = (what: string, id: string): SluiceError =>
  new SluiceError('not_found', `${what} not found: ${id}`);
