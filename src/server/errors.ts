import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError, SluiceError, errorCatalogue, type ErrorCode, type ErrorTarget } from '../errors/catalogue.ts';
import { targetFromValidation, type ValidationIssue } from './validation.ts';
import { baseUrl } from './paging.ts';
import { TARGET_VALUE_MAX } from './schemas.ts';

/** The reference's error body: `errors[{code,message,more_info?,target?}]`, `trace`, `status_code`. */
export interface ErrorBody {
  errors: { code: string; message: string; more_info?: string; target?: ErrorTarget }[];
  trace: string;
  status_code: number;
}

/** Path of the error catalogue this service serves (docs/errors.md); `more_info` links into it. */
export const ERRORS_DOC_PATH = '/errors';

/**
 * The reference sends a target's value as text. Sluice also cuts it short, so an oversized input
 * is not echoed back whole.
 */
function valueAsText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > TARGET_VALUE_MAX ? `${text.slice(0, TARGET_VALUE_MAX)}\u2026` : text;
}

export function errorBody(code: ErrorCode, message: string, trace: string, target?: ErrorTarget, docs = ERRORS_DOC_PATH): ErrorBody {
  const item: ErrorBody['errors'][number] = { code, message, more_info: `${docs}#${code}` };
  if (target) item.target = target.value === undefined ? target : { ...target, value: valueAsText(target.value) };
  return { errors: [item], trace, status_code: errorCatalogue[code].status };
}

/** Fastify's own errors that are the caller's fault, mapped to catalogue codes. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'invalid_request',
};

/** Turns any thrown value into a reference error body. The one place errors meet HTTP. */
export function toErrorBody(error: unknown, trace: string, docs = ERRORS_DOC_PATH): ErrorBody {
  if (error instanceof SluiceError) return errorBody(error.code, error.message, trace, error.target, docs);
  const fe = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    const { code, message, target } = targetFromValidation(fe.validation[0] as ValidationIssue, fe.validationContext ?? 'body');
    return errorBody(code, message, trace, target, docs);
  }
  const mapped = fe.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (mapped) return errorBody(mapped, fe.message ?? mapped, trace, undefined, docs);
  if (error instanceof SyntaxError || (typeof fe.statusCode === 'number' && fe.statusCode === 400)) {
    return errorBody('invalid_request', `the request could not be parsed: ${fe.message ?? 'malformed'}`, trace, undefined, docs);
  }
  return errorBody('service_error', `an internal error occurred; quote trace ${trace} when reporting it`, trace, undefined, docs);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const body = toErrorBody(error, request.id, `${baseUrl(request)}${ERRORS_DOC_PATH}`);
  if (error instanceof RateLimitedError) reply.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  if (body.status_code >= 500) request.log.error({ err: error }, 'request failed');
  // The request's own log line carries the code (logging.ts); this one is for debugging.
  else request.log.debug({ code: body.errors[0]?.code }, 'request rejected');
  return reply.code(body.status_code).type('application/json').send(body);
}
