import { pino } from 'pino';
import { inject } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { build, type IngestOptions } from '../../ingest/index.js';
import { createMetrics } from '../../lib/metrics.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { registration, tempDir, uniqueDatabase } from './fixtures.js';

const SPOOL_BYTES = 64 * 1024 * 1024;
const BATCH = { batchSize: 500, batchIntervalMs: 20 } as const;

/** Ingest alone, with one registered elevator, a spool of its own and a database of its own on the suite's influxd. */
export async function ingestFor(elevatorId: string, options: Partial<IngestOptions> = {}) {
  const store = openSqliteStore(tempDir());
  store.elevators.register(registration(elevatorId), 'hash');
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  const metrics = createMetrics();
  const ingest = build({
    store,
    telemetry,
    metrics,
    logger: pino({ level: 'silent' }),
    batch: BATCH,
    spool: { dir: tempDir(), maxBytes: SPOOL_BYTES },
    ...options,
  });
  return { store, telemetry, metrics, ingest };
}
