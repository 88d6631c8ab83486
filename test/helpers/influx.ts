import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { EmbeddedInflux } from '../../influx/embedded.js';
import { freePort } from '../../lib/net.js';
import { tempDir } from './fixtures.js';

/** An influxd of the test's own, started, that the test may stop and start again (an outage); stopped after the test. */
export async function ownInflux(): Promise<EmbeddedInflux> {
  const influx = new EmbeddedInflux({
    dir: tempDir(),
    host: '127.0.0.1',
    port: await freePort(),
    binary: 'influxd',
    logger: pino({ level: 'silent' }),
  });
  await influx.start();
  onTestFinished(() => influx.stop());
  return influx;
}

/** The environment of a `liftwatch start` on free loopback ports with a data directory of its own. */
export async function cliPorts(): Promise<
  Record<'LW_DATA_DIR' | 'LW_MQTT_PORT' | 'LW_MQTT_WS_PORT' | 'LW_HTTP_PORT', string>
> {
  return {
    LW_DATA_DIR: tempDir(),
    LW_MQTT_PORT: String(await freePort()),
    LW_MQTT_WS_PORT: String(await freePort()),
    LW_HTTP_PORT: String(await freePort()),
  };
}
