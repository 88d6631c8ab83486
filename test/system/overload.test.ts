import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { buildTopic, type PayloadInputOf } from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { readAdminToken } from '../../store/admin-token.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { runCli } from '../helpers/cli.js';
import { cliPorts, ownInflux } from '../helpers/influx.js';
import { connectDevice } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { issueTestToken } from '../helpers/tokens.js';

const T0 = Date.parse('2026-11-21T08:00:00+08:00');
const DEVICES = 50;
const QOS1_PER_DEVICE = 200;
const QOS0_PER_DEVICE = 40;
/** A spool of about a thousand points: the offered load is ten times what it holds. */
const SPOOL_BYTES = 256 * 1024;
/** liftwatch's resident memory must stay under this while it holds the surge back. */
const RSS_BOUND_BYTES = 400 * 1024 * 1024;
const RECONNECT_MS = 500;

const telemetry = (seq: number): PayloadInputOf<'telemetry'> => ({
  ts: T0 + seq * 1000,
  seq,
  mode: 1,
  floor: 1,
  direction: 0,
  doorState: 0,
  runs: seq,
  runSeconds: seq,
  doorCycles: seq,
});

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

async function metric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('overload', () => {
  it('holds QoS 1 back while the spool is full, sheds QoS 0 telemetry, keeps serving health, and stores every QoS 1 message once', async () => {
    const influx = await ownInflux();
    const env = {
      ...(await cliPorts()),
      INFLUX_URL: influx.url,
      LW_SPOOL_MAX_BYTES: String(SPOOL_BYTES),
      LW_BATCH_INTERVAL_MS: '50',
      LW_LOG_LEVEL: 'fatal',
    };
    const store = openSqliteStore(env.LW_DATA_DIR);
    const tokens = await Promise.all(
      Array.from({ length: DEVICES }, async (_, n) => {
        const id = `SURGE-${n}`;
        return { id, token: await issueTestToken(store, registration(id)) };
      }),
    );
    store.close();
    const liftwatch = runCli(['start'], env);
    await liftwatch.waitFor(/Stop with Ctrl-C/, 60_000);
    const httpUrl = `http://127.0.0.1:${env.LW_HTTP_PORT}`;
    // The spool's state is a detail of health: the admin key's to read.
    const admin = { authorization: `Bearer ${readAdminToken(env.LW_DATA_DIR, undefined)}` };
    const devices: Array<{ id: string; client: MqttClient }> = await Promise.all(
      tokens.map(async ({ id, token }) => ({
        id,
        client: await connectDevice(`mqtt://127.0.0.1:${env.LW_MQTT_PORT}`, id, token, {
          reconnectPeriod: RECONNECT_MS,
        }),
      })),
    );

    await influx.stop();
    const qos1 = devices.flatMap(({ id, client }) =>
      Array.from({ length: QOS1_PER_DEVICE }, (_, i) =>
        client.publishAsync(buildTopic(id, 'telemetry'), JSON.stringify(telemetry(i + 1)), { qos: 1 }),
      ),
    );
    const qos0 = devices.flatMap(({ id, client }) =>
      Array.from({ length: QOS0_PER_DEVICE }, (_, i) =>
        client.publishAsync(buildTopic(id, 'telemetry'), JSON.stringify(telemetry(QOS1_PER_DEVICE + i + 1)), {
          qos: 0,
        }),
      ),
    );
    let acknowledged = 0;
    for (const publish of qos1) void publish.then(() => acknowledged++);

    // Full: health says so and still answers; QoS 1 waits; memory stays bounded.
    let maxRss = 0;
    await expect
      .poll(
        async () => {
          maxRss = Math.max(maxRss, rssOf(liftwatch.child.pid!));
          const health = await fetch(`${httpUrl}/api/health`, { headers: admin });
          const body = (await health.json()) as { components: { ingest: { detail: { spoolFull: boolean } } } };
          return body.components.ingest.detail.spoolFull;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await Promise.all(qos0);
    const heldBack = DEVICES * QOS1_PER_DEVICE - acknowledged;
    expect(heldBack).toBeGreaterThan(0);
    const shed = await metric(httpUrl, 'lw_messages_shed_total');
    expect(shed).toBeGreaterThan(0);
    maxRss = Math.max(maxRss, rssOf(liftwatch.child.pid!));
    expect(maxRss).toBeLessThan(RSS_BOUND_BYTES);

    // The surge ends: InfluxDB is back, the spool drains, every QoS 1 message is stored once.
    await influx.start();
    await Promise.all(qos1);
    const telemetryStore = new InfluxHttpStore({ url: influx.url, db: 'liftwatch' });
    await expect
      .poll(
        async () => {
          const [series] = await telemetryStore.query(
            `SELECT count(seq) FROM telemetry WHERE seq <= ${QOS1_PER_DEVICE}`,
          );
          return Number(series?.rows[0]?.count ?? 0);
        },
        { timeout: 30_000 },
      )
      .toBe(DEVICES * QOS1_PER_DEVICE);
    // Every QoS 0 message is stored or shed; some wait unread in the devices' sockets (the router holds them) until now.
    await expect
      .poll(async () => {
        const [all] = await telemetryStore.query('SELECT count(seq) FROM telemetry');
        return Number(all?.rows[0]?.count ?? 0) + (await metric(httpUrl, 'lw_messages_shed_total'));
      })
      .toBe(DEVICES * QOS1_PER_DEVICE + DEVICES * QOS0_PER_DEVICE);
    expect(await metric(httpUrl, 'lw_ingest_pending_points')).toBe(0);
  }, 120_000);
});
