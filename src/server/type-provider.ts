import type { FastifyTypeProvider } from 'fastify';
import type { Static, TSchema } from 'typebox';

/**
 * Types requests from their TypeBox schemas but leaves replies untyped: presenters build the wire
 * shape and the response schemas serialise (and document) it, so typing replies twice adds only noise.
 */
export interface RequestTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: unknown;
}
