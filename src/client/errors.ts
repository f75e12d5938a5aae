import type { ErrorBody } from './types.ts';

/** One item of the reference error body. */
export type ApiErrorItem = ErrorBody['errors'][number];

/**
 * A failure reported by the API in the reference error body (or made from a bare status when the
 * answer was something else, e.g. a proxy's page). `code` is the first error's, or `http_<status>`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: ApiErrorItem[];
  readonly trace: string | undefined;

  constructor(status: number, errors: ApiErrorItem[], trace?: string) {
    const first = errors[0];
    super(first ? first.message : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = first?.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.errors = errors;
    this.trace = trace;
  }
}

/** The endpoint could not be reached at all (DNS, refused connection, TLS). */
export class NetworkError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`cannot reach ${url || 'the server'}: ${causeText(cause)}`, { cause });
    this.name = 'NetworkError';
    this.url = url;
  }
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    // undici wraps the useful part ("ECONNREFUSED 127.0.0.1:1") in error.cause.
    const inner = (cause as Error & { cause?: unknown }).cause;
    if (inner instanceof Error && inner.message) return inner.message;
    return cause.message;
  }
  return String(cause);
}

/** Builds an ApiError from a parsed answer body that may or may not be the reference error shape. Pure. */
export function apiErrorFrom(status: number, body: unknown, fallbackText = ''): ApiError {
  if (body && typeof body === 'object') {
    const b = body as { errors?: unknown; trace?: unknown };
    if (Array.isArray(b.errors) && b.errors.length > 0) {
      const items = b.errors
        .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
        .map((e) => {
          const item: ApiErrorItem = { code: String(e.code ?? `http_${status}`), message: String(e.message ?? '') };
          if (typeof e.more_info === 'string') item.more_info = e.more_info;
          const t = e.target as ApiErrorItem['target'] | undefined;
          if (t && typeof t === 'object' && typeof t.name === 'string') item.target = t;
          return item;
        });
      return new ApiError(status, items, typeof b.trace === 'string' ? b.trace : undefined);
    }
  }
  const text = fallbackText.trim().slice(0, 200);
  return new ApiError(status, [{ code: `http_${status}`, message: text || statusText(status) }]);
}

/** Reads a non-2xx response, whatever its body is, into an ApiError. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return apiErrorFrom(response.status, parsed, text);
}

function statusText(status: number): string {
  if (status === 0) return 'the server could not be reached';
  if (status >= 500) return 'the server failed to answer';
  return `the request failed with HTTP ${status}`;
}
