import { build as buildApi } from '../api/index.js';
import { build as buildBroker, type Broker } from '../broker/index.js';
import { build as buildIngest, type Ingest } from '../ingest/index.js';
import type { Context } from './context.js';
import { healthChecks } from './health-checks.js';
import { openTelemetry, type TelemetryConnection } from './telemetry.js';

export interface RunningSystem {
  readonly broker: Broker;
  readonly ingest: Ingest;
  readonly telemetry: TelemetryConnection;
  readonly mqttUrl: string;
  readonly wsUrl: string;
  readonly httpUrl: string;
}

const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * Everything in one process: InfluxDB (INFLUX_URL or the local influxd), ingest on the
 * broker's publish path, the broker and the HTTP API, listening. Each part is registered
 * with the context's teardown, so stopping undoes it in reverse order.
 */
export async function startSystem(context: Context): Promise<RunningSystem> {
  const { config, logger, metrics, store, admin, teardown } = context;
  const telemetry = await openTelemetry(config, logger, { embed: true });
  teardown.add('InfluxDB', () => telemetry.close());
  const ingest = buildIngest({ store, telemetry: telemetry.store, metrics, logger, batch: config.ingest });
  teardown.add('ingest', () => ingest.close());
  const broker = await buildBroker({
    elevators: store.elevators,
    adminToken: admin.token,
    metrics,
    logger,
    host: config.host,
    port: config.mqtt.port,
    wsPort: config.mqtt.wsPort,
  });
  ingest.attach(broker.aedes);
  teardown.add('broker', () => broker.close());
  const api = await buildApi({
    store,
    adminToken: admin.token,
    metrics,
    logger,
    healthChecks: healthChecks({ store, telemetry, broker, ingest }),
  });
  teardown.add('HTTP API', () => api.close());

  const { port, wsPort } = await broker.listen();
  await api.listen({ host: config.host, port: config.http.port });
  return {
    broker,
    ingest,
    telemetry,
    mqttUrl: `mqtt://${urlHost(config.host)}:${port}`,
    wsUrl: `ws://${urlHost(config.host)}:${wsPort}`,
    httpUrl: api.listeningOrigin,
  };
}
