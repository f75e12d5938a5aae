import { Type, type TSchema } from 'typebox';
import { ID_PATTERN, NAME_PATTERN } from '../domain/shared/ids.ts';

/** Shared pieces of route schemas. Each field carries a description: the OpenAPI document is built from these. */
export const Id = Type.String({ pattern: ID_PATTERN, minLength: 1, maxLength: 64, description: 'Unique identifier.' });
export const Name = Type.String({ pattern: NAME_PATTERN, minLength: 1, maxLength: 63, description: 'Lowercase name, unique in its scope.' });
export const Href = Type.String({ format: 'url', maxLength: 2048, description: 'Absolute URL of the resource.' });
export const Ipv4 = Type.String({ pattern: '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$', minLength: 7, maxLength: 15, description: 'IPv4 address.' });
export const Crn = Type.String({ minLength: 1, maxLength: 512, description: 'Cloud resource name.' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 date-time, UTC, with milliseconds.' });

export const VersionQuery = {
  version: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'API version date, YYYY-MM-DD. Required.' }),
  generation: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, description: 'Infrastructure generation; always 2.' })),
};

export const PageQuery = {
  ...VersionQuery,
  start: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Page token from a `next.href`.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100.' })),
};

export const HrefObject = Type.Object({ href: Href }, { description: 'A link.' });

export const ErrorSchema = Type.Object(
  {
    errors: Type.Array(
      Type.Object({
        code: Type.String({ description: 'Stable error code from the catalogue.' }),
        message: Type.String({ description: 'What went wrong, for a person.' }),
        more_info: Type.Optional(Type.String({ description: 'Link to documentation of the code.' })),
        target: Type.Optional(
          Type.Object({
            name: Type.String({ description: 'The offending field, parameter or header.' }),
            type: Type.Union([Type.Literal('field'), Type.Literal('parameter'), Type.Literal('header')], { description: 'Where the target is.' }),
            value: Type.Optional(Type.Unknown({ description: 'The offending value.' })),
          }, { description: 'What the error is about.' }),
        ),
      }, { description: 'One error.' }),
      { description: 'The errors.' },
    ),
    trace: Type.String({ description: 'Request id, also in the server log.' }),
    status_code: Type.Integer({ description: 'HTTP status code.' }),
  },
  { description: 'Error response.' },
);

/** Collections carry `first`, `limit`, `next` (absent on the last page) and `total_count`. */
export const collection = (key: string, item: TSchema, description: string) =>
  Type.Object(
    {
      first: HrefObject,
      limit: Type.Integer({ description: 'Page size used.' }),
      next: Type.Optional(HrefObject),
      total_count: Type.Integer({ description: 'Total number of items in the collection.' }),
      [key]: Type.Array(item, { description }),
    },
    { description },
  );

/** The error responses every /v1 route may give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  500: ErrorSchema,
};
