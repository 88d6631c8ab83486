import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LiftwatchError } from '../lib/errors.js';
import { callerKey, type Auth } from './auth.js';
import { DOCS_PREFIX } from './openapi.js';

const WINDOW_MS = 60_000;
/** Probes and documentation stay reachable however busy a key is. */
const UNLIMITED_ROUTES = new Set(['/api/health', '/metrics']);

function unlimited(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return UNLIMITED_ROUTES.has(route) || route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`);
}

/**
 * At most `perMinute` requests a minute per principal (all its keys together, so a rotation does
 * not refill it), over all routes; a request without a valid key counts against its address, so
 * made-up keys share one budget instead of getting one each. A root onRequest hook rather than the
 * plugin's per-route hooks, so it runs before any route's authentication (unknown keys are counted
 * too) and covers unknown routes. Over the limit: 429, LW_ERR_RATE_LIMITED, Retry-After.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number, auth: Auth): Promise<void> {
  const limiterKey = (request: FastifyRequest): string => {
    const caller = auth.caller(request);
    return caller ? `principal:${callerKey(caller)}` : `ip:${request.ip}`;
  };
  await app.register(fastifyRateLimit, {
    global: false,
    max: perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: limiterKey,
    allowList: unlimited,
    errorResponseBuilder: (_request, { max, after }) =>
      new LiftwatchError('LW_ERR_RATE_LIMITED', `This key may make ${max} requests a minute; retry in ${after}`),
  });
  app.addHook('onRequest', app.rateLimit());
}
