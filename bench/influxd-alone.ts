/**
 * influxd alone under a city's writes: what InfluxDB itself costs, without liftwatch or devices
 * on the same cores. The points ingest would write for `--elevators` (a telemetry point per
 * elevator a minute and door cycles at the city's ratio, with the registry's tags, through
 * ingest's own encoder), stamped as they are made, at the city's rate, written one request at
 * a time in batches of LW_BATCH_SIZE lines or what LW_BATCH_INTERVAL_MS gathered, as ingest
 * writes them. First into influxd with
 * liftwatch's configuration (at liftwatch's niceness), then, as the comparison, the same with
 * `--setting name=value` in its `[data]` section. Reports CPU per point, write and lag
 * figures, and the cache snapshots and compactions from influxd's log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { loadConfig } from '../config/env.js';
import { EmbeddedInflux, type DataSettings } from '../influx/embedded.js';
import { InfluxHttpStore } from '../influx/http-store.js';
import { encodeLine } from '../influx/line-protocol.js';
import { FIELD_TYPES, registryTagSet } from '../ingest/schema.js';
import { freePort } from '../lib/net.js';
import { BenchUsageError, numberFlag, type BenchFlags } from './args.js';
import { cityPlan, cityScenario } from './city-fleet.js';
import { quantile } from './city-report.js';
import { housekeepingIn, type Housekeeping } from './influxd-log.js';
import { cpuSecondsOf } from './measure.js';
import { rssMbOf } from './processes.js';
import type { BenchResult } from './registry.js';
import { planElevator } from '../simulators/model/plan.js';

const DEFAULTS = {
  elevators: 300_000,
  minutes: 4,
  /** influxd's own default, against liftwatch's snapshot of the cache every 8 MB. */
  setting: 'cache-snapshot-memory-size=26214400',
} as const;
/** Door points per telemetry point in the city's 10-minute runs (366,838 to 2,999,820). */
const DOORS_PER_TELEMETRY = 0.122;
const TELEMETRY_PER_ELEVATOR_MINUTE = 1;
const MS_PER_MINUTE = 60_000;
const MS_PER_SECOND = 1000;
const TICK_MS = 100;
const PROGRESS_MS = 30_000;

type Variant = { readonly name: string; readonly settings: DataSettings };

/** `name=value`: a number or boolean as such, anything else a string. */
function parseSetting(text: string): DataSettings {
  const match = /^([a-z0-9-]+)=(.+)$/.exec(text);
  if (!match) throw new BenchUsageError(`--setting must be name=value (a key of influxd's [data]), not ${text}`);
  const [, name, raw] = match as unknown as [string, string, string];
  const value = /^\d+$/.test(raw) ? Number(raw) : raw === 'true' || raw === 'false' ? raw === 'true' : raw;
  return { [name]: value };
}

/** Each elevator's registry tags, encoded once as ingest does. */
function tagSets(elevators: number): string[] {
  const scenario = cityScenario(cityPlan(elevators, 1, 1, 1));
  return Array.from({ length: elevators }, (_, index) =>
    registryTagSet({ ...planElevator(scenario, index).registration, registeredAt: '' }),
  );
}

function telemetryLine(tags: string, seq: number, timeMs: number): string {
  const fields = {
    seq,
    mode: 1,
    floor: seq % 20,
    direction: 0,
    doorState: 1,
    occupied: seq % 2 === 0,
    loadPct: (seq % 80) + 0.5,
    speedMps: 1.5,
    runs: 40_000 + seq,
    runSeconds: 900_000 + seq * 12,
    doorCycles: 80_000 + seq * 2,
    ropeBends: 120_000 + seq * 3,
    inService: 1,
  };
  return encodeLine({ measurement: 'telemetry', tags: {}, fields, timeMs }, FIELD_TYPES.telemetry, tags);
}

function doorLine(tags: string, seq: number, timeMs: number): string {
  const fields = { seq, floor: seq % 20, openMs: 3000, closeMs: 2800, reopens: seq % 3, obstructed: false };
  return encodeLine({ measurement: 'doors', tags: {}, fields, timeMs }, FIELD_TYPES.doors, tags);
}

interface VariantResult {
  readonly points: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly writeMs: { p50: number | null; p99: number | null; max: number | null };
  readonly lagMs: { p50: number | null; p99: number | null; max: number | null };
  readonly housekeeping: Housekeeping;
}

async function runVariant(
  variant: Variant,
  options: {
    dir: string;
    tags: readonly string[];
    minutes: number;
    batchSize: number;
    batchIntervalMs: number;
    niceness: number;
    db: string;
  },
): Promise<VariantResult> {
  const dir = path.join(options.dir, variant.name);
  const influx = new EmbeddedInflux({
    dir,
    port: await freePort(),
    binary: 'influxd',
    niceness: options.niceness,
    dataSettings: variant.settings,
    logger: pino({ level: 'warn' }),
  });
  await influx.start();
  try {
    const pid = influx.pid as number;
    const store = new InfluxHttpStore({ url: influx.url, db: options.db, ...influx.credentials });
    await store.ensureDatabase();
    const perSecond =
      (options.tags.length * TELEMETRY_PER_ELEVATOR_MINUTE * (1 + DOORS_PER_TELEMETRY) * MS_PER_SECOND) / MS_PER_MINUTE;
    const queue: string[] = [];
    const startMs = Date.now();
    const endMs = startMs + options.minutes * MS_PER_MINUTE;
    let made = 0;
    let seq = 0;
    let doorCredit = 0;
    const make = setInterval(() => {
      const due = Math.min(Date.now(), endMs);
      const target = Math.floor(((due - startMs) / MS_PER_SECOND) * perSecond);
      for (; made < target; made++) {
        const tags = options.tags[seq % options.tags.length] as string;
        doorCredit += DOORS_PER_TELEMETRY;
        if (doorCredit >= 1) {
          doorCredit -= 1;
          queue.push(doorLine(tags, seq, Date.now()));
        } else {
          queue.push(telemetryLine(tags, seq++, Date.now()));
        }
      }
    }, TICK_MS);
    const cpuBefore = cpuSecondsOf(pid);
    let peakRssMb = 0;
    const writeMs: number[] = [];
    const lagMs: number[] = [];
    let written = 0;
    let lastWriteAt = Date.now();
    const progress = setInterval(() => {
      process.stderr.write(
        `influxd-alone: ${variant.name}, ${Math.round((Date.now() - startMs) / MS_PER_SECOND)} s of ${options.minutes * 60}: ${written} points written, ${queue.length} queued, influxd RSS ${Math.round(rssMbOf(pid))} MB\n`,
      );
    }, PROGRESS_MS);
    try {
      while (Date.now() < endMs || queue.length > 0) {
        peakRssMb = Math.max(peakRssMb, rssMbOf(pid));
        // A partial batch waits for its interval while points are still coming, as ingest's does.
        const partialDue = Date.now() - lastWriteAt >= options.batchIntervalMs || Date.now() >= endMs;
        if (queue.length === 0 || (queue.length < options.batchSize && !partialDue)) {
          await sleep(TICK_MS);
          continue;
        }
        const batch = queue.splice(0, options.batchSize);
        const sentAt = Date.now();
        await store.write(batch);
        const ackedAt = Date.now();
        lastWriteAt = ackedAt;
        writeMs.push(ackedAt - sentAt);
        for (const line of batch) lagMs.push(ackedAt - Number(line.slice(line.lastIndexOf(' ') + 1)));
        written += batch.length;
      }
    } finally {
      clearInterval(make);
      clearInterval(progress);
    }
    const cpuSeconds = cpuSecondsOf(pid) - cpuBefore;
    const log = fs.readFileSync(path.join(dir, 'influxd.log'), 'utf8');
    // Sorted once (a lag per point is over a million values): quantile's own sort is then quick.
    const summary = (values: readonly number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? null };
    };
    return {
      points: written,
      cpuSeconds,
      peakRssMb,
      writeMs: summary(writeMs),
      lagMs: summary(lagMs),
      housekeeping: housekeepingIn(log, startMs),
    };
  } finally {
    await influx.stop();
  }
}

const rowOf = (one: VariantResult) => ({
  'points written': one.points,
  'influxd CPU per 1,000 points, ms': Math.round((one.cpuSeconds / one.points) * MS_PER_SECOND * MS_PER_SECOND),
  'influxd CPU, s': Math.round(one.cpuSeconds),
  'influxd peak RSS, MB': Math.round(one.peakRssMb),
  'write p50 / p99 / max, ms': `${one.writeMs.p50} / ${one.writeMs.p99} / ${one.writeMs.max}`,
  'lag p50 / p99 / max, ms': `${one.lagMs.p50} / ${one.lagMs.p99} / ${one.lagMs.max}`,
  'cache snapshots: count, s in all, longest s': `${one.housekeeping.snapshots.count}, ${Math.round(one.housekeeping.snapshots.seconds)}, ${one.housekeeping.snapshots.longestSeconds.toFixed(1)}`,
  'compactions by level: count, longest s':
    one.housekeeping.compactions.map((c) => `L${c.level} ${c.count}, ${Math.round(c.longestSeconds)}`).join('; ') ||
    'none',
});

export async function influxdAloneBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const elevators = numberFlag(flags, 'elevators', DEFAULTS.elevators);
  const minutes = numberFlag(flags, 'minutes', DEFAULTS.minutes);
  const setting = flags.setting ?? DEFAULTS.setting;
  const variants: Variant[] = [
    { name: 'liftwatch config', settings: {} },
    { name: setting, settings: parseSetting(setting) },
  ];
  const config = loadConfig();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-influxd-alone-'));
  try {
    process.stderr.write(`influxd-alone: tagging ${elevators} elevators\n`);
    const tags = tagSets(elevators);
    const results: Array<{ variant: Variant; result: VariantResult }> = [];
    for (const variant of variants) {
      process.stderr.write(`influxd-alone: ${variant.name}, ${minutes} min\n`);
      const result = await runVariant(variant, {
        dir,
        tags,
        minutes,
        batchSize: config.ingest.batchSize,
        batchIntervalMs: config.ingest.batchIntervalMs,
        niceness: config.influx.embedded.niceness,
        db: config.influx.db,
      });
      results.push({ variant, result });
    }
    const [base, other] = results.map(({ result }) => result) as [VariantResult, VariantResult];
    const cpuPerPoint = (one: VariantResult) => one.cpuSeconds / one.points;
    return {
      rows: results.map(({ variant, result }) => ({ influxd: variant.name, ...rowOf(result) })),
      ratios: {
        [`CPU per point, ${setting} / liftwatch config`]: Number((cpuPerPoint(other) / cpuPerPoint(base)).toFixed(2)),
      },
      detail: { elevators, minutes, results },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
