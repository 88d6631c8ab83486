import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Metrics } from '../../lib/metrics.js';
import { checkHealth, healthReportSchema, type HealthCheck } from '../health.js';

export interface HealthRouteOptions {
  readonly checks: Readonly<Record<string, HealthCheck>>;
  readonly metrics: Metrics;
}

/** OpenAPI: these routes need no API key. */
const NO_KEY: readonly Record<string, readonly string[]>[] = [];

/** `GET /api/health` (no key; 503 when a component is down) and `GET /metrics` (Prometheus text). */
export const healthRoutes: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, { checks, metrics }) => {
  app.get(
    '/api/health',
    { schema: { security: NO_KEY, response: { 200: healthReportSchema, 503: healthReportSchema } } },
    async (_request, reply) => {
      const report = await checkHealth(checks);
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );

  app.get('/metrics', { schema: { security: NO_KEY } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
