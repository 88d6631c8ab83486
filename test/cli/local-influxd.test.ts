import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openTelemetry } from '../../cli/telemetry.js';
import { loadConfig } from '../../config/env.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { freePort } from '../../lib/net.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { cliPorts, listeningAddresses } from '../helpers/influx.js';

/**
 * The influxd `liftwatch start` runs holds every insurer's telemetry: it listens on loopback
 * whatever LW_HOST says, answers no one without the credentials liftwatch generated, and
 * liftwatch's processes use those.
 */

const logger = pino({ level: 'silent' });

describe('the local influxd', () => {
  it('listens on 127.0.0.1 only with LW_HOST=0.0.0.0, and the processes sharing it use its credentials', async () => {
    const port = await freePort();
    const config = loadConfig({ LW_DATA_DIR: tempDir(), LW_HOST: '0.0.0.0', LW_INFLUX_PORT: String(port) });
    const telemetry = await openTelemetry(config, logger, { embed: true });
    onTestFinished(() => telemetry.close());
    expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
    expect(telemetry.store.url).toBe(`http://127.0.0.1:${port}`);
    await telemetry.store.write(['faults,elevator=E-1 seq=1i 1764000000001']);

    // `liftwatch api` beside `liftwatch ingest`: it starts no influxd, and reads with the same credentials.
    const reader = await openTelemetry(config, logger, { embed: false });
    expect((await reader.store.query('SELECT seq FROM faults'))[0]?.rows).toEqual([{ time: 1764000000001, seq: 1 }]);

    const anonymous = new InfluxHttpStore({ url: telemetry.store.url, db: config.influx.db });
    await expect(anonymous.query('SELECT seq FROM faults')).rejects.toThrow(/401/);
    await expect(anonymous.write(['faults,elevator=E-1 seq=2i 1764000000002'])).rejects.toMatchObject({ status: 401 });
  });

  it('`liftwatch start`: a query without the credentials is refused, the password file is 0600', async () => {
    const env = { ...(await cliPorts()), LW_INFLUX_PORT: String(await freePort()) };
    const start = runCli(['start'], env);
    await start.waitFor(/Stop with Ctrl-C/, 60_000);
    const file = path.join(env.LW_DATA_DIR, 'influxdb', 'password');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const url = `http://127.0.0.1:${env.LW_INFLUX_PORT}/query`;
    const asked = (authorization?: string) =>
      fetch(url, {
        method: 'POST',
        headers: authorization ? { authorization } : {},
        body: new URLSearchParams({ db: 'liftwatch', q: 'SHOW MEASUREMENTS' }),
      });
    expect((await asked()).status).toBe(401);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect((await asked(`Basic ${Buffer.from(`liftwatch:${password}`).toString('base64')}`)).status).toBe(200);
    start.child.kill('SIGTERM');
    expect(await start.exited()).toBe(0);
  });
});
