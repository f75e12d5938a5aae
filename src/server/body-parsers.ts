import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../errors/catalogue.ts';

/**
 * How request bodies are read. Many HTTP clients — IBM's SDK core among them — send
 * `Content-Type: application/json` on every POST, PATCH and PUT, also when there is no body. An
 * empty body is therefore "no body" whatever its content type; a body that is present must be
 * well-formed in a type the route accepts. Routes decide in their schemas whether a body is needed.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // Fastify's own JSON parser guards against prototype poisoning; keep it for non-empty bodies.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  // Any other type: nothing to parse when empty, otherwise a type this API does not speak.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    const type = String(request.headers['content-type'] ?? '');
    done(new SluiceError('unsupported_media_type', `Content-Type ${type} is not accepted; send application/json`, { name: 'Content-Type', type: 'header', value: type }), undefined);
  });
}
