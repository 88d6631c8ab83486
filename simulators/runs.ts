import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../lib/issues.js';
import { FleetError } from './errors.js';
import { elevatorYearsOf, type ScoredTicket } from './score.js';
import type { RunToScore } from './spread.js';
import { readTicketFile } from './tickets.js';
import { readTruth, TruthWriter, type TruthRecord } from './truth.js';

/**
 * A run on disk, one directory: its ground truth, the tickets the rules opened, and what it was
 * (scenario, seed, fleet size, simulated span). `liftwatch score --runs DIR` reads a directory of them.
 */
export const RUN_FILES = { truth: 'truth.jsonl', tickets: 'tickets.jsonl', meta: 'run.json' } as const;

const time = z.iso.datetime({ offset: true });

export const runMetaSchema = z.object({
  scenario: z.string(),
  seed: z.int(),
  elevators: z.int().positive(),
  /** The simulated span. */
  from: time,
  to: time,
  /** Anything else the run says of itself (how it was made, its timings). */
  stats: z.record(z.string(), z.unknown()).optional(),
});
export type RunMeta = z.infer<typeof runMetaSchema>;

export interface Run {
  readonly meta: RunMeta;
  readonly truth: readonly TruthRecord[];
  readonly tickets: readonly ScoredTicket[];
}

export function writeRun(dir: string, run: Run): void {
  fs.mkdirSync(dir, { recursive: true });
  const truth = new TruthWriter(path.join(dir, RUN_FILES.truth));
  try {
    truth.write(run.truth);
  } finally {
    truth.close();
  }
  fs.writeFileSync(
    path.join(dir, RUN_FILES.tickets),
    run.tickets.map((ticket) => `${JSON.stringify(ticket)}\n`).join(''),
  );
  fs.writeFileSync(path.join(dir, RUN_FILES.meta), `${JSON.stringify(run.meta, null, 2)}\n`);
}

const isRun = (dir: string) => fs.existsSync(path.join(dir, RUN_FILES.meta));

function readMeta(dir: string): RunMeta {
  const file = path.join(dir, RUN_FILES.meta);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FleetError(`${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  const result = runMetaSchema.safeParse(json);
  if (!result.success) throw new FleetError(`${file} is not a run description:\n${describeIssues(result.error)}`);
  return result.data;
}

/** One run directory, ready to score: its exposure comes from its fleet size and span. */
export function readRun(dir: string): RunToScore & { readonly meta: RunMeta } {
  const meta = readMeta(dir);
  let truth: TruthRecord[];
  try {
    truth = readTruth(path.join(dir, RUN_FILES.truth));
  } catch (error) {
    throw new FleetError((error as Error).message);
  }
  return {
    name: `${meta.scenario} seed ${meta.seed}`,
    meta,
    truth,
    tickets: readTicketFile(path.join(dir, RUN_FILES.tickets)),
    elevatorYears: elevatorYearsOf(meta.elevators, Date.parse(meta.from), Date.parse(meta.to)),
  };
}

/** A run directory, or a directory of them (each subdirectory with a run.json), in name order. */
export function readRuns(dir: string): Array<ReturnType<typeof readRun>> {
  if (!fs.existsSync(dir)) throw new FleetError(`No directory ${dir}`);
  if (isRun(dir)) return [readRun(dir)];
  const runs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isRun(path.join(dir, entry.name)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => readRun(path.join(dir, name)));
  if (runs.length === 0) throw new FleetError(`${dir} holds no run (a directory with ${RUN_FILES.meta})`);
  return runs;
}
