import { pino } from 'pino';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { EmbeddedInflux } from '../../influx/embedded.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { BatchWriter, type BatchWriterOptions } from '../../ingest/batch-writer.js';
import { createMetrics } from '../../lib/metrics.js';
import { tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { freePort } from '../../lib/net.js';

const logger = pino({ level: 'silent' });
const options: BatchWriterOptions = { batchSize: 3, batchIntervalMs: 20, maxPendingPoints: 1000 };

function writer(store: InfluxHttpStore, overrides: Partial<BatchWriterOptions> = {}) {
  const metrics = createMetrics();
  const batchWriter = new BatchWriter(store, { ...options, ...overrides }, metrics, logger);
  onTestFinished(() => batchWriter.close(1000));
  return { batchWriter, metrics };
}

const counter = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await metric.get()).values[0]?.value ?? 0;

async function count(store: InfluxHttpStore) {
  const [series] = await store.query('SELECT count(v) FROM m');
  return series?.rows[0]?.count ?? 0;
}

describe('BatchWriter', () => {
  it('writes in batches and on the interval, in order', async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store);
    for (let i = 1; i <= 7; i++) batchWriter.push(`m v=${i}i ${i}`);
    await batchWriter.flush();
    expect(await count(store)).toBe(7);
    expect(await counter(metrics.batchesWritten)).toBe(3);
    expect(await counter(metrics.pointsWritten)).toBe(7);
    expect(batchWriter.status()).toMatchObject({ pendingPoints: 0, lastError: null, retrying: false });
  });

  it('keeps points while InfluxDB is down and writes them all when it is back', async () => {
    const influx = new EmbeddedInflux({
      dir: tempDir(),
      host: '127.0.0.1',
      port: await freePort(),
      binary: 'influxd',
      logger,
    });
    await influx.start();
    onTestFinished(() => influx.stop());
    const store = new InfluxHttpStore({ url: influx.url, db: 'outage', timeoutMs: 1000 });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store);

    batchWriter.push('m v=1i 1');
    await batchWriter.flush();
    await influx.stop();
    for (let i = 2; i <= 10; i++) batchWriter.push(`m v=${i}i ${i}`);
    await expect.poll(() => batchWriter.status().retrying, { timeout: 10_000 }).toBe(true);
    expect(batchWriter.status().pendingPoints).toBe(9);

    await influx.start();
    await expect.poll(() => batchWriter.status().pendingPoints, { timeout: 20_000 }).toBe(0);
    expect(await count(store)).toBe(10);
    expect(await counter(metrics.writeErrors)).toBeGreaterThan(0);
    expect(await counter(metrics.pointsDropped)).toBe(0);
  });

  it('drops the oldest points beyond the bound while InfluxDB is away, and counts them', async () => {
    const store = new InfluxHttpStore({ url: `http://127.0.0.1:${await freePort()}`, db: 'x', timeoutMs: 500 });
    const { batchWriter, metrics } = writer(store, { batchSize: 2, maxPendingPoints: 5 });
    for (let i = 1; i <= 8; i++) batchWriter.push(`m v=${i}i ${i}`);
    expect(batchWriter.status().pendingPoints).toBe(5);
    expect(await counter(metrics.pointsDropped)).toBe(3);
  });

  it('counts a batch InfluxDB refuses for good and goes on with the next', async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store, { batchSize: 1 });
    batchWriter.push('m v=1i 1');
    batchWriter.push('m v="text" 2');
    batchWriter.push('m v=3i 3');
    await batchWriter.flush();
    expect(await count(store)).toBe(2);
    expect(await counter(metrics.pointsRejected)).toBe(1);
  });
});
