import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { consoleRoutes } from '../console/index.js';
import { DEFAULT_MIN_VISIT_MINUTES } from '../contract/index.js';
import { DEFAULT_KEY_GRACE_MS, DEFAULT_LIVE_FEEDS_PER_KEY, DEFAULT_RATE_LIMIT_PER_MINUTE } from '../config/env.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Scanner } from '../rules/scanner.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { TokenReplacementNotice } from '../lib/token-replacements.js';
import type { Store } from '../store/types.js';
import { outboundPolicy, type OutboundOptions } from '../webhooks/outbound.js';
import { frameworkErrors, installErrorHandling } from './errors.js';
import { installConditionalGet } from './etag.js';
import type { HealthCheck } from './health.js';
import { registerOpenApi } from './openapi.js';
import { registerRateLimit } from './rate-limit.js';
import { installRequestIdHeader, requestId } from './request-id.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { digestRoutes } from './routes/digests.js';
import { elevatorRecentRoutes } from './routes/elevator-recent.js';
import { elevatorSymptomsRoutes } from './routes/elevator-symptoms.js';
import { elevatorRoutes } from './routes/elevators.js';
import { gatewayRoutes } from './routes/gateways.js';
import { healthRoutes } from './routes/health.js';
import { ruleRoutes } from './routes/rules.js';
import { principalRoutes } from './routes/principals.js';
import { referenceRoutes } from './routes/reference.js';
import { ticketEventRoutes } from './routes/ticket-events.js';
import { ticketRoutes } from './routes/tickets.js';
import { pilotDataRoutes } from './routes/pilot-data.js';
import { reportRoutes } from './routes/reports.js';
import { riskRoutes } from './routes/risk.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { createAuth } from './auth.js';

export interface ApiOptions {
  readonly store: Store;
  readonly adminToken: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** One probe per component running in this process. */
  readonly healthChecks: Readonly<Record<string, HealthCheck>>;
  /** InfluxDB, for what the API reads from history (backtests). */
  readonly telemetry: TelemetryStore;
  /** Runs scheduled rules on demand (`POST /api/rules/scan`). */
  readonly scanner: Scanner;
  /**
   * Requests a minute one API key (or one address without a key) may make; 0 turns the limit
   * off. Default DEFAULT_RATE_LIMIT_PER_MINUTE (600), as LW_RATE_LIMIT_PER_MINUTE.
   */
  readonly rateLimitPerMinute?: number;
  /** How long a key replaced by a rotation stays valid; default DEFAULT_KEY_GRACE_MS (24 h), as LW_KEY_GRACE. */
  readonly keyGraceMs?: number;
  /** Default DEFAULT_LIVE_FEED_POLL_MS (250 ms). */
  readonly liveFeedPollMs?: number;
  /**
   * Live feeds one key's owner (all its keys together) may have open at once in this process;
   * default DEFAULT_LIVE_FEEDS_PER_KEY (20), as LW_LIVE_FEEDS_PER_KEY.
   */
  readonly liveFeedsPerKey?: number;
  /** Visits shorter than this are flagged for a spot check; default DEFAULT_MIN_VISIT_MINUTES (20), as LW_MIN_VISIT_MINUTES. */
  readonly minVisitMinutes?: number;
  /** Told of each reissued device or gateway token and each deleted gateway: a broker in this process drops it at once. */
  readonly tokenReplacements?: TokenReplacementNotice;
  /** Which webhook URLs are taken: LW_OUTBOUND_ALLOW; default none of the loopback, private or reserved addresses. */
  readonly outbound?: OutboundOptions;
}

/** The live ticket feed looks for new events this often. */
export const DEFAULT_LIVE_FEED_POLL_MS = 250;

/** JSON bodies larger than this are refused with LW_ERR_PAYLOAD_TOO_LARGE. */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** The HTTP API, ready for inject() or listen(); not yet listening. */
export async function build(options: ApiOptions): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; the cast only bridges two copies of its types.
  const logger = options.logger as FastifyBaseLogger;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installRequestIdHeader(app);
  installErrorHandling(app);
  installConditionalGet(app);
  const auth = createAuth({ principals: options.store.principals, adminToken: options.adminToken });
  const rateLimitPerMinute = options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (rateLimitPerMinute > 0) await registerRateLimit(app, rateLimitPerMinute, auth);
  await registerOpenApi(app);
  await app.register(healthRoutes, { checks: options.healthChecks, metrics: options.metrics, auth });
  app.decorateRequest('principal', null);
  const routeOptions = {
    ...options,
    auth,
    keyGraceMs: options.keyGraceMs ?? DEFAULT_KEY_GRACE_MS,
    liveFeedPollMs: options.liveFeedPollMs ?? DEFAULT_LIVE_FEED_POLL_MS,
    liveFeedsPerKey: options.liveFeedsPerKey ?? DEFAULT_LIVE_FEEDS_PER_KEY,
    minVisitMinutes: options.minVisitMinutes ?? DEFAULT_MIN_VISIT_MINUTES,
    webhookTargets: outboundPolicy(options.outbound),
  };
  await app.register(principalRoutes, routeOptions);
  await app.register(elevatorRoutes, routeOptions);
  await app.register(gatewayRoutes, routeOptions);
  await app.register(deadLetterRoutes, routeOptions);
  await app.register(ticketRoutes, routeOptions);
  await app.register(ticketEventRoutes, routeOptions);
  await app.register(ruleRoutes, routeOptions);
  await app.register(digestRoutes, routeOptions);
  await app.register(elevatorRecentRoutes, routeOptions);
  await app.register(elevatorSymptomsRoutes, routeOptions);
  await app.register(referenceRoutes, routeOptions);
  await app.register(dashboardRoutes, routeOptions);
  await app.register(pilotDataRoutes, routeOptions);
  await app.register(reportRoutes, routeOptions);
  await app.register(riskRoutes, routeOptions);
  await app.register(maintenanceRoutes, routeOptions);
  await app.register(consoleRoutes);
  return app;
}
