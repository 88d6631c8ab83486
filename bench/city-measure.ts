import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { readCredentials } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { housekeepingIn, type Housekeeping } from './influxd-log.js';
import { cpuSecondsOf, machineCpuTicks } from './measure.js';
import type { CityPlan } from './city-fleet.js';
import {
  histogramBuckets,
  histogramQuantile,
  latenessQuantile,
  metricValue,
  quantile,
  rssMib,
  type GeneratorStats,
} from './city-report.js';
import type { BenchResult } from './registry.js';

/** The issue's targets for a city's traffic. */
export const TARGETS = { ingestLagP99Seconds: 5, criticalTicketP99Ms: 250, dropped: 0, liftwatchRssMib: 4096 } as const;

const RSS_SAMPLE_MS = 5000;
const PROGRESS_MS = 30_000;
const POLL_MS = 1000;
/** After the generators finish, how long InfluxDB may take to acknowledge the last points. */
const SETTLE_TIMEOUT_MS = 300_000;
const TICKET_PAGE = 1000;
/** The slowest tickets are listed in the detail, with when they came, to find what held them. */
const SLOWEST_SHOWN = 5;
const MS_PER_SECOND = 1000;
const PERCENT = 100;
/** Points in InfluxDB: every message kind has `seq`, so count(seq) counts one per message. */
const STORED_POINTS = 'SELECT count(seq) FROM telemetry, faults, doors, maintenance, online';

export interface Liftwatch {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly influxUrl: string;
  /** Its local influxd's directory, where the credentials liftwatch generated are. */
  readonly influxDir: string;
  readonly adminToken: string;
  readonly log: string;
  /** The log of liftwatch's own influxd: its snapshots and compactions explain a run's lag. */
  readonly influxdLog: string;
  readonly influxdPid: number | null;
}

export interface RunningGenerator {
  readonly child: ChildProcess;
  readonly latest: GeneratorStats | null;
  readonly done: Promise<GeneratorStats>;
}

const round = (value: number | null, digits = 0) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

async function metricsText(liftwatch: Liftwatch): Promise<string> {
  return (await fetch(`${liftwatch.httpUrl}/metrics`)).text();
}

async function storedPoints(liftwatch: Liftwatch): Promise<number> {
  const credentials = readCredentials(liftwatch.influxDir);
  const store = new InfluxHttpStore({ url: liftwatch.influxUrl, db: 'liftwatch', ...credentials });
  return (await store.query(STORED_POINTS)).reduce((sum, series) => sum + Number(series.rows[0]?.count ?? 0), 0);
}

/** Each critical ticket opened in the run: its elevator, when (s into the run) and createdAt - openedAt (ms). */
async function criticalTickets(liftwatch: Liftwatch, sinceMs: number) {
  const tickets: Array<{ elevator: string; atSecond: number; latencyMs: number }> = [];
  for (let after: string | null = ''; after !== null;) {
    const query = `severity=critical&limit=${TICKET_PAGE}${after ? `&after=${after}` : ''}`;
    const response = await fetch(`${liftwatch.httpUrl}/api/tickets?${query}`, {
      headers: { authorization: `Bearer ${liftwatch.adminToken}` },
    });
    const page = (await response.json()) as {
      items: Array<{ elevator: string; createdAt: string; openedAt: string }>;
      next: string | null;
    };
    for (const { elevator, createdAt, openedAt } of page.items) {
      const opened = Date.parse(openedAt);
      if (opened < sinceMs) continue;
      const atSecond = Math.round((opened - sinceMs) / MS_PER_SECOND);
      tickets.push({ elevator, atSecond, latencyMs: Date.parse(createdAt) - opened });
    }
    after = page.next;
  }
  return tickets;
}

/** Seconds until InfluxDB acknowledged every spooled point, or null when it had not within the timeout. */
async function settle(liftwatch: Liftwatch): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < SETTLE_TIMEOUT_MS) {
    if (metricValue(await metricsText(liftwatch), 'lw_ingest_pending_points') === 0)
      return (Date.now() - started) / MS_PER_SECOND;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}

function readHousekeeping(liftwatch: Liftwatch, sinceMs: number): Housekeeping | null {
  try {
    return housekeepingIn(fs.readFileSync(liftwatch.influxdLog, 'utf8'), sinceMs);
  } catch {
    return null;
  }
}

const describeSnapshots = ({ snapshots }: Housekeeping) =>
  `${snapshots.count}, ${Math.round(snapshots.seconds)} s, ${round(snapshots.longestSeconds, 1)} s`;

const describeCompactions = ({ compactions }: Housekeeping) =>
  compactions
    .map(
      (one) =>
        `L${one.level}: ${one.count}, ${Math.round(one.longestSeconds)} s at ${Math.round(one.longestStartedAtSecond)}`,
    )
    .join('; ') || 'none';

const sumOf = (stats: readonly GeneratorStats[], pick: (one: GeneratorStats) => number) =>
  stats.reduce((sum, one) => sum + pick(one), 0);

/** Starts the generators together, samples while they run, then counts what was stored. */
export async function measureCity(options: {
  plan: CityPlan;
  liftwatch: Liftwatch;
  generators: readonly RunningGenerator[];
  startLeadMs: number;
  say: (line: string) => void;
}) {
  const { plan, liftwatch, generators, say } = options;
  const pids = { liftwatch: liftwatch.child.pid as number, influxd: liftwatch.influxdPid };
  const before = await metricsText(liftwatch);
  const cpuBefore = { liftwatch: cpuSecondsOf(pids.liftwatch), influxd: pids.influxd && cpuSecondsOf(pids.influxd) };
  const peak = { liftwatch: 0, influxd: 0, eventLoopDelayMs: 0, machineBusyPercent: 0 };
  let machineBefore = machineCpuTicks();
  const sample = () => {
    peak.liftwatch = Math.max(peak.liftwatch, rssMib(pids.liftwatch) ?? 0);
    if (pids.influxd !== null) peak.influxd = Math.max(peak.influxd, rssMib(pids.influxd) ?? 0);
  };
  const startMs = Date.now() + options.startLeadMs;
  for (const generator of generators) generator.child.send({ startMs });
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const progress = setInterval(() => {
    void metricsText(liftwatch).then(
      (text) => {
        const latest = generators.flatMap((generator) => (generator.latest ? [generator.latest] : []));
        const lag = histogramQuantile(
          histogramBuckets(text, 'lw_ingest_lag_seconds'),
          histogramBuckets(before, 'lw_ingest_lag_seconds'),
          0.99,
        );
        // prom-client measures the loop's delay between two scrapes of /metrics: the worst of each 30 s.
        const loopDelayMs = metricValue(text, 'lw_process_nodejs_eventloop_lag_max_seconds') * MS_PER_SECOND;
        peak.eventLoopDelayMs = Math.max(peak.eventLoopDelayMs, loopDelayMs);
        const machine = machineCpuTicks();
        const busyPercent = Math.round(
          ((machine.busy - machineBefore.busy) / Math.max(1, machine.total - machineBefore.total)) * PERCENT,
        );
        machineBefore = machine;
        peak.machineBusyPercent = Math.max(peak.machineBusyPercent, busyPercent);
        say(
          `${Math.round((Date.now() - startMs) / MS_PER_SECOND)} s of ${plan.minutes * 60}: sent ${sumOf(latest, (s) => s.published)}, ` +
            `stored ${metricValue(text, 'lw_points_written_total')}, pending ${metricValue(text, 'lw_ingest_pending_points')}, ` +
            `lag p99 ${round(lag, 2)} s, event loop delay max ${Math.round(loopDelayMs)} ms, machine CPU ${busyPercent}% busy, RSS liftwatch ${rssMib(pids.liftwatch)} MiB, influxd ${pids.influxd && rssMib(pids.influxd)} MiB`,
        );
      },
      () => undefined,
    );
  }, PROGRESS_MS);
  let stats: GeneratorStats[];
  try {
    stats = await Promise.all(generators.map((generator) => generator.done));
    sample();
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  const runSeconds = (Date.now() - startMs) / MS_PER_SECOND;
  const cpu = {
    liftwatch: cpuSecondsOf(pids.liftwatch) - cpuBefore.liftwatch,
    influxd: pids.influxd && cpuBefore.influxd !== null ? cpuSecondsOf(pids.influxd) - cpuBefore.influxd : null,
  };
  say('generators done; waiting for InfluxDB to take the last points');
  const catchUpSeconds = await settle(liftwatch);
  const after = await metricsText(liftwatch);
  const stored = await storedPoints(liftwatch);
  const tickets = await criticalTickets(liftwatch, startMs);
  const housekeeping = readHousekeeping(liftwatch, startMs);
  const latencies = tickets.map((ticket) => ticket.latencyMs);
  const slowestTickets = [...tickets].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, SLOWEST_SHOWN);
  const lagBuckets = [
    histogramBuckets(after, 'lw_ingest_lag_seconds'),
    histogramBuckets(before, 'lw_ingest_lag_seconds'),
  ] as const;
  const published = sumOf(stats, (s) => s.published);
  const errors = sumOf(stats, (s) => s.errors);
  const acknowledged = published - errors;
  const deadLetters = metricValue(after, 'lw_dead_letters_total') - metricValue(before, 'lw_dead_letters_total');
  const duplicates =
    metricValue(after, 'lw_duplicate_messages_total') - metricValue(before, 'lw_duplicate_messages_total');
  // While InfluxDB is still taking points, acknowledged minus stored is the spool's backlog, not a loss.
  const dropped = catchUpSeconds === null ? null : acknowledged - stored - deadLetters - duplicates;
  const spooled = metricValue(after, 'lw_ingest_pending_points');
  const lag = { p50: histogramQuantile(...lagBuckets, 0.5), p99: histogramQuantile(...lagBuckets, 0.99) };
  const syncBuckets = [
    histogramBuckets(after, 'lw_ingest_spool_sync_seconds'),
    histogramBuckets(before, 'lw_ingest_spool_sync_seconds'),
  ] as const;
  const spoolSyncMs = (q: number) => {
    const seconds = histogramQuantile(...syncBuckets, q);
    return seconds === null ? null : round(seconds * MS_PER_SECOND, 1);
  };
  const ticket = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
  const lateness = stats.map((s) => s.lateness);
  const byKind: Record<string, number> = {};
  for (const one of stats) for (const [kind, n] of Object.entries(one.byKind)) byKind[kind] = (byKind[kind] ?? 0) + n;
  const row = (measure: string, value: unknown, target: string | null = null, met: boolean | null = null) => ({
    measure,
    value,
    target,
    met: met === null ? null : met ? 'yes' : 'NO',
  });
  const rows = [
    row('elevators (+ probe elevators)', `${plan.elevators} (+${plan.probes})`),
    row(
      'gateway connections (elevators each), generators',
      `${plan.gateways} (${plan.gatewaySize}), ${plan.generators}`,
    ),
    row('messages acknowledged / sent', `${acknowledged} / ${published}`),
    row(
      'messages due in the window but not sent (generators behind)',
      sumOf(stats, (s) => s.unsent),
    ),
    row('messages per second (acknowledged over the run)', Math.round(acknowledged / runSeconds)),
    row('points in InfluxDB at the end', stored),
    row(
      'InfluxDB caught up after the generators stopped, s',
      round(catchUpSeconds, 1) ?? `not in ${SETTLE_TIMEOUT_MS / MS_PER_SECOND}`,
    ),
    row(
      'dropped (acknowledged - stored - dead letters)',
      dropped ?? `not known: ${spooled} points were still in the spool`,
      '0',
      dropped === null ? null : dropped === TARGETS.dropped,
    ),
    row('dead letters', deadLetters, '0', deadLetters === 0),
    row('ingest lag p50, s', round(lag.p50, 2)),
    row(
      'ingest lag p99, s',
      round(lag.p99, 2),
      `< ${TARGETS.ingestLagP99Seconds}`,
      lag.p99 !== null && lag.p99 < TARGETS.ingestLagP99Seconds,
    ),
    row('spool fsync p50 / p99, ms (what a PUBACK waits for)', `${spoolSyncMs(0.5)} / ${spoolSyncMs(0.99)}`),
    row("liftwatch's event loop delay, worst of any 30 s, ms", Math.round(peak.eventLoopDelayMs)),
    row(`critical ticket latency p50, ms (${latencies.length} tickets)`, ticket.p50),
    row(
      'critical ticket latency p99, ms',
      ticket.p99,
      `< ${TARGETS.criticalTicketP99Ms}`,
      ticket.p99 !== null && ticket.p99 < TARGETS.criticalTicketP99Ms,
    ),
    row(
      'liftwatch RSS peak, MiB',
      peak.liftwatch,
      `< ${TARGETS.liftwatchRssMib}`,
      peak.liftwatch < TARGETS.liftwatchRssMib,
    ),
    row('influxd RSS peak, MiB', peak.influxd),
    row('liftwatch CPU, % of one core', Math.round((cpu.liftwatch / runSeconds) * PERCENT)),
    row('influxd CPU, % of one core', cpu.influxd === null ? null : Math.round((cpu.influxd / runSeconds) * PERCENT)),
    row('machine CPU busy, worst 30 s, % of all cores', peak.machineBusyPercent),
    row('influxd cache snapshots: count, time in all, longest', housekeeping && describeSnapshots(housekeeping)),
    row(
      'influxd compactions by level: count, longest (its start, s into the run)',
      housekeeping && describeCompactions(housekeeping),
    ),
    row(
      'generators behind schedule p50 / p99, ms',
      `${latenessQuantile(lateness, 0.5)} / ${latenessQuantile(lateness, 0.99)}`,
    ),
  ];
  const report: BenchResult = {
    rows,
    ratios: {},
    detail: { runSeconds, byKind, errors, slowestTickets, housekeeping },
    failed: (dropped !== null && dropped !== 0) || errors > 0,
  };
  return report;
}
