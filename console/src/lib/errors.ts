import { ApiError, NetworkError } from '../../../src/client/errors.ts';

/** API errors are the shared client's; this module only presents them (toast text, form field messages). */
export { ApiError, apiErrorFrom, NetworkError } from '../../../src/client/errors.ts';
export type { ApiErrorItem } from '../../../src/client/errors.ts';

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
  if (error instanceof NetworkError) return { title: action, subtitle: 'network_error: the server could not be reached' };
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
