/**
 * overload (issue 9, item 2; issue 6, item 6): elevators offer twice what the pipeline
 * sustains, for --seconds (default 120), then half of it for a while. Measured for ingest inside
 * the broker (`liftwatch start`) and for a broker and an ingest apart (`liftwatch broker` +
 * `liftwatch ingest`): the processes stay up, memory stays bounded, publishers are slowed
 * (acknowledgements held back) rather than anything dropped, throughput comes back when the surge
 * ends, and in the end every message is stored exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../cli/node-flags.js';
import { EmbeddedInflux } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { freePort } from '../lib/net.js';
import { numberFlag, BenchUsageError, type BenchFlags } from './args.js';
import { connectPacedLoad, type LoadCounts, type Phase } from './paced-load.js';
import { rssMbOf, startChild, waitForLine, type Child } from './processes.js';
import type { BenchResult } from './registry.js';
import { benchElevatorIds, registerElevators, startLiftwatch } from './systems.js';

const DEFAULTS = {
  /** The issue's surge: two minutes. */
  seconds: 120,
  /** Enough connections that Aedes alone would queue past its limits (shared/research/performance.md). */
  elevators: 1000,
  /** Long enough to see throughput come back and the devices' buffers empty. */
  after: 60,
} as const;
const CAPACITY_SECONDS = 20;
/** Of the capacity phase, the start is warm-up: the rate is taken over the rest. */
const CAPACITY_WARMUP_SECONDS = 5;
const SURGE_FACTOR = 2;
const RECOVERY_FACTOR = 0.5;
const SAMPLE_MS = 1000;
const HEALTH_TIMEOUT_MS = 5000;
/** After the last phase: time for the devices to send what they hold and for ingest to write it. */
const DRAIN_TIMEOUT_MS = 300_000;
const STORED_POLL_MS = 1000;
const MS_PER_SECOND = 1000;
const MODES = ['in-process', 'split'] as const;
type Mode = (typeof MODES)[number];
const DB = 'overload';
const COUNT_QUERY = 'SELECT count("seq") FROM "telemetry"';

interface Sample {
  readonly at: number;
  readonly phase: string;
  readonly load: LoadCounts;
  /** Points influxd has taken so far (its /debug/vars), a cheap running count. */
  readonly pointsWritten: number;
  readonly rssMb: Record<string, number>;
  /** Milliseconds /api/health took, or null when it failed or there is none (split mode). */
  readonly healthMs: number | null;
  readonly healthy: boolean | null;
}

async function pointsWritten(influxUrl: string): Promise<number> {
  const vars = (await (await fetch(`${influxUrl}/debug/vars`)).json()) as {
    write?: { values?: { pointReq?: number } };
  };
  return vars.write?.values?.pointReq ?? 0;
}

async function probeHealth(httpUrl: string | null): Promise<{ ms: number | null; healthy: boolean | null }> {
  if (!httpUrl) return { ms: null, healthy: null };
  const start = performance.now();
  try {
    const response = await fetch(`${httpUrl}/api/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await response.arrayBuffer();
    return { ms: Math.round(performance.now() - start), healthy: response.status < 500 };
  } catch {
    return { ms: null, healthy: false };
  }
}

/** `liftwatch broker` and `liftwatch ingest` in two processes on one data directory. */
async function startSplit(dataDir: string, influxUrl: string) {
  const port = await freePort();
  const env = {
    ...process.env,
    LW_DATA_DIR: dataDir,
    LW_HOST: '127.0.0.1',
    LW_MQTT_PORT: String(port),
    LW_MQTT_WS_PORT: String(await freePort()),
    LW_LOG_LEVEL: 'warn',
    INFLUX_URL: influxUrl,
    INFLUX_DB: DB,
  };
  const start = async (command: string, ready: string) => {
    const child = startChild(process.execPath, [...NODE_FLAGS, LIFTWATCH_BIN, command], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    try {
      await waitForLine(child, (line) => (line.includes(ready) ? true : undefined));
      child.process.stdout?.resume();
    } catch (error) {
      await child.stop();
      throw error;
    }
    return child;
  };
  const broker = await start('broker', 'liftwatch broker on');
  try {
    const ingest = await start('ingest', 'liftwatch ingest:');
    return { mqttUrl: `mqtt://127.0.0.1:${port}`, httpUrl: null, children: { broker, ingest } };
  } catch (error) {
    await broker.stop();
    throw error;
  }
}

async function startMode(mode: Mode, dataDir: string, influxUrl: string) {
  if (mode === 'split') return startSplit(dataDir, influxUrl);
  const liftwatch = await startLiftwatch(dataDir, { INFLUX_URL: influxUrl, INFLUX_DB: DB });
  return { mqttUrl: liftwatch.mqttUrl, httpUrl: liftwatch.httpUrl, children: { liftwatch } as Record<string, Child> };
}

const perSecond = (count: number, ms: number) => (ms > 0 ? Math.round((count * MS_PER_SECOND) / ms) : 0);

/** One row per phase: rates from the first to the last sample of the phase, peaks over it. */
function phaseRows(mode: Mode, samples: readonly Sample[], phases: readonly Phase[]) {
  return phases.map((phase) => {
    const inPhase = samples.filter((sample) => sample.phase === phase.name);
    const first = inPhase[0] as Sample;
    const last = inPhase[inPhase.length - 1] as Sample;
    const ms = last.at - first.at;
    const health = inPhase.map((sample) => sample.healthMs).filter((ms): ms is number => ms !== null);
    const peakRss = (name: string) => Math.max(...inPhase.map((sample) => sample.rssMb[name] ?? 0));
    const names = Object.keys(first.rssMb).filter((name) => name !== 'influxd');
    return {
      mode,
      phase: phase.name,
      seconds: Math.round(ms / MS_PER_SECOND),
      'offered msgs/s': phase.rate ?? 'max',
      'acked msgs/s': perSecond(last.load.acked - first.load.acked, ms),
      'stored msgs/s': perSecond(last.pointsWritten - first.pointsWritten, ms),
      'held in devices, peak': Math.max(...inPhase.map((sample) => sample.load.produced - sample.load.acked)),
      'liftwatch peak RSS, MB': names.map((name) => `${name} ${peakRss(name)}`).join(', '),
      'influxd peak RSS, MB': peakRss('influxd'),
      'health max ms': first.healthy === null ? '-' : health.length > 0 ? Math.max(...health) : 'none answered',
      'health failures': inPhase.filter((sample) => sample.healthy === false).length,
    };
  });
}

async function runMode(mode: Mode, dir: string, elevators: number, surgeSeconds: number, afterSeconds: number) {
  const influx = new EmbeddedInflux({
    dir: path.join(dir, `influxdb-${mode}`),
    port: await freePort(),
    // The benchmark's own InfluxDB, which liftwatch reaches as INFLUX_URL (a user's own server), for this run.
    auth: false,
    binary: 'influxd',
    logger: pino({ level: 'warn' }),
  });
  await influx.start();
  const dataDir = path.join(dir, `liftwatch-${mode}`);
  try {
    process.stderr.write(`overload ${mode}: registering ${elevators} elevators with their own tokens\n`);
    const tokens = await registerElevators(dataDir, elevators);
    const system = await startMode(mode, dataDir, influx.url);
    const pids = {
      ...Object.fromEntries(Object.entries(system.children).map(([name, child]) => [name, child.pid])),
      influxd: influx.pid as number,
    };
    const samples: Sample[] = [];
    let phase = 'connect';
    let exited: string | null = null;
    for (const [name, child] of Object.entries(system.children)) {
      child.process.once('exit', (code, signal) => (exited ??= `${name} exited (${code ?? signal}) during the run`));
    }
    try {
      const load = await connectPacedLoad(system.mqttUrl, tokens, benchElevatorIds(elevators));
      const sampler = (async () => {
        while (phase !== 'done' && !exited) {
          const health = await probeHealth(system.httpUrl);
          samples.push({
            at: Date.now(),
            phase,
            load: load.counts(),
            pointsWritten: await pointsWritten(influx.url),
            rssMb: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMbOf(pid)])),
            healthMs: health.ms,
            healthy: health.healthy,
          });
          await sleep(SAMPLE_MS);
        }
      })();
      try {
        const onPhase = (next: Phase) => {
          phase = next.name;
          process.stderr.write(
            `overload ${mode}: ${next.name}, ${next.rate ?? 'as fast as acknowledged'} msgs/s for ${next.seconds} s\n`,
          );
        };
        const capacityPhase: Phase = { name: 'capacity', seconds: CAPACITY_SECONDS, rate: null };
        await load.run([capacityPhase], onPhase);
        const warm = samples.filter((s) => s.phase === 'capacity').slice(CAPACITY_WARMUP_SECONDS);
        const sustained = perSecond(
          (warm.at(-1)?.pointsWritten ?? 0) - (warm[0]?.pointsWritten ?? 0),
          (warm.at(-1)?.at ?? 0) - (warm[0]?.at ?? 0),
        );
        const phases: Phase[] = [
          { name: 'surge', seconds: surgeSeconds, rate: Math.round(sustained * SURGE_FACTOR) },
          { name: 'after', seconds: afterSeconds, rate: Math.round(sustained * RECOVERY_FACTOR) },
        ];
        await load.run(phases, onPhase);
        phase = 'drain';
        process.stderr.write(`overload ${mode}: the devices send what they hold; waiting for every point\n`);
        await load.drain(DRAIN_TIMEOUT_MS);
        const counts = load.counts();
        const store = new InfluxHttpStore({ url: influx.url, db: DB });
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        let stored = 0;
        for (;;) {
          const [series] = await store.query(COUNT_QUERY);
          stored = Number(series?.rows[0]?.count ?? 0);
          if (stored >= counts.acked || Date.now() > deadline || exited) break;
          await sleep(STORED_POLL_MS);
        }
        phase = 'done';
        await sampler;
        const failure =
          exited ??
          (counts.errors > 0
            ? `${counts.errors} publishes failed`
            : counts.acked !== counts.produced
              ? `${counts.produced - counts.acked} messages never acknowledged`
              : stored !== counts.acked
                ? `stored ${stored} of ${counts.acked} acknowledged messages`
                : null);
        return {
          rows: phaseRows(mode, samples, [capacityPhase, ...phases]),
          summary: {
            mode,
            sustained,
            produced: counts.produced,
            acked: counts.acked,
            stored,
            deviceReconnects: load.reconnects(),
            failure,
          },
        };
      } finally {
        phase = 'done';
        await load.close();
      }
    } finally {
      await Promise.all(Object.values(system.children).map((child) => child.stop()));
    }
  } finally {
    await influx.stop();
  }
}

export async function overloadBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const surgeSeconds = numberFlag(flags, 'seconds', DEFAULTS.seconds);
  const elevators = numberFlag(flags, 'elevators', DEFAULTS.elevators);
  const afterSeconds = numberFlag(flags, 'after', DEFAULTS.after);
  const modeFlag = flags.mode ?? 'both';
  const modes = modeFlag === 'both' ? MODES : MODES.filter((mode) => mode === modeFlag);
  if (modes.length === 0) throw new BenchUsageError(`--mode is in-process, split or both, not ${modeFlag}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-overload-'));
  const rows: Array<Record<string, unknown>> = [];
  const summaries = [];
  try {
    for (const mode of modes) {
      const result = await runMode(mode, dir, elevators, surgeSeconds, afterSeconds);
      rows.push(...result.rows);
      summaries.push(result.summary);
      process.stderr.write(`overload ${mode}: ${JSON.stringify(result.summary)}\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ratios: Record<string, string> = {};
  for (const summary of summaries) {
    ratios[`${summary.mode}: sustained msgs/s stored`] = String(summary.sustained);
    ratios[`${summary.mode}: stored / acknowledged / produced`] =
      `${summary.stored} / ${summary.acked} / ${summary.produced}${summary.failure ? ` (FAILED: ${summary.failure})` : ''}`;
  }
  return { rows, ratios, detail: summaries, failed: summaries.some((summary) => summary.failure !== null) };
}
