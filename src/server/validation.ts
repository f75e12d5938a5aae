import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorCode, ErrorTarget, TargetType } from '../errors/catalogue.ts';
import { CIDR_PATTERN, PEM_PATTERN } from './schemas.ts';
import { explainUnions } from './union-errors.ts';

export type ValidationIssue = ErrorObject;

// ajv-formats is CommonJS with a default export that ESM sees one level down.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: false, verbose: true, coerceTypes: coerce ? 'array' : false, useDefaults: false, removeAdditional: false, strict: false });
  addFormats(ajv);
  return ajv;
}

// Query strings and path parameters arrive as text and may be coerced; bodies are JSON and must
// already have the right types, so "443" is not silently taken as a port.
const coercing = makeAjv(true);
const exact = makeAjv(false);

const invalid = (issues: ValidationIssue[]) => ({ error: Object.assign(new Error('validation'), { validation: issues }) });

/** The issue reported when a route needs a body and the request has none. */
const BODY_REQUIRED: ValidationIssue = { keyword: 'required', instancePath: '', schemaPath: '#/required', params: { missingProperty: 'body' }, message: 'a request body is required' };

export const schemaCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? exact : coercing;
  const validate: ValidateFunction = ajv.compile(schema as object);
  const check = (data: unknown) => (validate(data) ? { value: data } : invalid(explainUnions(ajv, validate.errors ?? [])));
  if (httpPart !== 'body') return check;
  // An absent body (Fastify hands the validator null) is an empty object where the schema allows
  // one — every field optional — and otherwise a missing body, named as such.
  const emptyAllowed = validate({});
  return (data: unknown) => {
    if (data !== null && data !== undefined) return check(data);
    return emptyAllowed ? { value: {} } : invalid([BODY_REQUIRED]);
  };
};

const TARGET_TYPES: Record<string, TargetType> = { body: 'field', querystring: 'parameter', params: 'parameter', headers: 'header' };

/** `/client_authentication/0/method` → `client_authentication[0].method`. */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra) parts.push(extra);
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(issue: ValidationIssue, name: string): { code: ErrorCode; message: string } {
  const p = issue.params as Record<string, unknown>;
  // Too short for PEM, or text around the blocks: the field is no usable certificate, key or CRL.
  if ((issue.keyword === 'pattern' || issue.keyword === 'minLength') && (issue.parentSchema as { pattern?: unknown } | undefined)?.pattern === PEM_PATTERN) {
    return { code: 'certificate_invalid', message: `${name} must be PEM: -----BEGIN …----- to -----END …----- with nothing around it` };
  }
  switch (issue.keyword) {
    case 'required':
      return { code: 'missing_field', message: `${name} is required` };
    case 'additionalProperties':
      return { code: 'invalid_request', message: `${name} is not a known field` };
    case 'type':
      return { code: 'invalid_value', message: `${name || 'the body'} must be of type ${String(p.type)}` };
    case 'enum':
      return { code: 'invalid_value', message: `${name} must be one of ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { code: 'invalid_value', message: `${name} must be ${String(p.allowedValue)}` };
    case 'format':
      return { code: 'invalid_value', message: `${name} must be a valid ${String(p.format)}` };
    case 'pattern':
      if (p.pattern === CIDR_PATTERN) return { code: 'invalid_cidr', message: `${name} must be an IPv4 CIDR block like 10.8.0.0/16` };
      return { code: 'invalid_value', message: `${name} must match ${String(p.pattern)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'invalid_value', message: `${name} must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'minLength':
    case 'maxLength':
      return { code: 'invalid_value', message: `${name} must have ${issue.keyword === 'minLength' ? 'at least' : 'at most'} ${String(p.limit)} characters` };
    case 'minItems':
    case 'maxItems':
      return { code: 'invalid_value', message: `${name} must have ${issue.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items` };
    case 'anyOf':
    case 'oneOf':
      return { code: 'invalid_value', message: `${name} does not match any allowed shape` };
    default:
      return { code: 'invalid_value', message: `${name} ${issue.message ?? 'is not valid'}` };
  }
}

/** Query parameters whose errors have a code of their own. */
const PARAMETER_CODES: Record<string, ErrorCode> = { limit: 'invalid_limit', start: 'invalid_start', sort: 'invalid_sort', version: 'version_missing' };

export function targetFromValidation(issue: ValidationIssue, context: string): { code: ErrorCode; message: string; target: ErrorTarget } {
  const p = issue.params as Record<string, unknown>;
  const extra = issue.keyword === 'required' ? String(p.missingProperty) : issue.keyword === 'additionalProperties' ? String(p.additionalProperty) : undefined;
  const name = fieldPath(issue.instancePath, extra) || (context === 'body' ? 'body' : context);
  const described = describe(issue, name);
  const code = (context === 'querystring' && PARAMETER_CODES[name]) || described.code;
  const message = described.message;
  const target: ErrorTarget = { name, type: TARGET_TYPES[context] ?? 'field' };
  if (issue.data !== undefined && typeof issue.data !== 'object') target.value = issue.data;
  return { code, message, target };
}
