import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LiftwatchConfig } from '../config/env.js';
import { EmbeddedInflux, readCredentials } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { INFLUXD_DIR } from './data-dir.js';

export interface TelemetryConnection {
  readonly store: InfluxHttpStore;
  /** Present when this process started the local influxd. */
  readonly embedded: EmbeddedInflux | null;
  close(): Promise<void>;
}

const REACH_TIMEOUT_MS = 30_000;
const REACH_RETRY_MS = 500;

/**
 * The store once InfluxDB answers /ping and its database exists. `connect` is asked again at each
 * try: the local influxd of another process (`settling`) has its credentials in the data directory
 * once started, and takes them once it has made its admin user.
 */
async function reach(connect: () => InfluxHttpStore, settling: boolean): Promise<InfluxHttpStore> {
  const deadline = Date.now() + REACH_TIMEOUT_MS;
  for (;;) {
    const store = connect();
    try {
      await store.ping();
    } catch (error) {
      if (Date.now() > deadline) {
        throw new LiftwatchError(
          'LW_ERR_INFLUX_UNAVAILABLE',
          `InfluxDB at ${store.url} does not answer /ping: ${(error as Error).message}`,
        );
      }
      await sleep(REACH_RETRY_MS);
      continue;
    }
    try {
      await store.ensureDatabase();
      return store;
    } catch (error) {
      if (!settling || Date.now() > deadline) throw error;
      await sleep(REACH_RETRY_MS);
    }
  }
}

/**
 * InfluxDB for a process that writes: INFLUX_URL when set (with INFLUX_USER and INFLUX_PASSWORD),
 * else the local influxd, started here (or by another process on the data directory) with its data
 * and liftwatch's generated credentials under `$LW_DATA_DIR/influxdb`. Either way the database
 * exists afterwards.
 */
export async function openTelemetry(config: LiftwatchConfig, logger: Logger, { embed }: { embed: boolean }) {
  const { influx } = config;
  let embedded: EmbeddedInflux | null = null;
  let url = influx.url;
  const localDir = path.join(config.dataDir, INFLUXD_DIR);
  if (url === null) {
    embedded = new EmbeddedInflux({
      dir: localDir,
      port: influx.embedded.port,
      binary: influx.embedded.binary,
      niceness: influx.embedded.niceness,
      logger: logger.child({ component: 'influxd' }),
    });
    url = embedded.url;
    if (embed) await embedded.start();
    else embedded = null;
  }
  const credentials = () =>
    influx.url === null ? readCredentials(localDir) : { user: influx.user, password: influx.password };
  const connect = () => new InfluxHttpStore({ url, db: influx.db, ...credentials() });
  let store: InfluxHttpStore;
  try {
    store = await reach(connect, influx.url === null && !embed);
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
