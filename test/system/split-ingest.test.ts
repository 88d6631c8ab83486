import type { Client } from 'aedes';
import { inject, describe, expect, it, onTestFinished } from 'vitest';
import { pino } from 'pino';
import { build as buildBroker } from '../../broker/index.js';
import { INGEST_PRINCIPAL } from '../../contract/index.js';
import { build as buildIngest } from '../../ingest/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { createMetrics } from '../../lib/metrics.js';
import { issueTestToken } from '../helpers/tokens.js';
import { connectDevice, publish, refusedWith } from '../helpers/device.js';
import { registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { healthChecks } from '../../cli/health-checks.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';

const logger = pino({ level: 'silent' });
const ADMIN = 'admin-key-for-the-split-test';
/** Small, so a split ingest acknowledging one message per fsync falls behind 40 devices at once. */
const LAG_BOUND_BYTES = 16 * 1024;
const LAG_DEVICES = 40;
const LAG_MESSAGES_EACH = 50;
/** What aedes reads from a device socket at once, all of it let in before the backlog shows. */
const SOCKET_READ_BYTES = 64 * 1024;
const BACKLOG_SAMPLE_MS = 5;
/** The split ingest takes a few hundred to 1,600 messages a second here, depending on the load. */
const DRAIN_TIMEOUT_MS = 60_000;
const TS = 1_764_000_000_000;
/** The split ingest reconnects a second after a drop: three times in a few seconds. */
const UNSTABLE_WITHIN_MS = 15_000;
const TELEMETRY = { mode: 1, floor: 3, direction: 0, doorState: 2, runs: 1, runSeconds: 1, doorCycles: 1 } as const;

const newIngest = (store: Store, telemetry: InfluxHttpStore) =>
  buildIngest({
    store,
    telemetry,
    metrics: createMetrics(),
    logger,
    batch: { batchSize: 100, batchIntervalMs: 50 },
    spool: { dir: tempDir(), maxBytes: 16 * 1024 * 1024 },
  });

/** `liftwatch broker` and `liftwatch ingest` as two parts sharing one data directory. */
async function split(readerBacklogBytes?: number) {
  const dataDir = tempDir();
  const brokerStore = openSqliteStore(dataDir);
  const ingestStore = openSqliteStore(dataDir);
  const brokerMetrics = createMetrics();
  const broker = await buildBroker({
    elevators: brokerStore.elevators,
    adminToken: ADMIN,
    metrics: brokerMetrics,
    logger,
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    limits: readerBacklogBytes ? { readerBacklogBytes } : {},
  });
  const { port } = await broker.listen();
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  const ingest = newIngest(ingestStore, telemetry);
  onTestFinished(async () => {
    await ingest.close();
    await broker.close();
    brokerStore.close();
    ingestStore.close();
  });
  return { url: `mqtt://127.0.0.1:${port}`, broker, brokerMetrics, brokerStore, ingest, telemetry };
}

describe('ingest running apart from the broker', () => {
  it('subscribes with the admin key and stores what elevators publish', async () => {
    const { url, brokerStore, ingest, telemetry } = await split();
    await ingest.subscribe(url, ADMIN);
    const token = await issueTestToken(brokerStore, registration('SPLIT-1'));
    const device = await connectDevice(url, 'SPLIT-1', token);
    await publish(device, 'SPLIT-1', 'faults', { ts: 1_764_000_000_000, seq: 1, code: 7, floor: 2 });
    await expect
      .poll(async () => {
        await ingest.flush();
        return (await telemetry.query('SELECT seq FROM faults')).flatMap((s) => s.rows);
      })
      .toEqual([{ time: 1_764_000_000_000, seq: 1 }]);
    expect(ingest.status()).toMatchObject({ source: 'mqtt', mqttConnected: true });
  });

  it('gets what was published while it was stopped, from its persistent session', async () => {
    const { url, brokerStore, ingest, telemetry } = await split();
    await ingest.subscribe(url, ADMIN);
    await ingest.close();
    const token = await issueTestToken(brokerStore, registration('SPLIT-2'));
    const device = await connectDevice(url, 'SPLIT-2', token);
    await publish(device, 'SPLIT-2', 'faults', { ts: 1_764_000_000_000, seq: 5, code: 1, floor: 0 });

    const restarted = newIngest(brokerStore, telemetry);
    onTestFinished(() => restarted.close());
    await restarted.subscribe(url, ADMIN);
    await expect
      .poll(async () => {
        await restarted.flush();
        return (await telemetry.query('SELECT seq FROM faults')).flatMap((s) => s.rows);
      })
      .toEqual([{ time: 1_764_000_000_000, seq: 5 }]);
  });

  it('slows the devices down while it lags, rather than growing the broker, and stores every message once', async () => {
    const { url, broker, brokerMetrics, brokerStore, ingest, telemetry } = await split(LAG_BOUND_BYTES);
    await ingest.subscribe(url, ADMIN);
    const ids = Array.from({ length: LAG_DEVICES }, (_, i) => `LAG-${i}`);
    const devices = await Promise.all(
      ids.map(async (id) => connectDevice(url, id, await issueTestToken(brokerStore, registration(id)))),
    );
    let largestBacklog = 0;
    const sampler = setInterval(() => {
      largestBacklog = Math.max(largestBacklog, broker.status().readerBacklog.bytes);
    }, BACKLOG_SAMPLE_MS);
    onTestFinished(() => clearInterval(sampler));
    await Promise.all(
      devices.map((device, d) =>
        Promise.all(
          Array.from({ length: LAG_MESSAGES_EACH }, (_, seq) =>
            publish(device, ids[d] as string, 'telemetry', { ...TELEMETRY, ts: TS + seq, seq }),
          ),
        ),
      ),
    );
    await expect
      .poll(
        async () => {
          await ingest.flush();
          return (await telemetry.query('SELECT count(runs) FROM telemetry')).flatMap((s) => s.rows)[0]?.count;
        },
        { timeout: DRAIN_TIMEOUT_MS },
      )
      .toBe(LAG_DEVICES * LAG_MESSAGES_EACH);
    clearInterval(sampler);
    expect((await brokerMetrics.acksHeld.get()).values[0]?.value).toBeGreaterThan(0);
    // Over the bound by at most what the devices had sent in before the backlog showed.
    expect(largestBacklog).toBeLessThanOrEqual(LAG_BOUND_BYTES + LAG_DEVICES * SOCKET_READ_BYTES);
    await expect.poll(() => broker.status().readerBacklog).toMatchObject({ holding: false, bytes: 0 });
  });

  it('survives a message the broker cannot send it: the message is dropped and counted, what follows is stored', async () => {
    const { url, broker, brokerMetrics, brokerStore, ingest, telemetry } = await split();
    await ingest.subscribe(url, ADMIN);
    const token = await issueTestToken(brokerStore, registration('POISON-1'));
    // QoS 3, which no MQTT packet can carry: a will accepted before such wills were refused at
    // CONNECT, still kept in a session's queue or in Redis. aedes.publish is how the broker publishes a will.
    const poison = { cmd: 'publish', topic: 'elevators/POISON-1/online', payload: Buffer.from('0'), qos: 3 } as const;
    await new Promise<void>((resolve, reject) =>
      broker.aedes.publish({ ...poison, retain: false, dup: false } as never, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    const device = await connectDevice(url, 'POISON-1', token);
    for (let seq = 1; seq <= 5; seq++)
      await publish(device, 'POISON-1', 'faults', { ts: TS + seq, seq, code: 2, floor: 1 });
    await expect
      .poll(async () => {
        await ingest.flush();
        return (await telemetry.query('SELECT count(seq) FROM faults')).flatMap((s) => s.rows)[0]?.count;
      })
      .toBe(5);
    expect((await brokerMetrics.mqttUndeliverable.get()).values[0]?.value).toBe(1);
    expect(ingest.status().mqttUnstable).toBe(false);
  });

  it('says it is down when the broker keeps closing its connection', async () => {
    const { url, broker, ingest } = await split();
    await ingest.subscribe(url, ADMIN);
    expect(healthChecks({ store: {} as Store, telemetry: {} as never, ingest }).ingest?.()).toMatchObject({
      status: 'up',
    });
    broker.aedes.on('clientReady', (client) => {
      if (client.id === INGEST_PRINCIPAL) client.close();
    });
    (broker.aedes as unknown as { clients: Record<string, Client> }).clients[INGEST_PRINCIPAL]?.close();
    await expect.poll(() => ingest.status().mqttUnstable, { timeout: UNSTABLE_WITHIN_MS }).toBe(true);
    expect(healthChecks({ store: {} as Store, telemetry: {} as never, ingest }).ingest?.()).toMatchObject({
      status: 'down',
    });
  });

  it('refuses the ingest identity without the admin key', async () => {
    const { url } = await split();
    const code = await refusedWith(url, { clientId: INGEST_PRINCIPAL, username: INGEST_PRINCIPAL, password: 'nope' });
    expect(code).toBe(4);
  });
});
