import net from 'node:net';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LiftwatchError } from '../lib/errors.js';
import { callerKey, type Auth } from './auth.js';
import { DOCS_PREFIX } from './openapi.js';

const WINDOW_MS = 60_000;
/** Probes and documentation stay reachable however busy a key is. */
const UNLIMITED_ROUTES = new Set(['/api/health', '/metrics']);

const IPV6_GROUPS = 8;
/** An IPv6 address counts by its /64 (four groups): one host may hold a whole /64, 2^64 addresses. */
const IPV6_BUCKET_GROUPS = 4;
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The address a request without a valid key counts against: IPv4 as is, IPv6 by its /64. */
function addressBucket(ip: string): string {
  if (net.isIP(ip) !== 6) return ip;
  const mapped = IPV4_MAPPED.exec(ip)?.[1];
  if (mapped !== undefined) return mapped;
  const [head = '', tail] = ip.split('::');
  const leading = head === '' ? [] : head.split(':');
  const trailing = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(IPV6_GROUPS - leading.length - trailing.length).fill('0');
  const groups = [...leading, ...zeros, ...trailing].slice(0, IPV6_BUCKET_GROUPS);
  return `${groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

function unlimited(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return UNLIMITED_ROUTES.has(route) || route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`);
}

/**
 * At most `perMinute` requests a minute per principal (all its keys together, so a rotation does
 * not refill it), over all routes; a request without a valid key counts against its address (an
 * IPv6 one by its /64), so made-up keys share one budget instead of getting one each. A root onRequest hook rather than the
 * plugin's per-route hooks, so it runs before any route's authentication (unknown keys are counted
 * too) and covers unknown routes. Over the limit: 429, LW_ERR_RATE_LIMITED, Retry-After.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number, auth: Auth): Promise<void> {
  const limiterKey = (request: FastifyRequest): string => {
    const caller = auth.caller(request);
    return caller ? `principal:${callerKey(caller)}` : `ip:${addressBucket(request.ip)}`;
  };
  await app.register(fastifyRateLimit, {
    global: false,
    max: perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: limiterKey,
    allowList: unlimited,
    errorResponseBuilder: (_request, { max, after }) =>
      new LiftwatchError(
        'LW_ERR_RATE_LIMITED',
        `Each key's owner (each address, without a valid key) may make ${max} requests a minute; retry in ${after}`,
      ),
  });
  app.addHook('onRequest', app.rateLimit());
}
