import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { EmbeddedInflux, readCredentials } from '../../influx/embedded.js';
import { freePort } from '../../lib/net.js';
import { tempDir } from './fixtures.js';

/** An influxd of the test's own, started, that the test may stop and start again (an outage); stopped after the test. */
export async function ownInflux(): Promise<EmbeddedInflux> {
  const influx = new EmbeddedInflux({
    dir: tempDir(),
    port: await freePort(),
    auth: false,
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

/** IPv4 (/proc/net/tcp) addresses as dotted quads, IPv6 (/proc/net/tcp6) as the kernel's 32 hex digits. */
function procAddress(hex: string): string {
  if (hex.length !== 8) return hex;
  return (hex.match(/../g) ?? [])
    .map((byte) => parseInt(byte, 16))
    .reverse()
    .join('.');
}

/** The local addresses of every socket of this machine listening on `port`, IPv4 and IPv6, from /proc. */
export function listeningAddresses(port: number): string[] {
  const LISTEN = '0A';
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    fs
      .readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([, local, , state]) => state === LISTEN && parseInt(local?.split(':')[1] ?? '', 16) === port)
      .map(([, local]) => procAddress(local?.split(':')[0] ?? '')),
  );
}

/** The authorization `liftwatch start`'s local influxd asks for: the credentials it generated in the data directory. */
export function localInfluxAuth(dataDir: string): { authorization: string } {
  const credentials = readCredentials(path.join(dataDir, 'influxdb'));
  if (!credentials) throw new Error(`no credentials for the local influxd in ${dataDir}`);
  return { authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}` };
}

/** Rows of an InfluxQL query to `liftwatch start`'s local influxd, with the credentials it generated. */
export async function localInfluxRows(env: { LW_DATA_DIR: string; LW_INFLUX_PORT: string }, influxql: string) {
  const url = `http://127.0.0.1:${env.LW_INFLUX_PORT}/query?db=liftwatch&epoch=ms&q=${encodeURIComponent(influxql)}`;
  const body = (await (await fetch(url, { headers: localInfluxAuth(env.LW_DATA_DIR) })).json()) as {
    results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }>;
  };
  const series = body.results[0]?.series ?? [];
  return series.flatMap((s) => s.values.map((values) => Object.fromEntries(s.columns.map((c, i) => [c, values[i]]))));
}
