import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LiftwatchConfig } from '../config/env.js';
import { EmbeddedInflux } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

export interface TelemetryConnection {
  readonly store: InfluxHttpStore;
  /** Present when this process started the local influxd. */
  readonly embedded: EmbeddedInflux | null;
  close(): Promise<void>;
}

const REACH_TIMEOUT_MS = 30_000;
const REACH_RETRY_MS = 500;

async function waitForServer(store: InfluxHttpStore): Promise<void> {
  const deadline = Date.now() + REACH_TIMEOUT_MS;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new LiftwatchError(
          'LW_ERR_INFLUX_UNAVAILABLE',
          `InfluxDB at ${store.url} does not answer /ping: ${(error as Error).message}`,
        );
      }
      await sleep(REACH_RETRY_MS);
    }
  }
}

/**
 * InfluxDB for a process that writes: INFLUX_URL when set, else the local influxd, started
 * here with its data under `$LW_DATA_DIR/influxdb`. Either way the database exists afterwards.
 */
export async function openTelemetry(config: LiftwatchConfig, logger: Logger, { embed }: { embed: boolean }) {
  const { influx } = config;
  let embedded: EmbeddedInflux | null = null;
  let url = influx.url;
  if (url === null) {
    embedded = new EmbeddedInflux({
      dir: path.join(config.dataDir, 'influxdb'),
      host: config.host,
      port: influx.embedded.port,
      binary: influx.embedded.binary,
      niceness: influx.embedded.niceness,
      logger: logger.child({ component: 'influxd' }),
    });
    url = embedded.url;
    if (embed) await embedded.start();
    else embedded = null;
  }
  const store = new InfluxHttpStore({ url, db: influx.db, user: influx.user, password: influx.password });
  try {
    await waitForServer(store);
    await store.ensureDatabase();
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    store,
    embedded,
    close: async () => embedded?.stop(),
  } satisfies TelemetryConnection;
}
