import { pino } from 'pino';
import { build, type BrokerOptions } from '../../broker/index.js';
import { createMetrics } from '../../lib/metrics.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { tempDir } from './fixtures.js';

const HOST = '127.0.0.1';

/** A liftwatch broker on free loopback ports with a registry of its own; `close` ends both. */
export async function listeningBroker(adminToken: string, options: Partial<BrokerOptions> = {}) {
  const store = openSqliteStore(tempDir());
  const metrics = createMetrics();
  const broker = await build({
    elevators: store.elevators,
    gateways: store.gateways,
    adminToken,
    metrics,
    logger: pino({ level: 'silent' }),
    host: HOST,
    port: 0,
    wsPort: 0,
    ...options,
  });
  const addresses = await broker.listen();
  const close = async () => {
    await broker.close();
    store.close();
  };
  return { broker, store, metrics, addresses, url: `mqtt://${HOST}:${addresses.port}`, close };
}
