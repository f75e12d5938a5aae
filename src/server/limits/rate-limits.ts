import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP, type RateLimitOptions } from '@fastify/rate-limit';
import { RateLimitedError } from '../../errors/catalogue.ts';
import type { LimitsConfig, Rate } from '../../config/limits.ts';
import type { DomainContext } from '../../domain/context.ts';
import { FailureBudget } from '../../domain/limits/failure-budget.ts';
import { MergedCounters, rateLimitStoreClass } from './rate-limit-store.ts';

/** How often per-token counts are merged into the shared store. */
const MERGE_MS = 1000;
/** Characters of a presented API key that make its prefix (never stored: only a hash of it). */
const KEY_PREFIX_LENGTH = 8;

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);
const BEARER = /^Bearer\s+(\S+)$/i;

/** The caller's address as counted: IPv6 by /64 (one host owns a whole /64), IPv4-mapped as IPv4. */
export const clientAddress = (request: FastifyRequest): string => normalizeIP(request.ip);

const tooMany = (what: string) => (_request: FastifyRequest, context: { max: number; ttl: number }) =>
  new RateLimitedError(`too many ${what} (at most ${context.max}); try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`, context.ttl / 1000);

const routeLimit = (rate: Rate | null, what: string, key: (request: FastifyRequest) => string): RateLimitOptions | false =>
  // allowList is replaced: the global one lets unauthenticated requests through, and a token grant is one.
  rate === null ? false : { max: rate.max, timeWindow: rate.windowMs, keyGenerator: key, allowList: () => false, errorResponseBuilder: tooMany(what) };

/**
 * The request-rate limits of the HTTP API, counted in the store so replicas share them
 * (@fastify/rate-limit over Sluice's store): a budget per access token on every authenticated
 * route, token grants per client address, passcodes per user, and failed key lookups per client
 * address and per key prefix. Over a limit: 429 `rate_limited` with Retry-After.
 */
export class HttpLimits {
  readonly keyFailures: FailureBudget;
  private readonly merged: MergedCounters;

  constructor(
    private readonly ctx: DomainContext,
    readonly config: LimitsConfig,
  ) {
    this.keyFailures = new FailureBudget(ctx, 'keyfail', config.keyFailures);
    this.merged = new MergedCounters(ctx.store.db, ctx.clock);
  }

  async register(app: FastifyInstance): Promise<void> {
    const budget = this.config.tokenRequests;
    await app.register(rateLimit, {
      global: budget !== null,
      max: budget?.max ?? 1,
      timeWindow: budget?.windowMs ?? 1000,
      hook: 'onRequest',
      store: rateLimitStoreClass(this.ctx.store.db, this.ctx.clock, this.merged),
      // Runs after the auth hook; requests without a principal are not counted per token.
      keyGenerator: (request) => `token:${digest(BEARER.exec(request.headers.authorization ?? '')?.[1] ?? '')}`,
      allowList: (request) => request.principal === null,
      errorResponseBuilder: tooMany('requests with this token'),
      skipOnError: true,
    });
    const timer = setInterval(() => void this.merged.flush().catch((error: unknown) => app.log.warn({ err: error }, 'merging rate-limit counts failed')), MERGE_MS);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await this.merged.flush().catch(() => undefined);
    });
  }

  /** Route config: token grants per client address. */
  tokenGrants(): RateLimitOptions | false {
    return routeLimit(this.config.tokenGrants, 'token requests from this address', (request) => `grant:${clientAddress(request)}`);
  }

  /** Route config: passcodes per user (the route is authenticated, so the principal is known). */
  passcodes(): RateLimitOptions | false {
    return routeLimit(this.config.passcodes, 'passcodes for this user', (request) => `passcode:${request.principal?.userId ?? ''}`);
  }

  /** What a failed key lookup counts against: the client address and, for API keys, the key's prefix. */
  keySubjects(request: FastifyRequest, apikey?: string): string[] {
    const subjects = [`a-${clientAddress(request)}`];
    if (apikey !== undefined) subjects.push(`p-${digest(apikey.slice(0, KEY_PREFIX_LENGTH))}`);
    return subjects;
  }
}
