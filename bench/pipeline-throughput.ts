/**
 * pipeline-throughput (issue 9): N registered elevators publish valid telemetry at QoS 1 as fast
 * as accepted, a fixed count, into liftwatch (`liftwatch start`: broker, validation, enrichment,
 * rules, spool, InfluxDB writes) and into a naive bridge (Mosquitto -> a bare subscriber ->
 * line protocol), alternately, both writing to the same influxd. The speed is messages stored
 * (counted in InfluxDB) per second from the first publish; a run that stores any other count failed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { loadConfig } from '../config/env.js';
import { EmbeddedInflux } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { freePort } from '../lib/net.js';
import { numberFlag, type BenchFlags } from './args.js';
import { sampleProcesses, startChild, waitForLine, type Child, type ProcessUsage } from './processes.js';
import type { BenchResult } from './registry.js';
import { benchElevatorIds, registerElevators, requireMosquitto, startLiftwatch, startMosquitto } from './systems.js';
import { connectLoad } from './telemetry-load.js';

const DEFAULTS = {
  /** About ten seconds of the pipeline here: long enough that a batch interval's wait is small beside it. */
  messages: 200_000,
  /** The end-to-end anchor of shared/research/performance.md ran 2,000 connections. */
  elevators: 2_000,
  rounds: 2,
  /**
   * Publishes awaiting their PUBACK, over all elevators: ten each. liftwatch acknowledges after the
   * spool's group commit, so one each (2,000) measured the commit's latency, not the pipeline's work.
   */
  inflight: 20_000,
} as const;
/**
 * A round of each system with this share of the messages, not counted, before round 1. Without it
 * liftwatch's round 1 ran against a just-started influxd and a load client V8 had not optimised
 * yet: slower than its round 2 in 5 of 6 runs (by up to a quarter), the load's CPU a fifth higher.
 */
const WARM_UP_SHARE = 0.25;
const SYSTEMS = ['liftwatch', 'naive bridge'] as const;
const COUNT_POLL_MS = 200;
/** No new point stored for this long ends a run as failed. */
const STALL_MS = 30_000;
const BRIDGE_SCRIPT = path.join(import.meta.dirname, 'naive-bridge.ts');

type System = (typeof SYSTEMS)[number];

interface Round {
  readonly round: number;
  readonly system: System;
  readonly stored: number;
  readonly seconds: number;
  readonly msgsPerSecond: number | null;
  /** CPU and peak RSS of the system under test: liftwatch, or mosquitto and the bridge together. */
  readonly systemCpuSeconds: number;
  readonly systemCpuMicrosPerMsg: number;
  /** The part of systemCpuSeconds spent in the kernel (socket writes, fsync). */
  readonly systemKernelCpuSeconds: number;
  readonly systemPeakRssMb: number;
  readonly influxdCpuSeconds: number;
  readonly influxdPeakRssMb: number;
  /** This process: the publishing elevators and the count queries. */
  readonly loadCpuSeconds: number;
  /** The machine's 1-minute load average at the end: above its 2 cores, other work took CPU from the run. */
  readonly loadAverage: number;
  readonly failure: string | null;
  readonly processes: Record<string, ProcessUsage>;
}

const COUNT_QUERY = 'SELECT count("seq") FROM "telemetry"';

async function storedCount(store: InfluxHttpStore): Promise<number> {
  const [series] = await store.query(COUNT_QUERY);
  return Number(series?.rows[0]?.count ?? 0);
}

/** Resolves when the count reaches `target` (with the time), or when it stops growing. */
async function untilStored(store: InfluxHttpStore, target: number): Promise<{ count: number; at: number }> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await storedCount(store);
    const at = Date.now();
    if (count >= target) return { count, at };
    if (count !== last) [last, lastChange] = [count, at];
    else if (at - lastChange > STALL_MS) return { count, at };
    await sleep(COUNT_POLL_MS);
  }
}

interface Setup {
  readonly dir: string;
  readonly dataDir: string;
  readonly influx: EmbeddedInflux;
  readonly tokens: Record<string, string>;
  readonly ids: readonly string[];
  readonly messages: number;
  readonly inflight: number;
  readonly batch: { readonly size: number; readonly intervalMs: number };
  /** node's --cpu-prof for liftwatch, written to this directory when it stops (--cpu-prof DIR). */
  readonly cpuProfileDir: string | undefined;
}

/** Starts one system on its own database; returns its MQTT address and the processes that make it up. */
async function startSystem(setup: Setup, system: System, db: string) {
  const influxUrl = setup.influx.url;
  if (system === 'liftwatch') {
    const profile = setup.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(setup.cpuProfileDir)] : [];
    const liftwatch = await startLiftwatch(setup.dataDir, { INFLUX_URL: influxUrl, INFLUX_DB: db }, profile);
    return { mqttUrl: liftwatch.mqttUrl, children: { liftwatch } as Record<string, Child> };
  }
  await new InfluxHttpStore({ url: influxUrl, db }).ensureDatabase();
  const mosquitto = await startMosquitto(setup.dir);
  const args = [mosquitto.mqttUrl, influxUrl, db, String(setup.batch.size), String(setup.batch.intervalMs)];
  const bridge = startChild(process.execPath, ['--import', 'tsx', BRIDGE_SCRIPT, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await waitForLine(bridge, (line) => (line.includes('"ready"') ? true : undefined));
  } catch (error) {
    await Promise.all([bridge.stop(), mosquitto.stop()]);
    throw error;
  }
  return { mqttUrl: mosquitto.mqttUrl, children: { mosquitto, bridge } as Record<string, Child> };
}

async function runRound(setup: Setup, system: System, round: number): Promise<Round> {
  const db = `${system === 'liftwatch' ? 'liftwatch' : 'bridge'}_${round}`;
  const store = new InfluxHttpStore({ url: setup.influx.url, db });
  const { mqttUrl, children } = await startSystem(setup, system, db);
  try {
    const load = await connectLoad(mqttUrl, setup.tokens, setup.ids, setup.inflight);
    try {
      const pids = Object.fromEntries(Object.entries(children).map(([name, child]) => [name, child.pid]));
      const sampler = sampleProcesses({ ...pids, influxd: setup.influx.pid as number });
      const cpuBefore = process.cpuUsage();
      const start = Date.now();
      const errors = await load.publish(setup.messages);
      const reached = await untilStored(store, setup.messages);
      const used = process.cpuUsage(cpuBefore);
      const usage = sampler.stop();
      // A late duplicate or a lost batch shows after the count first reaches N: look once more.
      await sleep(2 * setup.batch.intervalMs);
      const stored = await storedCount(store);
      const failure =
        errors > 0
          ? `${errors} publishes were not acknowledged`
          : stored !== setup.messages
            ? `stored ${stored} of ${setup.messages} messages`
            : null;
      const seconds = (reached.at - start) / 1000;
      const mine = Object.keys(children).map((name) => usage[name] as ProcessUsage);
      const systemCpu = mine.reduce((sum, one) => sum + one.cpuSeconds, 0);
      return {
        round,
        system,
        stored,
        seconds: Math.round(seconds * 10) / 10,
        msgsPerSecond: failure ? null : Math.round(setup.messages / seconds),
        systemCpuSeconds: Math.round(systemCpu * 10) / 10,
        systemCpuMicrosPerMsg: Math.round((systemCpu / setup.messages) * 1e6),
        systemKernelCpuSeconds: Math.round(mine.reduce((sum, one) => sum + one.kernelCpuSeconds, 0) * 10) / 10,
        systemPeakRssMb: Math.round(mine.reduce((sum, one) => sum + one.peakRssMb, 0)),
        influxdCpuSeconds: Math.round((usage.influxd?.cpuSeconds ?? 0) * 10) / 10,
        influxdPeakRssMb: Math.round(usage.influxd?.peakRssMb ?? 0),
        loadCpuSeconds: Math.round(((used.user + used.system) / 1e6) * 10) / 10,
        loadAverage: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
        failure,
        processes: usage,
      };
    } finally {
      await load.close();
    }
  } finally {
    await Promise.all(Object.values(children).map((child) => child.stop()));
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

export async function pipelineThroughputBenchmark(flags: BenchFlags): Promise<BenchResult> {
  requireMosquitto();
  const messages = numberFlag(flags, 'messages', DEFAULTS.messages);
  const elevators = numberFlag(flags, 'elevators', DEFAULTS.elevators);
  const rounds = numberFlag(flags, 'rounds', DEFAULTS.rounds);
  // The bridge batches as liftwatch does by default, so neither waits longer for a partial batch.
  const { batchSize, batchIntervalMs } = loadConfig().ingest;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-pipeline-'));
  const influx = new EmbeddedInflux({
    dir: path.join(dir, 'influxdb'),
    port: await freePort(),
    // The benchmark's own InfluxDB, which liftwatch and the bridge reach as INFLUX_URL, for this run.
    auth: false,
    binary: 'influxd',
    logger: pino({ level: 'warn' }),
  });
  const results: Round[] = [];
  try {
    await influx.start();
    const dataDir = path.join(dir, 'liftwatch');
    process.stderr.write(`pipeline-throughput: registering ${elevators} elevators with their own tokens\n`);
    const tokens = await registerElevators(dataDir, elevators);
    const setup: Setup = {
      dir,
      dataDir,
      influx,
      tokens,
      ids: benchElevatorIds(elevators),
      messages,
      inflight: numberFlag(flags, 'inflight', DEFAULTS.inflight),
      batch: { size: batchSize, intervalMs: batchIntervalMs },
      cpuProfileDir: flags['cpu-prof'],
    };
    const warmUp = { ...setup, messages: Math.ceil(messages * WARM_UP_SHARE) };
    for (const system of SYSTEMS) {
      process.stderr.write(`pipeline-throughput: warm-up, ${system}, ${warmUp.messages} messages (not counted)\n`);
      const { failure } = await runRound(warmUp, system, 0);
      if (failure) throw new Error(`pipeline-throughput: the warm-up through ${system} failed: ${failure}`);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const system of SYSTEMS) {
        process.stderr.write(`pipeline-throughput: round ${round}, ${system}, ${messages} messages\n`);
        const result = await runRound(setup, system, round);
        process.stderr.write(`pipeline-throughput: ${result.msgsPerSecond ?? result.failure} msgs/s stored\n`);
        results.push(result);
      }
    }
  } finally {
    await influx.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const medianOf = (system: System, value: (round: Round) => number) =>
    median(results.filter((r) => r.system === system).map(value));
  const ratioOf = (value: (round: Round) => number) =>
    Math.round((medianOf('liftwatch', value) / medianOf('naive bridge', value)) * 100) / 100;
  const failed = results.some((r) => r.failure !== null);
  return {
    rows: results.map(({ processes: _processes, ...row }) => row),
    ratios: {
      'liftwatch / naive bridge, median msgs/s stored (target >= 1.0)': failed
        ? 'failed'
        : ratioOf((r) => r.msgsPerSecond as number),
      // CPU per message hardly moves with what else runs on the machine; wall-clock speed does.
      'liftwatch / naive bridge, median CPU µs per message of the system under test': ratioOf(
        (r) => r.systemCpuMicrosPerMsg,
      ),
    },
    detail: { messages, elevators, rounds, batchSize, batchIntervalMs, processes: results.map((r) => r.processes) },
    failed,
  };
}
