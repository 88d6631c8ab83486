import { pino } from 'pino';
import { inject } from 'vitest';
import { build, type ApiOptions } from '../../api/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { createMetrics } from '../../lib/metrics.js';
import { Scanner } from '../../rules/scanner.js';
import type { Store } from '../../store/types.js';
import { uniqueDatabase } from './fixtures.js';

/** Tests' webhook receivers listen on loopback, which liftwatch refuses unless LW_OUTBOUND_ALLOW covers it. */
export const LOOPBACK_ALLOW = ['127.0.0.0/8', '::1'];

/**
 * The HTTP API over `store`, for app.inject(), with the suite's influxd and a database of its own,
 * created so routes that read InfluxDB answer with nothing rather than "database not found"; webhook
 * URLs on loopback are taken.
 */
export async function buildTestApi(store: Store, adminToken: string, options: Partial<ApiOptions> = {}) {
  const logger = pino({ level: 'silent' });
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  if (!options.telemetry) await telemetry.ensureDatabase();
  return build({
    store,
    adminToken,
    metrics: createMetrics(),
    logger,
    healthChecks: {},
    telemetry,
    scanner: new Scanner({ store, telemetry, logger }),
    outbound: { allow: LOOPBACK_ALLOW },
    ...options,
  });
}
