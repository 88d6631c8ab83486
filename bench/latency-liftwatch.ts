/**
 * A whole liftwatch (`liftwatch start`, its own influxd) in a separate process on free loopback
 * ports with its own data directory, as an operator runs it; stopped with SIGTERM, and killed
 * with its influxd if it does not stop.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../cli/node-flags.js';
import { freePort } from '../lib/net.js';

/** What `liftwatch start` prints once broker, ingest, API and influxd are up. */
const READY_LINE = 'liftwatch is running';
/** Starting influxd and creating its database takes a few seconds here; more means it failed. */
const START_TIMEOUT_MS = 90_000;
/** Stopping flushes ingest and stops influxd; longer than this and the group is killed. */
const STOP_TIMEOUT_MS = 30_000;
const ADMIN_TOKEN_BYTES = 24;

export interface LiftwatchProcess {
  readonly pid: number;
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly adminToken: string;
  stop(): Promise<void>;
}

/** The environment without the caller's own LW_* and INFLUX_* settings, which would point elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('LW_') && !key.startsWith('INFLUX_')),
  );
}

/** `cpuProfileDir`: liftwatch runs with --cpu-prof and leaves its profile there when it stops. */
/** A process's children (its influxd), read before it is killed: a killed liftwatch cannot stop them. */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export async function startLiftwatch(dataDir: string, cpuProfileDir?: string): Promise<LiftwatchProcess> {
  const [mqttPort, httpPort, influxPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(ADMIN_TOKEN_BYTES).toString('hex');
  const profile = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profile, LIFTWATCH_BIN, 'start'], {
    env: {
      ...cleanEnv(),
      LW_DATA_DIR: dataDir,
      LW_HOST: '127.0.0.1',
      LW_MQTT_PORT: String(mqttPort),
      LW_MQTT_WS_PORT: '0',
      LW_HTTP_PORT: String(httpPort),
      LW_INFLUX_PORT: String(influxPort),
      LW_ADMIN_TOKEN: adminToken,
      LW_LOG_LEVEL: 'warn',
      // The benchmark's webhook receiver listens on loopback, which liftwatch refuses unless allowed.
      LW_OUTBOUND_ALLOW: '127.0.0.0/8',
    },
    // In our process group: a Ctrl-C reaches it too, and it stops its influxd itself.
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      sleep(STOP_TIMEOUT_MS, null, { ref: false }).then(() => 'timeout' as const),
    ]);
    if (code !== 'timeout') return;
    process.stderr.write('latency: liftwatch did not stop in time; killing it and its influxd\n');
    for (const pid of [...childrenOf(child.pid as number), child.pid as number]) kill(pid);
  };
  // Its output goes to stderr: stdout is the benchmark's table and JSON.
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    process.stderr.write(text.replace(/^/gm, 'liftwatch| '));
    if (text.includes(READY_LINE)) ready();
  });
  const outcome = await Promise.race([
    started.then(() => 'ready' as const),
    exited.then((code) => `exited with ${code}`),
    sleep(START_TIMEOUT_MS, null, { ref: false }).then(() => `not ready within ${START_TIMEOUT_MS / 1000} s`),
  ]);
  if (outcome !== 'ready') {
    await stop();
    throw new Error(`liftwatch ${outcome}`);
  }
  return {
    pid: child.pid as number,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    adminToken,
    stop,
  };
}
