import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError, errorCatalogue, type ErrorCode, type ErrorTarget } from '../errors/catalogue.ts';
import { targetFromValidation, type ValidationIssue } from './validation.ts';

/** The reference's error body: `errors[{code,message,more_info?,target?}]`, `trace`, `status_code`. */
export interface ErrorBody {
  errors: { code: string; message: string; more_info?: string; target?: ErrorTarget }[];
  trace: string;
  status_code: number;
}

const MORE_INFO = 'https://github.com/sluice-vpn/sluice/blob/main/docs/errors.md';

export function errorBody(code: ErrorCode, message: string, trace: string, target?: ErrorTarget): ErrorBody {
  const item: ErrorBody['errors'][number] = { code, message, more_info: `${MORE_INFO}#${code}` };
  if (target) item.target = target;
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
export function toErrorBody(error: unknown, trace: string): ErrorBody {
  if (error instanceof SluiceError) return errorBody(error.code, error.message, trace, error.target);
  const fe = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    const { code, message, target } = targetFromValidation(fe.validation[0] as ValidationIssue, fe.validationContext ?? 'body');
    return errorBody(code, message, trace, target);
  }
  const mapped = fe.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (mapped) return errorBody(mapped, fe.message ?? mapped, trace);
  if (error instanceof SyntaxError || (typeof fe.statusCode === 'number' && fe.statusCode === 400)) {
    return errorBody('invalid_request', `the request could not be parsed: ${fe.message ?? 'malformed'}`, trace);
  }
  return errorBody('service_error', `an internal error occurred; quote trace ${trace} when reporting it`, trace);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const body = toErrorBody(error, request.id);
  if (body.status_code >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.errors[0]?.code }, 'request rejected');
  return reply.code(body.status_code).type('application/json').send(body);
}
