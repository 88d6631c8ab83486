import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Metrics } from '../../lib/metrics.js';
import type { Auth } from '../auth.js';
import { checkHealth, healthReportSchema, statesOnly, type HealthCheck } from '../health.js';
import { BEARER } from '../openapi.js';

export interface HealthRouteOptions {
  readonly checks: Readonly<Record<string, HealthCheck>>;
  readonly metrics: Metrics;
  readonly auth: Auth;
}

/** OpenAPI: these routes need no API key. */
const NO_KEY: readonly Record<string, readonly string[]>[] = [];
/** OpenAPI: no key, or one (the admin key shows more). */
const KEY_OPTIONAL: readonly Record<string, readonly string[]>[] = [{}, { [BEARER]: [] }];

/**
 * `GET /api/health` (no key; 503 when a component is down): each component's state for anyone, its
 * details (addresses refused at CONNECT, InfluxDB's URL, errors) for the admin key only.
 * `GET /metrics` (Prometheus text).
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, { checks, metrics, auth }) => {
  app.get(
    '/api/health',
    { schema: { security: KEY_OPTIONAL, response: { 200: healthReportSchema, 503: healthReportSchema } } },
    async (request, reply) => {
      const report = await checkHealth(checks);
      const admin = auth.caller(request)?.principal.kind === 'admin';
      return reply.status(report.status === 'ok' ? 200 : 503).send(admin ? report : statesOnly(report));
    },
  );

  app.get('/metrics', { schema: { security: NO_KEY } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
