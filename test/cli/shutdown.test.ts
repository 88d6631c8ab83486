import { describe, expect, it } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { runCli } from '../helpers/cli.js';
import { cliPorts, ownInflux } from '../helpers/influx.js';
import { connectDevice, publish } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { issueTestToken } from '../helpers/tokens.js';

/** A second signal must end liftwatch at once, not after the ingest's 10 s wait for InfluxDB. */
const FORCED_EXIT_MS = 3000;

describe('stopping', () => {
  it('a second SIGTERM exits at once; what InfluxDB had not taken is written at the next start', async () => {
    const influx = await ownInflux();
    const env = {
      ...(await cliPorts()),
      INFLUX_URL: influx.url,
    };
    const store = openSqliteStore(env.LW_DATA_DIR);
    const token = await issueTestToken(store, registration('STOP-1'));
    store.close();

    const first = runCli(['start'], env);
    await first.waitFor(/Stop with Ctrl-C/, 60_000);
    await influx.stop();
    const device = await connectDevice(`mqtt://127.0.0.1:${env.LW_MQTT_PORT}`, 'STOP-1', token);
    await publish(device, 'STOP-1', 'faults', { ts: Date.parse('2026-11-25T09:00:00Z'), seq: 1, code: 102, floor: 2 });
    await device.endAsync();

    first.child.kill('SIGTERM');
    await first.waitFor(/stopping/);
    const forcedAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(1);
    expect(Date.now() - forcedAt).toBeLessThan(FORCED_EXIT_MS);

    await influx.start();
    const second = runCli(['start'], env);
    await second.waitFor(/Stop with Ctrl-C/, 60_000);
    const telemetry = new InfluxHttpStore({ url: influx.url, db: 'liftwatch' });
    await expect
      .poll(async () => (await telemetry.query('SELECT seq FROM faults')).flatMap((series) => series.rows))
      .toEqual([{ time: Date.parse('2026-11-25T09:00:00Z'), seq: 1 }]);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
  }, 120_000);
});
