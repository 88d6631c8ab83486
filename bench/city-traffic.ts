/**
 * city-traffic (issue 9): a city's elevators publishing in real time into a whole liftwatch
 * (`liftwatch start` in its own process, with its own influxd), for `--minutes` of wall time.
 *
 * Why building gateways: one process here holds at most about 19k sockets, and Aedes spends
 * 7-10 KB on each, so 300,000 elevators cannot be 300,000 connections to one broker. A real
 * deployment either runs several brokers sharing state through Redis, or puts a gateway in each
 * building that publishes for its elevators. We carry it the gateway way: each gateway is one
 * connection (`--gateway-size` elevators, 20 by default: 15,000 connections for 300k) that
 * publishes every message on its elevator's own topic, and the broker authorises each publish
 * against the registry (the elevator must name that gateway), so the per-elevator contract and
 * ACL stay as they are. Brokers sharing state through Redis would pay a Redis round trip per
 * QoS 1 message and still one connection per elevator.
 *
 * The traffic is the simulator's model (fixed seed, fixed simulated morning): a telemetry message
 * per elevator per minute, door cycles, faults, maintenance at the model's rates, from child
 * processes (`--generators`, at the lowest CPU priority: devices are not on the server); plus
 * one entrapment probe every 2 s on an elevator of its own, for the critical ticket latency.
 * Measured: ingest lag (payload `ts`, stamped by the gateway as it sends, to InfluxDB's
 * acknowledgement: liftwatch's lw_ingest_lag_seconds histogram), critical fault -> ticket (the
 * ticket's createdAt minus its openedAt, from the API), RSS of liftwatch and influxd from /proc,
 * dead letters, and dropped: messages acknowledged to the generators minus points counted in
 * InfluxDB at the end.
 *
 * Flags: --elevators (300000), --minutes (10), --gateway-size (20, more when the connections
 * would not fit one process), --generators (one per 150k elevators), --cpu-prof DIR (liftwatch's
 * CPU profile, written there when it stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../cli/node-flags.js';
import { freePort } from '../lib/net.js';
import { MAX_NICENESS, niceCommand, setSessionNiceness } from '../lib/priority.js';
import { generateSecret } from '../store/credentials.js';
import { openSqliteStore } from '../store/sqlite.js';
import { numberFlag, type BenchFlags } from './args.js';
import { cityPlan, provisionCity, type CityPlan } from './city-fleet.js';
import { measureCity, type Liftwatch } from './city-measure.js';
import { childPid, type GeneratorMessage, type GeneratorStats, type GeneratorTask } from './city-report.js';
import type { BenchResult } from './registry.js';

const DEFAULTS = { elevators: 300_000, minutes: 10, gatewaySize: 20 } as const;
/** Connections one process may hold: the 20,000-file limit here, less room for files and InfluxDB. */
const MAX_CONNECTIONS_PER_PROCESS = 15_000;
/** A generator's models take about 2.3 KB each and 0.5 s of CPU per simulated minute per 150k. */
const ELEVATORS_PER_GENERATOR = 150_000;
/** Gateway connections a second across all generators: each costs the broker a scrypt check (about 2 ms). */
const TOTAL_CONNECT_RATE = 400;
const HEALTH_TIMEOUT_MS = 120_000;
const POLL_MS = 500;
const STOP_TIMEOUT_MS = 60_000;
/** The first minute is prepared before this start; the lead lets every generator get the signal. */
const START_LEAD_MS = 2000;
/**
 * The generators stand for devices, which are not on the server: they take the CPU liftwatch
 * and influxd leave. In liftwatch's scheduling group at its priority they took a third of its
 * core, and its critical tickets waited for the CPU (p99 0.6-1.6 s; 40% of its runnable time
 * in the run queue).
 */
const GENERATOR_NICENESS = MAX_NICENESS;
/** The command name of the InfluxDB liftwatch starts, whose memory is measured too. */
const INFLUXD = 'influxd';

/**
 * A node process logging to `log`. At a `niceness` above 0 it leads its own session, niced as a
 * whole (see setSessionNiceness), and its threads run at it too.
 */
function spawnLogged(
  args: string[],
  env: NodeJS.ProcessEnv,
  log: string,
  { ipc, niceness }: { ipc: boolean; niceness: number },
): ChildProcess {
  const out = fs.openSync(log, 'a');
  const [command, commandArgs] = niceCommand(process.execPath, args, niceness) ?? [process.execPath, args];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out, ...(ipc ? (['ipc'] as const) : [])],
    detached: niceness > 0,
  });
  fs.closeSync(out);
  if (niceness > 0 && child.pid !== undefined) setSessionNiceness(child.pid, niceness);
  return child;
}

/** `profileDir`: liftwatch writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
async function startLiftwatch(dir: string, adminToken: string, profileDir?: string): Promise<Liftwatch> {
  const [mqtt, ws, http, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawnLogged(
    [
      ...NODE_FLAGS,
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : []),
      LIFTWATCH_BIN,
      'start',
    ],
    {
      LW_DATA_DIR: path.join(dir, 'data'),
      LW_HOST: '127.0.0.1',
      LW_MQTT_PORT: String(mqtt),
      LW_MQTT_WS_PORT: String(ws),
      LW_HTTP_PORT: String(http),
      LW_INFLUX_PORT: String(influx),
      LW_ADMIN_TOKEN: adminToken,
      LW_LOG_LEVEL: 'warn',
    },
    path.join(dir, 'liftwatch.log'),
    { ipc: false, niceness: 0 },
  );
  const lw = {
    child,
    httpUrl: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    influxUrl: `http://127.0.0.1:${influx}`,
    influxDir: path.join(dir, 'data', 'influxdb'),
    adminToken,
    log: path.join(dir, 'liftwatch.log'),
    influxdLog: path.join(dir, 'data', 'influxdb', 'influxd.log'),
    influxdPid: null as number | null,
  };
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${lw.httpUrl}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return { ...lw, influxdPid: childPid(child.pid as number, INFLUXD) };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`liftwatch did not become healthy; see its log:\n${fs.readFileSync(lw.log, 'utf8').slice(-4000)}`);
}

interface Generator {
  readonly child: ChildProcess;
  latest: GeneratorStats | null;
  readonly ready: Promise<void>;
  readonly done: Promise<GeneratorStats>;
}

function startGenerator(task: GeneratorTask, dir: string): Generator {
  const script = path.join(import.meta.dirname, 'city-generator.ts');
  const child = spawnLogged(
    ['--import', 'tsx', script, JSON.stringify(task)],
    {},
    path.join(dir, `generator-${task.index}.log`),
    { ipc: true, niceness: GENERATOR_NICENESS },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`generator ${task.index} exited with ${code} before it was done`))),
  );
  const generator: Generator = { child, latest: null, ready: Promise.resolve(), done: exited };
  const waitFor = <T>(type: GeneratorMessage['type'], value: (message: GeneratorMessage) => T) =>
    Promise.race([
      exited,
      new Promise<T>((resolve) =>
        child.on('message', (message: GeneratorMessage) => {
          if (message.type !== 'ready') generator.latest = message;
          if (message.type === type) resolve(value(message));
        }),
      ),
    ]);
  const ready = waitFor('ready', () => undefined);
  const done = waitFor('done', (message) => message as GeneratorStats);
  // Handled here too: a generator stopped in cleanup rejects what nobody awaits any more.
  for (const settled of [exited, ready, done]) settled.catch(() => undefined);
  return Object.assign(generator, { ready, done });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => (clearTimeout(force), resolve()));
    child.kill('SIGTERM');
  });
}

export function planFromFlags(flags: BenchFlags): CityPlan {
  const elevators = numberFlag(flags, 'elevators', DEFAULTS.elevators);
  const minutes = numberFlag(flags, 'minutes', DEFAULTS.minutes);
  const fewest = Math.ceil(elevators / MAX_CONNECTIONS_PER_PROCESS);
  const gatewaySize = numberFlag(flags, 'gateway-size', Math.max(DEFAULTS.gatewaySize, fewest));
  const gateways = Math.ceil(elevators / gatewaySize);
  const generators = numberFlag(
    flags,
    'generators',
    Math.max(Math.ceil(gateways / MAX_CONNECTIONS_PER_PROCESS), Math.ceil(elevators / ELEVATORS_PER_GENERATOR)),
  );
  return cityPlan(elevators, minutes, gatewaySize, generators);
}

export async function cityTrafficBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const plan = planFromFlags(flags);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-city-'));
  const children: ChildProcess[] = [];
  let influxdPid: number | null = null;
  const say = (line: string) => process.stderr.write(`city-traffic: ${line}\n`);
  try {
    const gatewayToken = generateSecret();
    const started = Date.now();
    const store = openSqliteStore(path.join(dir, 'data'));
    try {
      await provisionCity(store, plan, gatewayToken);
    } finally {
      store.close();
    }
    say(
      `registered ${plan.elevators} elevators behind ${plan.gateways} gateways of ${plan.gatewaySize} (+${plan.probes} probes) in ${Math.round((Date.now() - started) / 1000)} s`,
    );
    const liftwatch = await startLiftwatch(dir, generateSecret(), flags['cpu-prof']);
    children.push(liftwatch.child);
    influxdPid = liftwatch.influxdPid;
    const connectRate = Math.max(1, Math.floor(TOTAL_CONNECT_RATE / plan.generators));
    const generators = Array.from({ length: plan.generators }, (_, index) =>
      startGenerator({ index, plan, mqttUrl: liftwatch.mqttUrl, gatewayToken, connectRate }, dir),
    );
    children.push(...generators.map((generator) => generator.child));
    say(`liftwatch up; ${plan.generators} generators connecting ${plan.gateways} gateways at ${TOTAL_CONNECT_RATE}/s`);
    await Promise.all(generators.map((generator) => generator.ready));
    return await measureCity({ plan, liftwatch, generators, startLeadMs: START_LEAD_MS, say });
  } finally {
    for (const child of children.reverse()) await stop(child);
    if (influxdPid !== null) {
      try {
        process.kill(influxdPid, 'SIGKILL');
      } catch {
        // already stopped with liftwatch
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
