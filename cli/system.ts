import path from 'node:path';
import { build as buildWebhooks } from '../webhooks/index.js';
import { build as buildFigures } from '../figures/index.js';
import { build as buildApi } from '../api/index.js';
import type { HealthCheck } from '../api/health.js';
import { build as buildBroker, type Broker } from '../broker/index.js';
import { readTlsFiles } from '../broker/tls.js';
import { build as buildIngest, type Ingest } from '../ingest/index.js';
import { urlHost } from '../lib/net.js';
import { RulesEngine } from '../rules/engine.js';
import { pilotReportJobs } from '../reports/pilot-drafts.js';
import { digestJobs } from '../rules/digests.js';
import { rebuildFromHistory } from '../rules/history.js';
import { Scanner } from '../rules/scanner.js';
import { Scheduler, scanJobs } from '../rules/scheduler.js';
import type { Context } from './context.js';
import { SPOOL_DIR } from './data-dir.js';
import { healthChecks } from './health-checks.js';
import { openTelemetry, type TelemetryConnection } from './telemetry.js';

/** The broker of this context's configuration, registered for teardown; not yet listening. */
export async function brokerFor(
  { config, store, admin, metrics, logger, teardown, tokenReplacements }: Context,
  ingest?: Ingest,
): Promise<Broker> {
  const broker = await buildBroker({
    accept: ingest && ((topic, payload, qos, receivedAt) => ingest.handle(topic, payload, { qos, receivedAt })),
    elevators: store.elevators,
    gateways: store.gateways,
    adminToken: admin.token,
    metrics,
    logger,
    redisUrl: config.mqtt.redisUrl ?? undefined,
    host: config.host,
    port: config.mqtt.port,
    wsPort: config.mqtt.wsPort,
    tls: config.mqtt.tls && readTlsFiles(config.mqtt.tls),
    limits: config.mqtt.limits,
    tokenReplacements,
  });
  teardown.add('broker', () => broker.close());
  return broker;
}

export interface RulesRuntime {
  readonly engine: RulesEngine;
  readonly scanner: Scanner;
  readonly scheduler: Scheduler;
}

/**
 * The rules: the engine (its memory rebuilt from InfluxDB first) for what ingest hands it, and
 * the scheduled rules on node-cron, their tickets settled by the engine when an elevator speaks.
 * The same scheduler drafts the digests and, in December, the pilot report.
 */
export async function rulesFor(
  { store, logger, metrics, teardown }: Context,
  telemetry: TelemetryConnection,
): Promise<RulesRuntime> {
  const rulesLogger = logger.child({ component: 'rules' });
  const engine = new RulesEngine({ store, logger: rulesLogger, metrics });
  await rebuildFromHistory(engine, telemetry.store, store.elevators, rulesLogger);
  const scanner = new Scanner({
    store,
    telemetry: telemetry.store,
    logger: rulesLogger,
    metrics,
    onOpened: (rule, elevator) => engine.expectSettlement(rule, elevator),
  });
  const scheduler = new Scheduler(rulesLogger);
  scheduler.start([
    ...scanJobs(scanner),
    ...digestJobs({ store, telemetry: telemetry.store }),
    ...pilotReportJobs(store),
  ]);
  teardown.add('scheduler', () => scheduler.stop());
  return { engine, scanner, scheduler };
}

/** Ingest writing to `telemetry`, handing every valid message to the rules engine; registered for teardown (which flushes it). */
export function ingestFor(
  { config, store, metrics, logger, teardown }: Context,
  telemetry: TelemetryConnection,
  engine: RulesEngine,
) {
  const ingest = buildIngest({
    store,
    telemetry: telemetry.store,
    metrics,
    logger,
    batch: config.ingest,
    spool: { dir: path.join(config.dataDir, SPOOL_DIR), maxBytes: config.ingest.spoolMaxBytes },
    maxClockSkewMs: config.ingest.maxClockSkewMs,
    observers: [(message, elevator) => engine.onMessage(message, elevator)],
  });
  teardown.add('ingest', () => ingest.close());
  return ingest;
}

/** The HTTP API with a health probe per component given, registered for teardown; listening. */
export async function listenApi(
  context: Context,
  telemetry: TelemetryConnection,
  scanner: Scanner,
  checks: Record<string, HealthCheck>,
): Promise<string> {
  const { config, store, admin, metrics, logger, teardown } = context;
  const api = await buildApi({
    store,
    adminToken: admin.token,
    metrics,
    logger,
    healthChecks: {
      ...checks,
      // Failed deliveries are the insurer's outage, not liftwatch's: shown, but not "down".
      webhooks: () => ({ status: 'up', detail: { deliveries: store.deliveries.countByStatus() } }),
    },
    telemetry: telemetry.store,
    scanner,
    rateLimitPerMinute: config.http.rateLimitPerMinute,
    keyGraceMs: config.http.keyGraceMs,
    liveFeedsPerKey: config.http.liveFeedsPerKey,
    minVisitMinutes: config.maintenance.minVisitMinutes,
    tokenReplacements: context.tokenReplacements,
    outbound: { allow: config.webhooks.outboundAllow },
  });
  teardown.add('HTTP API', () => api.close());
  const webhooks = buildWebhooks({
    store,
    logger,
    metrics,
    expireAfterMs: config.webhooks.expireAfterMs,
    outbound: { allow: config.webhooks.outboundAllow },
  });
  webhooks.start();
  // A ticket opened in this process (rules next to the broker) is delivered now, not at the next poll.
  const stopWaking = store.tickets.onEvents(() => webhooks.wake());
  teardown.add('webhook delivery', () => {
    stopWaking();
    return webhooks.stop();
  });
  const figures = buildFigures({ store, telemetry: telemetry.store, logger });
  figures.start();
  teardown.add('dashboard figures', () => figures.stop());
  await api.listen({ host: config.host, port: config.http.port });
  return api.listeningOrigin;
}

/** InfluxDB for this context (INFLUX_URL, or the local influxd when `embed`), registered for teardown. */
export async function telemetryFor(context: Context, { embed }: { embed: boolean }) {
  const telemetry = await openTelemetry(context.config, context.logger, { embed });
  context.teardown.add('InfluxDB', () => telemetry.close());
  return telemetry;
}

export interface RunningSystem {
  readonly rules: RulesRuntime;
  readonly broker: Broker;
  readonly ingest: Ingest;
  readonly telemetry: TelemetryConnection;
  readonly mqttUrl: string;
  readonly wsUrl: string;
  /** Null without TLS. */
  readonly tlsUrl: string | null;
  readonly httpUrl: string;
}

/**
 * Everything in one process: InfluxDB (INFLUX_URL or the local influxd), ingest on the
 * broker's publish path, the broker and the HTTP API, listening. Each part is registered
 * with the context's teardown, so stopping undoes it in reverse order.
 */
export async function startSystem(context: Context): Promise<RunningSystem> {
  const telemetry = await telemetryFor(context, { embed: true });
  const rules = await rulesFor(context, telemetry);
  const ingest = ingestFor(context, telemetry, rules.engine);
  const broker = await brokerFor(context, ingest);
  const { port, wsPort, tlsPort } = await broker.listen();
  const checks = healthChecks({ store: context.store, telemetry, broker, ingest });
  const httpUrl = await listenApi(context, telemetry, rules.scanner, checks);
  const host = urlHost(context.config.host);
  return {
    rules,
    broker,
    ingest,
    telemetry,
    mqttUrl: `mqtt://${host}:${port}`,
    wsUrl: `ws://${host}:${wsPort}`,
    tlsUrl: tlsPort === null ? null : `mqtts://${host}:${tlsPort}`,
    httpUrl,
  };
}
