import type { ErrorBody } from './types.ts';

/** A failure reported by the API in the reference error body (or synthesised from a bare status). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly trace: string | undefined;
  readonly body: ErrorBody | undefined;

  constructor(status: number, code: string, message: string, trace?: string, body?: ErrorBody) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.trace = trace;
    this.body = body;
  }
}

/** The endpoint could not be reached at all (DNS, refused connection, TLS, aborted). */
export class NetworkError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`cannot reach ${url}: ${causeText(cause)}`, { cause });
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

const isErrorBody = (value: unknown): value is ErrorBody =>
  typeof value === 'object' && value !== null && Array.isArray((value as { errors?: unknown }).errors);

/** Builds an ApiError from a non-2xx response, whatever its body is. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isErrorBody(parsed) && parsed.errors[0]) {
    const first = parsed.errors[0];
    return new ApiError(response.status, first.code, first.message, parsed.trace, parsed);
  }
  const fallback = response.status === 404 ? 'not_found' : response.status >= 500 ? 'service_error' : 'http_error';
  return new ApiError(response.status, fallback, text.trim().slice(0, 200) || `HTTP ${response.status} ${response.statusText}`);
}
