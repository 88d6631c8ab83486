import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { NODE_FLAGS } from '../cli/node-flags.js';
import { EmbeddedInflux } from '../influx/embedded.js';
import { freePort } from '../lib/net.js';
import { VALIDATIONS, type EvaluationStats } from '../simulators/evaluate.js';
import { readRun } from '../simulators/runs.js';
import type { Score } from '../simulators/score.js';
import {
  EVALUATION_SPLIT,
  runsOf,
  SPLIT_BLOCKS,
  SplitError,
  type RunSpec,
  type SplitBlock,
} from '../simulators/split.js';
import { scoreRuns, type RunsScore, type Spread } from '../simulators/spread.js';
import { BenchUsageError, numberFlag, type BenchFlags } from './args.js';
import type { BenchResult } from './registry.js';

/** A fixed start, so two runs of the same code give the same traffic and the same score. */
const START = Date.parse('2026-08-01T00:00:00+08:00');

/** The targets, on the held-out runs. */
export const TARGETS = {
  recall: 0.95,
  hazardPrecision: 0.9,
  medianLeadHours: 7 * 24,
  criticalMissed: 0,
  maxCriticalSecondsToTicket: 1,
} as const;
/** Degradations a block should hold for its figures to mean something (issue 19). */
const MIN_DEGRADATIONS = 300;

export const QUALITY_DEFAULTS = {
  split: 'both',
  /** Runs at once, each in its own process: one engine per run, so a run uses one core. */
  jobs: Math.max(1, os.cpus().length),
  /** The scheduled rules read InfluxDB: yes writes every point there and scans each simulated day. */
  scheduled: 'yes',
  validation: 'every-message',
} as const;

/** What bench/quality-worker.ts is given on its stdin: one run. */
export const qualityJobSchema = z.object({
  family: z.string(),
  seed: z.int(),
  fromMs: z.int(),
  /** Overrides the family's fleet size (a quicker look; not the benchmark's figures). */
  elevators: z.int().positive().optional(),
  validation: z.enum(VALIDATIONS),
  influx: z
    .object({ url: z.string(), db: z.string(), user: z.string().optional(), password: z.string().optional() })
    .optional(),
  /** The run's directory (simulators/runs.ts). */
  out: z.string(),
});
export type QualityJob = z.infer<typeof qualityJobSchema>;

function choice<T extends string>(flags: BenchFlags, name: string, allowed: readonly T[], fallback: T): T {
  const value = flags[name] ?? fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new BenchUsageError(`--${name} takes ${allowed.join(', ')}, not ${value}`);
  return value as T;
}

/** Runs one job in bench/quality-worker.ts; resolves with its stats once its run directory is written. */
function runJob(job: QualityJob): Promise<EvaluationStats> {
  const script = path.join(import.meta.dirname, 'quality-worker.ts');
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(JSON.stringify(job));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(output) as EvaluationStats)
        : reject(new Error(`the quality run ${job.family} seed ${job.seed} exited with ${code}`)),
    );
  });
}

/** Runs every job, `jobs` at a time. */
async function runAll(jobs: readonly QualityJob[], parallel: number): Promise<EvaluationStats[]> {
  const results: EvaluationStats[] = new Array<EvaluationStats>(jobs.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < jobs.length; index = next++) {
      const job = jobs[index] as QualityJob;
      results[index] = await runJob(job);
      const { wallSeconds, messages, points } = results[index] as EvaluationStats;
      process.stderr.write(
        `quality: ${job.family} seed ${job.seed}: ${messages} messages, ${points} points, ${wallSeconds.toFixed(0)} s (${index + 1} of ${jobs.length} started)\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane));
  return results;
}

const show = (value: number | null, unit = '') => (value === null ? '-' : `${value}${unit}`);
const spreadText = (spread: Spread) =>
  spread.mean === null ? '-' : `${spread.mean} [${spread.min} to ${spread.max}] (${spread.runs} runs)`;

/** Where a block's pooled figures miss the targets, in words; empty when they meet them all. */
export function missedTargets(pooled: Score): string[] {
  const missed: string[] = [];
  const below = (name: string, value: number | null, target: number) => {
    if (value === null || value < target) missed.push(`${name} ${show(value)} < ${target}`);
  };
  below('recall', pooled.recall, TARGETS.recall);
  below('hazard precision', pooled.hazard.precision, TARGETS.hazardPrecision);
  below('median lead h', pooled.medianLeadHours, TARGETS.medianLeadHours);
  if (pooled.criticalMissed > TARGETS.criticalMissed)
    missed.push(`critical events missed ${pooled.criticalMissed} > ${TARGETS.criticalMissed}`);
  const slowest = pooled.maxCriticalSecondsToTicket;
  if (slowest !== null && slowest > TARGETS.maxCriticalSecondsToTicket)
    missed.push(`critical ticket ${slowest} s after its event > ${TARGETS.maxCriticalSecondsToTicket} s`);
  return missed;
}

function summaryRows(block: SplitBlock, result: RunsScore) {
  const { pooled, spread } = result;
  const failed = pooled.perKind;
  const warned = Object.values(failed).reduce(
    (sum, kind) => sum + (kind.category === 'degradation' ? kind.ticketedInTime : 0),
    0,
  );
  return [
    {
      block,
      measure: 'recall: failed degradations warned of before their failure',
      'over runs: mean [min to max]': spreadText(spread.recall),
      pooled: `${show(pooled.recall)} (${warned} of ${result.degradations.failed})`,
      target: `>= ${TARGETS.recall}`,
    },
    {
      block,
      measure: 'hazard precision: hazard tickets pointing at a real degradation',
      'over runs: mean [min to max]': spreadText(spread.hazardPrecision),
      pooled: `${show(pooled.hazard.precision)} (${pooled.hazard.truePositives} of ${pooled.hazard.tickets})`,
      target: `>= ${TARGETS.hazardPrecision}`,
    },
    {
      block,
      measure: 'median lead time, hours',
      'over runs: mean [min to max]': spreadText(spread.medianLeadHours),
      pooled: show(pooled.medianLeadHours),
      target: `>= ${TARGETS.medianLeadHours}`,
    },
    {
      block,
      measure: '10th percentile lead time, hours',
      'over runs: mean [min to max]': spreadText(spread.p10LeadHours),
      pooled: show(pooled.p10LeadHours),
      target: '-',
    },
    {
      block,
      measure: 'false hazard tickets per elevator-year',
      'over runs: mean [min to max]': spreadText(spread.falseHazardPerElevatorYear),
      pooled: `${show(pooled.hazard.falsePerElevatorYear)} (${pooled.hazard.falsePositives} in ${show(pooled.elevatorYears)})`,
      target: '-',
    },
    {
      block,
      measure: 'critical events without a critical ticket',
      'over runs: mean [min to max]': spreadText(spread.criticalMissed),
      pooled: `${pooled.criticalMissed} of ${pooled.criticalEvents}`,
      target: `${TARGETS.criticalMissed}`,
    },
    {
      block,
      measure: 'critical ticket after its event, event time, s (max)',
      'over runs: mean [min to max]': spreadText(spread.maxCriticalSecondsToTicket),
      pooled: show(pooled.maxCriticalSecondsToTicket),
      target: `<= ${TARGETS.maxCriticalSecondsToTicket}`,
    },
    {
      block,
      measure: 'precision: all tickets pointing at what their category claims',
      'over runs: mean [min to max]': spreadText(spread.precision),
      pooled: `${show(pooled.precision)} (${pooled.truePositives} of ${pooled.tickets})`,
      target: '-',
    },
  ];
}

const ruleRows = (block: SplitBlock, result: RunsScore) =>
  Object.entries(result.perRule)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, { pooled, falsePositives }]) => ({
      block,
      rule,
      category: pooled.category ?? '-',
      tickets: pooled.tickets,
      true: pooled.truePositives,
      false: pooled.falsePositives,
      'false per run: mean [min to max]': spreadText(falsePositives),
    }));

const kindRows = (block: SplitBlock, result: RunsScore) =>
  Object.entries(result.perKind)
    .filter(([, { pooled }]) => pooled.category === 'degradation' || pooled.category === 'critical')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, { pooled, recall }]) => ({
      block,
      kind,
      category: pooled.category,
      count: pooled.count,
      failed: pooled.failed ?? '-',
      fixed: pooled.fixed ?? '-',
      'ticketed in time': pooled.ticketedInTime,
      recall: show(pooled.recall),
      'recall over runs: mean [min to max]': spreadText(recall),
      'median lead h': pooled.medianLeadHours === undefined ? '-' : show(pooled.medianLeadHours),
    }));

/**
 * The rules' quality (issue 19): each run of the tuning / held-out split (simulators/split.ts) is
 * a scenario family with a seed, evaluated in its own process by simulators/evaluate.ts (the
 * models straight into the rules engine; with --scheduled yes also into a local influxd, the
 * scheduled rules scanned each simulated day), then scored per run, pooled and spread over runs,
 * per rule and per degradation kind, against the issue's targets.
 */
export async function qualityBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const split = choice(flags, 'split', [...SPLIT_BLOCKS, 'both'], QUALITY_DEFAULTS.split);
  const scheduled = choice(flags, 'scheduled', ['yes', 'no'], QUALITY_DEFAULTS.scheduled) === 'yes';
  const validation = choice(flags, 'validation', VALIDATIONS, QUALITY_DEFAULTS.validation);
  const jobs = numberFlag(flags, 'jobs', QUALITY_DEFAULTS.jobs);
  const seeds = flags.seeds === undefined ? undefined : numberFlag(flags, 'seeds', 1);
  const elevators = flags.elevators === undefined ? undefined : numberFlag(flags, 'elevators', 1);
  const families = flags.families?.split(',').filter((family) => family !== '');
  if (families !== undefined && split === 'both')
    throw new BenchUsageError('--families needs --split tuning or --split held-out');
  const blocks = split === 'both' ? SPLIT_BLOCKS : [split];
  let specs: RunSpec[];
  try {
    specs = blocks.flatMap((block) => runsOf(block, { seeds, families }));
  } catch (error) {
    throw error instanceof SplitError ? new BenchUsageError(error.message) : error;
  }

  const keep = flags.out;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lw-quality-'));
  const influx = scheduled
    ? new EmbeddedInflux({
        dir: path.join(dir, 'influxdb'),
        port: await freePort(),
        binary: 'influxd',
        logger: pino({ level: 'warn' }),
      })
    : null;
  try {
    await influx?.start();
    const runDir = (spec: RunSpec) => path.join(dir, spec.block, `${spec.family}-${spec.seed}`);
    const allJobs: QualityJob[] = specs.map((spec) => ({
      family: spec.family,
      seed: spec.seed,
      fromMs: START,
      elevators,
      validation,
      influx: influx
        ? { url: influx.url, db: `quality_${spec.family.replaceAll('-', '_')}_${spec.seed}`, ...influx.credentials }
        : undefined,
      out: runDir(spec),
    }));
    process.stderr.write(
      `quality: ${allJobs.length} runs (${blocks.join(', ')}), ${jobs} at a time, scheduled rules ${scheduled ? 'on' : 'off'}, ${validation}\n`,
    );
    const stats = await runAll(allJobs, jobs);
    const rows: object[] = [];
    const tables: Array<{ title: string; rows: object[] }> = [];
    const ratios: Record<string, string> = {};
    const detail: Record<string, unknown> = {};
    let failed = false;
    for (const block of blocks) {
      const blockSpecs = specs.filter((spec) => spec.block === block);
      const result = scoreRuns(blockSpecs.map((spec) => readRun(runDir(spec))));
      rows.push(...summaryRows(block, result));
      tables.push({ title: `${block}: per rule`, rows: ruleRows(block, result) });
      tables.push({ title: `${block}: per degradation kind and critical event`, rows: kindRows(block, result) });
      const { families: blockFamilies } = EVALUATION_SPLIT[block];
      const chosenFamilies = [...new Set(blockSpecs.map((spec) => spec.family))];
      const chosenSeeds = [...new Set(blockSpecs.map((spec) => spec.seed))];
      ratios[`${block} runs`] =
        `${blockSpecs.length}: ${chosenFamilies.join(', ')} (of ${blockFamilies.join(', ')}) with seeds ${chosenSeeds.join(', ')}; ${result.degradations.count} degradations, ${result.degradations.failed} failed` +
        (result.degradations.count < MIN_DEGRADATIONS ? ` (fewer than ${MIN_DEGRADATIONS}: a rough figure)` : '');
      const missed = missedTargets(result.pooled);
      ratios[`${block} meets the targets`] = missed.length === 0 ? 'yes' : `no: ${missed.join('; ')}`;
      detail[block] = result;
      const blockStats = stats.filter((_, index) => specs[index]?.block === block);
      // A message the contract refused or the engine threw on makes the run unlike the real path's.
      failed ||= blockStats.some((run) => run.rejected > 0 || run.engineErrors > 0);
    }
    ratios['runs kept in'] = keep ?? 'nowhere (--out DIR keeps them for `liftwatch score --runs DIR`)';
    return { rows, tables, ratios, detail: { ...detail, stats }, failed };
  } finally {
    await influx?.stop();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
