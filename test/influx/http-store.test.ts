import { describe, expect, inject, it } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { InfluxWriteError } from '../../influx/types.js';
import { uniqueDatabase } from '../helpers/fixtures.js';
import { freePort } from '../../lib/net.js';
import { telemetryStoreContract } from './telemetry-store.contract.js';

telemetryStoreContract(
  'InfluxDB 1.x HTTP store',
  async () => new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() }),
);

describe('InfluxDB 1.x HTTP store', () => {
  it('reports an unreachable server as a retryable error without a status', async () => {
    const store = new InfluxHttpStore({ url: `http://127.0.0.1:${await freePort()}`, db: 'x', timeoutMs: 2000 });
    const error = await store.write(['m v=1i 1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfluxWriteError);
    expect((error as InfluxWriteError).status).toBe(0);
    expect((error as InfluxWriteError).retryable).toBe(true);
  });
});
