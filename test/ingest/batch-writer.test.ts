import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { EmbeddedInflux } from '../../influx/embedded.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { BatchWriter, type BatchWriterOptions } from '../../ingest/batch-writer.js';
import { Spool } from '../../ingest/spool.js';
import { createMetrics } from '../../lib/metrics.js';
import { tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { freePort } from '../../lib/net.js';

const logger = pino({ level: 'silent' });
const options: BatchWriterOptions = { batchSize: 3, batchIntervalMs: 20 };
const SPOOL = { maxBytes: 1024 * 1024, segmentBytes: 64, commitIntervalMs: 2, releasePerTurn: 256 };

function writer(store: InfluxHttpStore, overrides: Partial<BatchWriterOptions> = {}, spool = {}, dir = tempDir()) {
  const metrics = createMetrics();
  const refused: Array<{ line: string; reason: string }> = [];
  const batchWriter = new BatchWriter(
    store,
    new Spool({ dir, ...SPOOL, ...spool }),
    { ...options, ...overrides },
    metrics,
    logger,
    (line, reason) => refused.push({ line, reason }),
  );
  onTestFinished(() => batchWriter.close(1000));
  return { batchWriter, metrics, dir, refused };
}

/** A database of its own on the suite's influxd where `m`'s field `v` is an integer. */
async function storeWithIntegerV() {
  const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await store.ensureDatabase();
  await store.write(['m v=0i 1']);
  return store;
}

const values = async (store: InfluxHttpStore, measurement: string, field: string) =>
  (await store.query(`SELECT ${field} FROM ${measurement}`))[0]?.rows.map((row) => row[field]) ?? [];

/**
 * A proxy on loopback in front of the suite's influxd that answers 413 to a write over `maxBodyBytes`,
 * as nginx does past its client_max_body_size, and passes everything else on.
 */
async function behindProxy(db: string, maxBodyBytes: number): Promise<InfluxHttpStore> {
  const influxUrl = inject('influxUrl');
  const proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (request.url?.startsWith('/write') && body.length > maxBodyBytes)
        return void response.writeHead(413).end('<h1>413 Request Entity Too Large</h1>');
      const headers = { 'content-type': request.headers['content-type'] ?? 'text/plain' };
      const forwarded = body.length > 0 ? { method: request.method, headers, body } : { method: request.method };
      fetch(`${influxUrl}${request.url}`, forwarded).then(
        async (answer) => response.writeHead(answer.status).end(Buffer.from(await answer.arrayBuffer())),
        () => response.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const { port } = proxy.address() as AddressInfo;
  return new InfluxHttpStore({ url: `http://127.0.0.1:${port}`, db });
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
    await Promise.all(Array.from({ length: 7 }, (_, i) => batchWriter.push([`m v=${i + 1}i ${i + 1}`])));
    await batchWriter.flush();
    expect(await count(store)).toBe(7);
    expect(await counter(metrics.batchesWritten)).toBe(3);
    expect(await counter(metrics.pointsWritten)).toBe(7);
    expect(batchWriter.status()).toMatchObject({ pendingPoints: 0, lastError: null, retrying: false });
  });

  it("observes each point's lag from the time at the end of its line", async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store);
    const LAG_MS = 2000;
    const before = Date.now();
    await Promise.all([1, 2, 3, 4].map((v) => batchWriter.push([`m v=${v}i ${before - LAG_MS - v}`])));
    await batchWriter.flush();
    const lag = (await metrics.ingestLag.get()).values;
    const sum = lag.find((value) => value.metricName === 'lw_ingest_lag_seconds_sum')?.value ?? 0;
    const observed = lag.find((value) => value.metricName === 'lw_ingest_lag_seconds_count')?.value;
    expect(observed).toBe(4);
    const elapsedSeconds = (Date.now() - before) / 1000;
    expect(sum).toBeGreaterThanOrEqual((4 * LAG_MS + 10) / 1000);
    expect(sum).toBeLessThanOrEqual((4 * LAG_MS + 10) / 1000 + 4 * elapsedSeconds);
  });

  it('keeps points while InfluxDB is down and writes them all when it is back', async () => {
    const influx = new EmbeddedInflux({
      dir: tempDir(),
      auth: false,
      port: await freePort(),
      binary: 'influxd',
      logger,
    });
    await influx.start();
    onTestFinished(() => influx.stop());
    const store = new InfluxHttpStore({ url: influx.url, db: 'outage', timeoutMs: 1000 });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store);

    await batchWriter.push(['m v=1i 1']);
    await batchWriter.flush();
    await influx.stop();
    for (let i = 2; i <= 10; i++) await batchWriter.push([`m v=${i}i ${i}`]);
    await expect.poll(() => batchWriter.status().retrying, { timeout: 10_000 }).toBe(true);
    expect(batchWriter.status().pendingPoints).toBe(9);

    await influx.start();
    await expect.poll(() => batchWriter.status().pendingPoints, { timeout: 20_000 }).toBe(0);
    expect(await count(store)).toBe(10);
    expect(await counter(metrics.writeErrors)).toBeGreaterThan(0);
  });

  it('keeps what InfluxDB has not taken across its own restart, and writes it, in order, after', async () => {
    const down = new InfluxHttpStore({ url: `http://127.0.0.1:${await freePort()}`, db: 'x', timeoutMs: 300 });
    const first = writer(down);
    for (let i = 1; i <= 20; i++) await first.batchWriter.push([`m v=${i}i ${i}`]);
    await first.batchWriter.close(100);

    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const second = writer(store, {}, {}, first.dir);
    expect(second.batchWriter.status().pendingPoints).toBe(20);
    await second.batchWriter.flush();
    const [series] = await store.query('SELECT v FROM m');
    expect(series?.rows.map((row) => row.v)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(second.batchWriter.status()).toMatchObject({ pendingPoints: 0, spooledBytes: 0 });
  });

  it('after a power cut tore the last spooled line, stores every point acknowledged after the restart', async () => {
    const down = new InfluxHttpStore({ url: `http://127.0.0.1:${await freePort()}`, db: 'x', timeoutMs: 300 });
    const first = writer(down);
    for (let i = 1; i <= 5; i++) await first.batchWriter.push([`m v=${i}i ${i}`]);
    await first.batchWriter.close(100);
    // The cut: the sixth line reached the disk in part, so it was never acknowledged.
    const last = fs
      .readdirSync(first.dir)
      .filter((name) => name.endsWith('.lp'))
      .sort()
      .at(-1);
    fs.appendFileSync(path.join(first.dir, last ?? '000000000000.lp'), 'm v=6');

    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const second = writer(store, {}, {}, first.dir);
    for (let i = 7; i <= 9; i++) await second.batchWriter.push([`m v=${i}i ${i}`]);
    await second.batchWriter.flush();
    const [series] = await store.query('SELECT v FROM m');
    expect(series?.rows.map((row) => row.v)).toEqual([1, 2, 3, 4, 5, 7, 8, 9]);
    expect(await counter(second.metrics.pointsRejected)).toBe(0);
  });

  it('holds new points back while the spool is full, and takes them once InfluxDB made room', async () => {
    const influx = new EmbeddedInflux({
      dir: tempDir(),
      auth: false,
      port: await freePort(),
      binary: 'influxd',
      logger,
    });
    const store = new InfluxHttpStore({ url: influx.url, db: 'full', timeoutMs: 500 });
    await influx.start();
    onTestFinished(() => influx.stop());
    await store.ensureDatabase();
    await influx.stop();
    const { batchWriter } = writer(store, { batchSize: 2 }, { maxBytes: 20 });
    await batchWriter.push(['m v=1i 1', 'm v=2i 2', 'm v=3i 3']);
    expect(batchWriter.status().spoolFull).toBe(true);
    let taken = false;
    const waiting = batchWriter.push(['m v=4i 4']).then(() => (taken = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(taken).toBe(false);

    await influx.start();
    await waiting;
    await batchWriter.flush();
    expect(await count(store)).toBe(4);
  });

  it('stores the lines of a batch InfluxDB takes in part, and counts and hands on exactly those it refused', async () => {
    const store = await storeWithIntegerV();
    const { batchWriter, metrics, refused } = writer(store, { batchSize: 100 });
    await batchWriter.push([
      'm v=1i 10',
      'm v="text" 11',
      'm v=2i 12',
      'm v=3i 13 garbage',
      'n w=1i 14',
      'm v=true 15',
      'm v=4i 16',
    ]);
    await batchWriter.flush();
    expect(await values(store, 'm', 'v')).toEqual([0, 1, 2, 4]);
    expect(await values(store, 'n', 'w')).toEqual([1]);
    expect(refused.map(({ line }) => line)).toEqual(['m v="text" 11', 'm v=3i 13 garbage', 'm v=true 15']);
    expect(refused[0]?.reason).toMatch(/field type conflict: input field "v" on measurement "m" is type string/);
    expect(refused[1]?.reason).toMatch(/unable to parse 'm v=3i 13 garbage'/);
    expect(refused[2]?.reason).toMatch(/field type conflict: input field "v" on measurement "m" is type boolean/);
    expect(await counter(metrics.pointsRejected)).toBe(3);
    expect(await counter(metrics.pointsWritten)).toBe(4);
    expect(await counter(metrics.writeErrors)).toBe(1);
    expect(batchWriter.status().pendingPoints).toBe(0);
  });

  it('takes the lines InfluxDB could not parse from its answer, and writes nothing again', async () => {
    const store = await storeWithIntegerV();
    const { batchWriter, metrics, refused } = writer(store, { batchSize: 100 });
    const write = vi.spyOn(store, 'write');
    await batchWriter.push(['m v=1i 10', "bad 'line': x", 'm v=2i 12', 'm,t=a\\ b v="x y" 13 junk', 'm v=3i 14']);
    await batchWriter.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(await values(store, 'm', 'v')).toEqual([0, 1, 2, 3]);
    expect(refused.map(({ line }) => line)).toEqual(["bad 'line': x", 'm,t=a\\ b v="x y" 13 junk']);
    expect(await counter(metrics.pointsRejected)).toBe(2);
    expect(await counter(metrics.pointsWritten)).toBe(3);
  });

  it('keeps the lines that a line with an unbalanced quote swallowed in InfluxDB', async () => {
    const store = await storeWithIntegerV();
    const { batchWriter, refused } = writer(store, { batchSize: 100 });
    for (const batch of [
      ['m v=1i 10', 'm v="abc 11', 'm v=2i 12', 'm v=3i 13'],
      ['m v="def 14', 'm v=4i 15'],
    ]) {
      await batchWriter.push(batch);
      await batchWriter.flush();
    }
    expect(await values(store, 'm', 'v')).toEqual([0, 1, 2, 3, 4]);
    expect(refused.map(({ line }) => line)).toEqual(['m v="abc 11', 'm v="def 14']);
    expect(refused[0]?.reason).toMatch(/unbalanced quotes/);
  });

  it('refuses a batch whose every line InfluxDB dropped in one request', async () => {
    const store = await storeWithIntegerV();
    const { batchWriter, metrics, refused } = writer(store, { batchSize: 100 });
    const write = vi.spyOn(store, 'write');
    await batchWriter.push(['m v="a" 10', 'm v="b" 11', 'm v=false 12']);
    await batchWriter.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(refused).toHaveLength(3);
    expect(await counter(metrics.pointsRejected)).toBe(3);
  });

  it('stores the first type of a new field that one batch gives two types, and refuses the other', async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const { batchWriter, metrics, refused } = writer(store, { batchSize: 100 });
    // InfluxDB 1.6.7 refuses all of it: {"error":"field type conflict"}, no partial write, no count.
    await batchWriter.push(['k a=1i 1', 'k a="s" 2', 'k a=3i 3', 'k a=4i 4']);
    await batchWriter.flush();
    expect(await values(store, 'k', 'a')).toEqual([1, 3, 4]);
    expect(refused.map(({ line }) => line)).toEqual(['k a="s" 2']);
    expect(await counter(metrics.pointsRejected)).toBe(1);
    expect(await counter(metrics.pointsWritten)).toBe(3);
  });

  it('writes a batch a proxy refuses as too large (413) again in parts, refusing only a line too large alone', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => `m v=${i + 1}i ${i + 10}`);
    const tooLargeAlone = `m v=7i,note="${'x'.repeat(100)}" 16`;
    const maxBodyBytes = 3 * Buffer.byteLength(`${lines[0]}\n`);
    const store = await behindProxy(uniqueDatabase(), maxBodyBytes);
    await store.ensureDatabase();
    await store.write(['m v=0i 1']);
    const { batchWriter, metrics, refused } = writer(store, { batchSize: 100 });
    await batchWriter.push([...lines.slice(0, 3), tooLargeAlone, ...lines.slice(3)]);
    await batchWriter.flush();
    expect(await values(store, 'm', 'v')).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(refused.map(({ line }) => line)).toEqual([tooLargeAlone]);
    expect(refused[0]?.reason).toMatch(/413/);
    expect(await counter(metrics.pointsRejected)).toBe(1);
    expect(await counter(metrics.pointsWritten)).toBe(6);
  });

  it('keeps points InfluxDB refuses for want of its database, and writes them once it is there', async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    const { batchWriter, metrics, refused } = writer(store);
    for (let i = 1; i <= 4; i++) await batchWriter.push([`m v=${i}i ${i}`]);
    await expect.poll(() => batchWriter.status().retrying, { timeout: 10_000 }).toBe(true);
    expect(batchWriter.status().lastError).toMatch(/404/);

    await store.ensureDatabase();
    await expect.poll(() => batchWriter.status().pendingPoints, { timeout: 20_000 }).toBe(0);
    expect(await count(store)).toBe(4);
    expect(refused).toEqual([]);
    expect(await counter(metrics.pointsRejected)).toBe(0);
  });

  it('counts a batch InfluxDB refuses for good and goes on with the next', async () => {
    const store = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await store.ensureDatabase();
    const { batchWriter, metrics } = writer(store, { batchSize: 1 });
    await batchWriter.push(['m v=1i 1']);
    await batchWriter.push(['m v="text" 2']);
    await batchWriter.push(['m v=3i 3']);
    await batchWriter.flush();
    expect(await count(store)).toBe(2);
    expect(await counter(metrics.pointsRejected)).toBe(1);
  });
});
