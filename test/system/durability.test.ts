import type { MqttClient } from 'mqtt';
import type { PayloadInputOf } from '../../contract/index.js';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { runCli } from '../helpers/cli.js';
import { cliPorts, ownInflux } from '../helpers/influx.js';
import { connectDevice, publish } from '../helpers/device.js';
import { registration, uniqueDatabase } from '../helpers/fixtures.js';
import { startTestSystem } from '../helpers/system.js';
import { issueTestToken } from '../helpers/tokens.js';

const T0 = Date.parse('2026-11-20T08:00:00+08:00');
const SECOND = 1000;
const RECONNECT_MS = 200;
/** How long InfluxDB stays away in the outage test, while the elevators go on publishing. */
const OUTAGE_MS = 3000;

/** One telemetry message; each (device, i) has its own time, so each is its own point. */
const telemetry = (i: number): PayloadInputOf<'telemetry'> => ({
  ts: T0 + i * SECOND,
  seq: i,
  mode: 1,
  floor: 1 + (i % 10),
  direction: 0,
  doorState: 0,
  runs: i,
  runSeconds: i * 10,
  doorCycles: i,
});

async function countStored(store: InfluxHttpStore): Promise<number> {
  const [series] = await store.query('SELECT count(seq) FROM telemetry');
  return Number(series?.rows[0]?.count ?? 0);
}

/** Each device publishes `perDevice` QoS 1 messages, `inFlight` at a time; resolves when all are acknowledged. */
function publishAll(devices: ReadonlyArray<{ client: MqttClient; id: string }>, perDevice: number, inFlight: number) {
  let acknowledged = 0;
  const done = Promise.all(
    devices.map(async ({ client, id }) => {
      for (let i = 1; i <= perDevice; i += inFlight) {
        const burst = Array.from({ length: Math.min(inFlight, perDevice - i + 1) }, (_, k) =>
          publish(client, id, 'telemetry', telemetry(i + k)),
        );
        await Promise.all(burst);
        acknowledged += burst.length;
      }
    }),
  );
  return { done, acknowledged: () => acknowledged };
}

describe('nothing lost', () => {
  it('stores exactly 10,000 QoS 1 messages from 100 elevators though InfluxDB stops for part of the run', async () => {
    const influx = await ownInflux();
    const system = await startTestSystem({ INFLUX_URL: influx.url });
    onTestFinished(() => system.stop());
    const devices = await Promise.all(
      Array.from({ length: 100 }, async (_, n) => {
        const id = `DUR-${String(n).padStart(3, '0')}`;
        const token = await issueTestToken(system.context.store, registration(id));
        return { id, client: await connectDevice(system.mqttUrl, id, token) };
      }),
    );

    const run = publishAll(devices, 100, 5);
    await expect.poll(run.acknowledged, { timeout: 30_000 }).toBeGreaterThan(3000);
    await influx.stop();
    const down = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    expect(system.ingest.status().writer.retrying).toBe(true);
    expect(system.ingest.status().writer.pendingPoints).toBeGreaterThan(0);
    await influx.start();
    await run.done;
    const drainFrom = Date.now();
    await system.ingest.flush();
    process.stdout.write(
      `durability: InfluxDB down ${((drainFrom - down) / SECOND).toFixed(1)} s; drained in ${((Date.now() - drainFrom) / SECOND).toFixed(1)} s\n`,
    );
    expect(await countStored(system.telemetry.store)).toBe(10_000);
    expect(system.ingest.status().writer).toMatchObject({ pendingPoints: 0, retrying: false });
  }, 90_000);

  it('stores every message exactly once when liftwatch is killed with SIGKILL in the middle of a stream', async () => {
    const env = {
      ...(await cliPorts()),
      INFLUX_URL: inject('influxUrl'),
      INFLUX_DB: uniqueDatabase(),
      LW_BATCH_INTERVAL_MS: '50',
    };
    const store = openSqliteStore(env.LW_DATA_DIR);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const id = `KILL-${n}`;
        return { id, token: await issueTestToken(store, registration(id)) };
      }),
    );
    store.close();
    let liftwatch = runCli(['start'], env);
    await liftwatch.waitFor(/Stop with Ctrl-C/, 60_000);
    const url = `mqtt://127.0.0.1:${env.LW_MQTT_PORT}`;
    const devices = await Promise.all(
      tokens.map(async ({ id, token }) => ({
        id,
        client: await connectDevice(url, id, token, { reconnectPeriod: RECONNECT_MS }),
      })),
    );

    const run = publishAll(devices, 100, 4);
    await expect.poll(run.acknowledged, { timeout: 30_000 }).toBeGreaterThan(800);
    liftwatch.child.kill('SIGKILL');
    await liftwatch.exited();
    liftwatch = runCli(['start'], env);
    await liftwatch.waitFor(/Stop with Ctrl-C/, 60_000);
    await run.done;

    const influx = new InfluxHttpStore({ url: env.INFLUX_URL, db: env.INFLUX_DB });
    await expect.poll(() => countStored(influx), { timeout: 20_000 }).toBe(2000);
    const [series] = await influx.query('SELECT count(seq) FROM telemetry GROUP BY elevator');
    expect(series?.rows[0]?.count).toBe(100);
  }, 120_000);
});
