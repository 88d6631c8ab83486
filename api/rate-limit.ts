import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LiftwatchError } from '../lib/errors.js';
import { bearerToken } from './auth.js';
import { DOCS_PREFIX } from './openapi.js';

const WINDOW_MS = 60_000;
/** Probes and documentation stay reachable however busy a key is. */
const UNLIMITED_ROUTES = new Set(['/api/health', '/metrics']);

/** Keys are hashed so the limiter's memory never holds a usable key; no key counts by address. */
function limiterKey(request: FastifyRequest): string {
  const token = bearerToken(request);
  return token === undefined ? `ip:${request.ip}` : `key:${createHash('sha256').update(token).digest('hex')}`;
}

function unlimited(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return UNLIMITED_ROUTES.has(route) || route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`);
}

/**
 * At most `perMinute` requests a minute per API key, over all routes. A root onRequest hook rather
 * than the plugin's per-route hooks, so it runs before any route's authentication (unknown keys
 * are counted too) and covers unknown routes. Over the limit: 429, LW_ERR_RATE_LIMITED, Retry-After.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
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
