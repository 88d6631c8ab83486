/**
 * The systems a throughput or connection benchmark measures, each in its own process on free
 * loopback ports: liftwatch (`liftwatch start`), Debian's Mosquitto, and a registry of elevators
 * with their own device tokens, as real devices have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { elevatorId, planElevator } from '../simulators/model/plan.js';
import { resolveScenario } from '../simulators/scenario.js';
import { generateSecret, hashSecret } from '../store/credentials.js';
import { openSqliteStore } from '../store/sqlite.js';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../cli/node-flags.js';
import { freePort } from '../lib/net.js';
import { startChild, waitForLine, waitForListener, type Child } from './processes.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
/** Token hashes computed at once: enough to keep libuv's four scrypt threads busy. */
const HASH_CONCURRENCY = 16;
const ELEVATOR_PREFIX = 'BENCH';
const REGISTRY_SEED = 9;
const READY_LINE = 'liftwatch is running';
/** What node's --inspect prints on stderr about sessions: no news for a benchmark's reader. */
const INSPECTOR_CHATTER = /^(Debugger (listening|attached|ending)|For help, see)/;

/** Stops the benchmark with the install command when Debian's Mosquitto is missing. */
export function requireMosquitto(): void {
  if (!fs.existsSync(MOSQUITTO_BIN)) {
    process.stderr.write(
      `${MOSQUITTO_BIN} is missing: the baseline needs Debian's Mosquitto. Install it with: apt-get install -y mosquitto\n`,
    );
    process.exit(2);
  }
}

/** Elevator ids of the benchmark fleet, in order. */
export const benchElevatorIds = (count: number) =>
  Array.from({ length: count }, (_, i) => elevatorId(ELEVATOR_PREFIX, i));

/**
 * Registers `count` elevators straight into the store of `dataDir` (before liftwatch starts),
 * each with its own random token hashed as the API would: returns id -> token.
 */
export async function registerElevators(dataDir: string, count: number): Promise<Record<string, string>> {
  const scenario = resolveScenario({
    name: 'bench',
    seed: REGISTRY_SEED,
    fleet: { elevators: count, idPrefix: ELEVATOR_PREFIX },
  });
  const tokens: Record<string, string> = {};
  const rows: Array<{ registration: ReturnType<typeof planElevator>['registration']; tokenHash: string }> = [];
  for (let start = 0; start < count; start += HASH_CONCURRENCY) {
    const slice = Array.from({ length: Math.min(HASH_CONCURRENCY, count - start) }, (_, i) => start + i);
    rows.push(
      ...(await Promise.all(
        slice.map(async (index) => {
          const { registration } = planElevator(scenario, index);
          const token = generateSecret();
          tokens[registration.id] = token;
          return { registration, tokenHash: await hashSecret(token) };
        }),
      )),
    );
  }
  const store = openSqliteStore(dataDir);
  try {
    const { taken } = store.elevators.registerMany(rows);
    if (taken.length > 0) throw new Error(`${taken.length} benchmark elevators were registered already`);
  } finally {
    store.close();
  }
  return tokens;
}

export interface Liftwatch extends Child {
  readonly mqttUrl: string;
  readonly httpUrl: string;
}

/**
 * `liftwatch start` in its own process, on free loopback ports, with `env` on top (INFLUX_URL,
 * INFLUX_DB, …); `nodeArgs` go to node (--inspect, --cpu-prof). Resolves once it is running.
 */
export async function startLiftwatch(
  dataDir: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<Liftwatch> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const child = startChild(process.execPath, [...NODE_FLAGS, ...nodeArgs, LIFTWATCH_BIN, 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Whatever the shell says, this liftwatch has its own influxd and keeps sessions in memory.
      INFLUX_URL: '',
      INFLUX_DB: '',
      LW_REDIS_URL: '',
      LW_DATA_DIR: dataDir,
      LW_HOST: '127.0.0.1',
      LW_MQTT_PORT: String(port),
      LW_MQTT_WS_PORT: String(await freePort()),
      LW_HTTP_PORT: String(httpPort),
      LW_INFLUX_PORT: String(await freePort()),
      LW_LOG_LEVEL: 'warn',
      ...env,
    },
  });
  child.process.stderr?.on('data', (chunk: Buffer) => {
    const lines = chunk.toString().split('\n');
    process.stderr.write(
      lines
        .filter((line) => line && !INSPECTOR_CHATTER.test(line))
        .map((line) => `${line}\n`)
        .join(''),
    );
  });
  try {
    await waitForLine(child, (line) => (line.includes(READY_LINE) ? true : undefined));
    child.process.stdout?.resume();
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { ...child, mqttUrl: `mqtt://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${httpPort}` };
}

export interface Mosquitto extends Child {
  readonly mqttUrl: string;
}

/**
 * Mosquitto on a free loopback port, anonymous, no persistence. Its default queue of 1000 QoS 1
 * messages per subscriber drops the rest silently when the subscriber lags; unbounded here, so
 * the baseline loses nothing and its speed is a speed.
 */
export async function startMosquitto(dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const config = path.join(dir, `mosquitto-${port}.conf`);
  fs.writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 0',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const child = startChild(MOSQUITTO_BIN, ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForListener(port);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { ...child, mqttUrl: `mqtt://127.0.0.1:${port}` };
}
