import type { ErrorBody } from '../../../src/client/types.ts';

/** API errors and their presentation (toast text, form field messages). */
export type ApiErrorItem = ErrorBody['errors'][number];

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

/** Builds an ApiError from a response body that may or may not be the reference error shape. */
export function apiErrorFrom(status: number, body: unknown, fallbackText = ''): ApiError {
  if (body && typeof body === 'object') {
    const b = body as { errors?: unknown; trace?: unknown; errorCode?: unknown; errorMessage?: unknown };
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

function statusText(status: number): string {
  if (status === 0) return 'the server could not be reached';
  if (status >= 500) return 'the server failed to answer';
  return `the request failed with HTTP ${status}`;
}

export interface ErrorToast {
  title: string;
  subtitle: string;
  caption?: string;
}

/** `action` is what the user tried, e.g. "Could not disconnect client 0717-…". */
export function errorToast(action: string, error: unknown): ErrorToast {
  if (error instanceof ApiError) {
    const first = error.errors[0];
    const field = first?.target ? ` (${first.target.type} ${first.target.name})` : '';
    const toast: ErrorToast = { title: action, subtitle: `${error.code}: ${error.message}${field}` };
    if (error.trace) toast.caption = `trace ${error.trace}`;
    return toast;
  }
  if (error instanceof Error) {
    const network = error.name === 'TypeError' ? 'network_error: the server could not be reached' : error.message;
    return { title: action, subtitle: network };
  }
  return { title: action, subtitle: String(error) };
}

/** Field name → message for errors that name a body field, to show next to the form input. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.errors) {
    if (e.target?.type === 'field' && !(e.target.name in out)) out[e.target.name] = `${e.message} (${e.code})`;
  }
  return out;
}
