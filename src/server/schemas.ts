import { Type, type Static, type TSchema } from 'typebox';
import { errorCatalogue } from '../errors/catalogue.ts';
import { ID_PATTERN, NAME_PATTERN } from '../domain/shared/ids.ts';

/**
 * Shared pieces of route schemas. Each field carries a description and, for strings and arrays,
 * the limits the reference's own specification gives them: the OpenAPI document is built from
 * these, and the same schemas validate every request.
 */

/** Key that names a schema for the OpenAPI document; `finishOpenApi` turns it into a `$ref`. */
export const SCHEMA_NAME = 'x-sluice-schema';

/** Documents `schema` as `components.schemas[name]` wherever it is used. */
export const named = <T extends TSchema>(name: string, schema: T): T => Object.assign(schema, { [SCHEMA_NAME]: name });

/** A string with a fixed set of values, documented as an `enum` (not a union of constants). */
export const StringEnum = <const V extends string[]>(values: readonly [...V], description: string) =>
  Type.Enum(values, { type: 'string', description });

/** One line of text for a person: no control characters. */
export const LINE_PATTERN = '^[^\\x00-\\x1f\\x7f]+$';
export const Line = (description: string, maxLength = 512) => Type.String({ minLength: 1, maxLength, pattern: LINE_PATTERN, description });

export const HREF_PATTERN = '^http(s)?:\\/\\/([^\\/?#]*)([^?#]*)(\\?([^#]*))?(#(.*))?$';
export const CRN_PATTERN = "^crn:v[0-9](:([A-Za-z0-9\\-._~!$&'()*+,;=@\\/]|%[0-9A-Z]{2})*){8}$";
export const IPV4_PATTERN = '^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])$';
export const CIDR_PATTERN = '^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])(\\/(3[0-2]|[1-2][0-9]|[0-9]))$';
export const PEM_PATTERN = '^\\s*-----BEGIN [A-Z0-9 ]+-----[\\s\\S]*-----END [A-Z0-9 ]+-----\\s*$';

export const Id = Type.String({ pattern: ID_PATTERN, minLength: 1, maxLength: 64, description: 'Unique identifier.' });
export const Name = Type.String({ pattern: NAME_PATTERN, minLength: 1, maxLength: 63, description: 'Lowercase name, unique in its scope.' });
export const Href = Type.String({ pattern: HREF_PATTERN, minLength: 10, maxLength: 8000, description: 'Absolute URL of the resource.' });
export const Ipv4 = Type.String({ pattern: IPV4_PATTERN, minLength: 7, maxLength: 15, description: 'IPv4 address.' });
export const Cidr = (description: string) => Type.String({ pattern: CIDR_PATTERN, minLength: 9, maxLength: 18, description });
export const Crn = Type.String({ pattern: CRN_PATTERN, minLength: 17, maxLength: 512, description: 'Cloud resource name.' });
export const Timestamp = Type.String({ format: 'date-time', minLength: 20, maxLength: 35, description: 'RFC 3339 date-time, UTC, with milliseconds.' });
export const Pem = (description: string, maxLength = 200_000) => Type.String({ pattern: PEM_PATTERN, minLength: 30, maxLength, description });

export const VersionQuery = {
  version: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', minLength: 10, maxLength: 10, description: 'API version date, YYYY-MM-DD. Required.' }),
  generation: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, description: 'Infrastructure generation; always 2.' })),
};

export const PageQuery = {
  ...VersionQuery,
  start: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 512, description: 'Page token from a `next.href`.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100.' })),
};

/** `sort` query parameter over `keys`, each ascending or (with `-`) descending. */
export const SortQuery = (keys: readonly string[], fallback: string) =>
  Type.Optional(Type.String({
    pattern: `^-?(${keys.join('|')})$`,
    minLength: 1,
    maxLength: 32,
    description: `Sort by ${keys.join(' or ')}; a leading \`-\` sorts descending. Default \`${fallback}\`.`,
  }));

export const PageLink = named('PageLink', Type.Object({ href: Href }, { description: 'A link to a page of the collection.' }));
export type PageLinkWire = Static<typeof PageLink>;

/** Longest offending value echoed back in an error; longer ones are cut (and end in `…`). */
export const TARGET_VALUE_MAX = 256;

export const ErrorTargetSchema = named('ErrorTarget', Type.Object(
  {
    name: Line('The offending field, parameter or header.', 256),
    type: StringEnum(['field', 'parameter', 'header'], 'Where the target is.'),
    value: Type.Optional(Type.String({ pattern: '^[^\\x00]*$', minLength: 0, maxLength: TARGET_VALUE_MAX + 1, description: 'The offending value, as text (cut after 256 characters).' })),
  },
  { description: 'What the error is about.' },
));

export const ErrorItem = named('Error', Type.Object(
  {
    code: StringEnum(Object.keys(errorCatalogue) as (keyof typeof errorCatalogue)[], 'Stable error code from the catalogue.'),
    message: Line('What went wrong, for a person.', 2048),
    more_info: Type.Optional(Type.String({ ...Href, description: 'Link to the documentation of the code.' })),
    target: Type.Optional(ErrorTargetSchema),
  },
  { description: 'One error.' },
));

export const ErrorSchema = named('ErrorContainer', Type.Object(
  {
    errors: Type.Array(ErrorItem, { minItems: 1, maxItems: 16, description: 'The errors.' }),
    trace: Type.String({ pattern: '^[0-9a-f-]+$', minLength: 1, maxLength: 64, description: 'Request id, also in the server log.' }),
    status_code: Type.Integer({ minimum: 400, maximum: 599, description: 'HTTP status code.' }),
  },
  { description: 'Error response.' },
));
export type ErrorBody = Static<typeof ErrorSchema>;

/** Collections carry `first`, `limit`, `next` (absent on the last page) and `total_count`. */
export const collection = (name: string, key: string, item: TSchema, description: string, example?: unknown) =>
  named(name, Type.Object(
    {
      first: PageLink,
      limit: Type.Integer({ minimum: 1, maximum: 100, description: 'Page size used.' }),
      next: Type.Optional(PageLink),
      total_count: Type.Integer({ minimum: 0, description: 'Total number of items in the collection.' }),
      [key]: Type.Array(item, { minItems: 0, maxItems: 100, description }),
    },
    { description, ...(example !== undefined && { example }) },
  ));

/** An example collection page around one item, for the OpenAPI document. */
export const collectionExample = (path: string, key: string, item: unknown) => ({
  first: { href: `https://vpn.example.com${path}?limit=50` },
  limit: 50,
  total_count: 1,
  [key]: [item],
});

/** The error responses every /v1 route may give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  500: ErrorSchema,
};

/** A 202 without a body. */
export const Accepted = (description: string) => Type.Null({ description });
