import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { ElevatorRegistration } from '../contract/index.js';
import { obtainTokens } from '../simulators/api-client.js';
import { elevatorId, planElevator } from '../simulators/model/plan.js';
import { DevicePublisher, disconnectAll } from '../simulators/publisher.js';
import { Random } from '../simulators/random.js';
import { resolveScenario } from '../simulators/scenario.js';
import { WEBHOOK_DEFAULTS } from '../webhooks/index.js';
import { numberFlag, type BenchFlags } from './args.js';
import { startLiftwatch, type LiftwatchProcess } from './latency-liftwatch.js';
import { DeliveryWaiter, probe, type ProbeDevice, type ProbeOutcome, type Sample } from './latency-probe.js';
import { startReceiver } from './latency-receiver.js';
import { cpuSecondsOf } from './measure.js';
import type { BenchResult } from './registry.js';

/** Faults per phase: p99 of 200 is the second slowest. */
const DEFAULT_SAMPLES = 200;
/** The city traffic: 300,000 elevators, a telemetry message each a minute plus events. */
const DEFAULT_RATE = 7000;
/** "A few hundred connections": about 23 messages a second each at the default rate, under the broker's 50. */
const DEFAULT_CONNECTIONS = 300;
const SEED = 9;
const INSURER = 'INS-BENCH';
/** Connecting the load's elevators, or draining it, takes a few seconds; a minute means it is stuck. */
const LOAD_TIMEOUT_MS = 60_000;
/** The load runs this long before the first probe, so the probes meet it steady. */
const LOAD_WARMUP_MS = 5000;
/** The target for a critical ticket. */
const TARGET_TICKET_P99_MS = 250;
/** Probes hold MQTT connections of their own; the load's are registered separately. */
const PROBE_PREFIX = 'LATP';
const LOAD_PREFIX = 'LATL';
const PUBLISHES_IN_FLIGHT = 100;

interface LoadReport {
  readonly published: number;
  readonly acked: number;
  readonly errors: number;
  readonly skipped: number;
  readonly seconds: number;
  readonly connections: number;
}

/** Registrations drawn by the simulator's planner (fixed seed), renamed, all insured by the benchmark's insurer. */
function registrations(prefix: string, count: number): ElevatorRegistration[] {
  const scenario = resolveScenario({
    name: 'latency',
    seed: SEED,
    from: '2026-06-01T08:00:00+08:00',
    duration: '1h',
    speed: 'max',
    fleet: { elevators: count },
  });
  return Array.from({ length: count }, (_, i) => ({
    ...planElevator(scenario, i).registration,
    id: elevatorId(prefix, i),
    insurer: INSURER,
  }));
}

async function createInsurer(liftwatch: LiftwatchProcess, webhookUrl: string): Promise<string> {
  const response = await fetch(`${liftwatch.httpUrl}/api/insurers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${liftwatch.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: INSURER, name: 'Benchmark insurer', webhookUrl }),
  });
  if (!response.ok) throw new Error(`creating the insurer answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { webhookSecret: string }).webhookSecret;
}

/** The next line of a child's output, or an error naming `what` when it exits or takes longer than `ms`. */
async function nextLine(lines: AsyncIterator<string>, what: string, ms: number): Promise<string> {
  const line = await Promise.race([lines.next(), sleep(ms, null, { ref: false })]);
  if (line === null) throw new Error(`the load generator took more than ${ms / 1000} s to ${what}`);
  if (line.done) throw new Error(`the load generator exited before it could ${what}`);
  return line.value;
}

/** Starts bench/latency-load.ts and resolves once its connections are up; `stop` returns its counts. */
async function startLoad(mqttUrl: string, credentialsFile: string, rate: number) {
  const script = path.join(import.meta.dirname, 'latency-load.ts');
  const args = ['--import', 'tsx', script, mqttUrl, credentialsFile, String(rate), String(SEED)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  try {
    await nextLine(lines, 'connect', LOAD_TIMEOUT_MS);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    stop: async (): Promise<LoadReport> => {
      child.kill('SIGTERM');
      return JSON.parse(await nextLine(lines, 'report its counts', LOAD_TIMEOUT_MS)) as LoadReport;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** prom-client's event-loop delay figures, in seconds; each scrape starts a new measurement. */
const LAG_METRICS = ['p50', 'p99', 'max'] as const;
const LAG_PREFIX = 'lw_process_nodejs_eventloop_lag_';

/** How long liftwatch's event loop was held up since the previous scrape, in ms: what every message waits behind. */
async function eventLoopLag(liftwatch: LiftwatchProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${liftwatch.httpUrl}/metrics`)).text();
  const lag: Record<string, number> = {};
  for (const name of LAG_METRICS) {
    const match = new RegExp(`^${LAG_PREFIX}${name}_seconds (\\S+)$`, 'm').exec(text);
    lag[`${name}Ms`] = Math.round(Number(match?.[1]) * 1000);
  }
  return lag;
}

/** Nearest rank. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function segmentRows(phase: string, samples: readonly Sample[]) {
  const segments: Array<[string, (sample: Sample) => number, string]> = [
    ['fault -> ticket', (s) => s.ticketAt - s.publishedAt, `p99 < ${TARGET_TICKET_P99_MS}`],
    ['ticket -> webhook', (s) => s.webhookAt - s.ticketAt, '-'],
    ['fault -> webhook', (s) => s.webhookAt - s.publishedAt, '-'],
  ];
  return segments.map(([segment, span, target]) => {
    const sorted = samples.map(span).sort((a, b) => a - b);
    return {
      phase,
      segment,
      samples: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? NaN,
      target,
    };
  });
}

/**
 * Critical fault -> ticket -> signed webhook, through a whole liftwatch in its own process
 * (its own influxd), idle and then under a background telemetry load from another process.
 * `--cpu-prof <dir>` leaves liftwatch's CPU profile in that folder.
 */
export async function latencyBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const samples = numberFlag(flags, 'samples', DEFAULT_SAMPLES);
  const rate = numberFlag(flags, 'rate', DEFAULT_RATE);
  const connections = numberFlag(flags, 'connections', DEFAULT_CONNECTIONS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-latency-'));
  const waiter = new DeliveryWaiter();
  const receiver = await startReceiver(waiter.onDelivery);
  const probes: ProbeDevice[] = [];
  let liftwatch: LiftwatchProcess | undefined;
  let load: Awaited<ReturnType<typeof startLoad>> | undefined;
  try {
    liftwatch = await startLiftwatch(path.join(dir, 'data'), flags['cpu-prof']);
    receiver.setSecret(await createInsurer(liftwatch, receiver.url));
    const api = { apiUrl: liftwatch.httpUrl, adminToken: liftwatch.adminToken };
    const probeTokens = await obtainTokens(
      api,
      registrations(PROBE_PREFIX, 2 * samples),
      path.join(dir, 'probes.json'),
    );
    const loadFile = path.join(dir, 'load.json');
    await obtainTokens(api, registrations(LOAD_PREFIX, connections), loadFile);
    const probePublisher = new DevicePublisher({
      mqttUrl: liftwatch.mqttUrl,
      logger: pino({ level: 'warn' }),
      maxInflight: PUBLISHES_IN_FLIGHT,
    });
    for (const [id, token] of Object.entries(probeTokens))
      probes.push({ id, client: await probePublisher.connect(id, token) });
    const random = new Random(SEED);
    await eventLoopLag(liftwatch);
    const idle = await probe('idle', probes.slice(0, samples), waiter, random);
    const idleLag = await eventLoopLag(liftwatch);
    process.stderr.write(
      `latency: load of ${rate} msgs/s from ${connections} connections, then ${samples} entrapments\n`,
    );
    load = await startLoad(liftwatch.mqttUrl, loadFile, rate);
    await sleep(LOAD_WARMUP_MS);
    const cpuBefore = cpuSecondsOf(liftwatch.pid);
    const startedAt = Date.now();
    await eventLoopLag(liftwatch);
    const loaded = await probe('load', probes.slice(samples), waiter, random);
    const loadedLag = await eventLoopLag(liftwatch);
    const liftwatchCpuPercent = Math.round(
      ((cpuSecondsOf(liftwatch.pid) - cpuBefore) / ((Date.now() - startedAt) / 1000)) * 100,
    );
    const loadReport = await load.stop();
    load = undefined;
    return report({
      idle,
      loaded,
      loadReport,
      rate,
      liftwatchCpuPercent,
      lag: { idle: idleLag, loaded: loadedLag },
      unexpected: waiter.unexpected,
    });
  } finally {
    load?.kill();
    await disconnectAll(probes.map((device) => device.client));
    await liftwatch?.stop();
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(run: {
  idle: ProbeOutcome;
  loaded: ProbeOutcome;
  loadReport: LoadReport;
  rate: number;
  liftwatchCpuPercent: number;
  lag: { idle: Record<string, number>; loaded: Record<string, number> };
  unexpected: number;
}): BenchResult {
  const { idle, loaded, loadReport } = run;
  const badSignatures = [...idle.samples, ...loaded.samples].filter((sample) => !sample.signatureValid).length;
  const lost = [...idle.lost, ...loaded.lost];
  const loadedPhase = `load ${run.rate}/s`;
  const loadedRows = segmentRows(loadedPhase, loaded.samples);
  const lagRow = (phase: string, lag: Record<string, number>) => ({
    phase,
    segment: 'liftwatch event-loop delay',
    ...lag,
  });
  const rows = [
    ...segmentRows('idle', idle.samples),
    lagRow('idle', run.lag.idle),
    ...loadedRows,
    lagRow(loadedPhase, run.lag.loaded),
    {
      phase: loadedPhase,
      segment: 'background telemetry (QoS 1)',
      connections: loadReport.connections,
      ackedPerSecond: Math.round(loadReport.acked / loadReport.seconds),
      skipped: loadReport.skipped,
      errors: loadReport.errors,
      liftwatchCpuPercent: run.liftwatchCpuPercent,
    },
  ];
  return {
    rows,
    ratios: {
      'fault -> ticket p99 under load / target':
        Math.round(((loadedRows[0]?.p99Ms ?? NaN) / TARGET_TICKET_P99_MS) * 100) / 100,
      // It bounds ticket -> webhook: a new delivery waits for the dispatcher's next read of the outbox.
      'webhook dispatcher poll interval, ms': WEBHOOK_DEFAULTS.pollMs,
    },
    detail: {
      load: loadReport,
      lost,
      badSignatures,
      unexpectedDeliveries: run.unexpected,
    },
    // A lost ticket or delivery, a bad signature or a load that lost messages leaves no latency to report.
    failed: lost.length > 0 || badSignatures > 0 || loadReport.errors > 0,
  };
}
