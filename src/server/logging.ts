import type { FastifyInstance } from 'fastify';
import pretty from 'pino-pretty';

/** `auto`: readable lines on a terminal, JSON otherwise (service managers, pipes, files). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** A request's own log line: `{"http":{…},"msg":"request"}`. */
interface HttpLine {
  method: string;
  url: string;
  status: number;
  ms: number;
  ip: string;
  code?: string;
}

interface LogLine {
  reqId?: string;
  http?: HttpLine;
  level?: number;
}

/** Request lines read `POST /v1/vpn_servers 201 12.3 ms`; warnings and errors name their request. */
function messageOf(log: LogLine, messageKey: string): string {
  const http = log.http;
  if (http !== undefined) return `${http.method} ${http.url} ${http.status} ${http.ms} ms${http.code ? ` ${http.code}` : ''}`;
  const text = String((log as Record<string, unknown>)[messageKey] ?? '');
  return log.reqId !== undefined && (log.level ?? 0) >= 40 ? `${text} (request ${log.reqId})` : text;
}

/**
 * Where log lines go: undefined for JSON on stdout (pino's own), or a pino-pretty stream for a
 * person at a terminal. Redaction happens before either, so both formats hide the same secrets.
 */
export function logDestination(format: LogFormat, isTty = process.stdout.isTTY === true): NodeJS.WritableStream | undefined {
  if (format === 'json' || (format === 'auto' && !isTty)) return undefined;
  return pretty({
    colorize: isTty,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,http',
    messageFormat: (log, messageKey) => messageOf(log as LogLine, messageKey),
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Error code of the answer, for the request's log line. */
    answerCode: string | null;
  }
}

/**
 * One line per request at `info`, written when the answer has gone: method, path, status, time
 * and — for an error — its code. (Fastify's own two lines, in and out, are turned off.)
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest('answerCode', null);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && payload.startsWith('{"errors"')) {
      request.answerCode = /"code":"([a-z_]+)"/.exec(payload)?.[1] ?? null;
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const http: HttpLine = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: request.ip };
    if (request.answerCode) http.code = request.answerCode;
    request.log.info({ http }, 'request');
    done();
  });
}
