import { score, type KindScore, type RuleScore, type Score, type ScoredTicket, type ScoreWindow } from './score.js';
import type { TruthRecord } from './truth.js';

/** A figure over runs (seeds): its mean, least and greatest, over the runs that have it. */
export interface Spread {
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Runs with a value (a run with no failed degradation has no recall). */
  readonly runs: number;
}

const round = (value: number) => Number(value.toFixed(4));

export function spreadOf(values: ReadonlyArray<number | null>): Spread {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return { mean: null, min: null, max: null, runs: 0 };
  const mean = known.reduce((sum, value) => sum + value, 0) / known.length;
  return { mean: round(mean), min: Math.min(...known), max: Math.max(...known), runs: known.length };
}

/** The figures given with their spread over runs, and where each is in a Score. */
export const SPREAD_FIGURES = {
  recall: (score) => score.recall,
  hazardPrecision: (score) => score.hazard.precision,
  precision: (score) => score.precision,
  medianLeadHours: (score) => score.medianLeadHours,
  p10LeadHours: (score) => score.p10LeadHours,
  hazardTickets: (score) => score.hazard.tickets,
  falseHazardTickets: (score) => score.hazard.falsePositives,
  falseHazardPerElevatorYear: (score) => score.hazard.falsePerElevatorYear,
  criticalMissed: (score) => score.criticalMissed,
  maxCriticalSecondsToTicket: (score) => score.maxCriticalSecondsToTicket,
} as const satisfies Record<string, (score: Score) => number | null>;
export type SpreadFigure = keyof typeof SPREAD_FIGURES;

/** One run's truth and tickets: a scenario family with one seed. */
export interface RunToScore {
  readonly name: string;
  readonly truth: readonly TruthRecord[];
  readonly tickets: readonly ScoredTicket[];
  /** Elevators times the run's length in years; unknown leaves false tickets per elevator-year out. */
  readonly elevatorYears?: number | undefined;
}

export interface RunsScore {
  readonly runs: ReadonlyArray<{ readonly name: string; readonly score: Score }>;
  /** Every run's truth and tickets scored as one: each figure over all degradations and tickets. */
  readonly pooled: Score;
  readonly spread: Readonly<Record<SpreadFigure, Spread>>;
  readonly degradations: { readonly count: number; readonly failed: number };
  /** Per rule: pooled, and its false tickets per run (0 in a run where it opened none). */
  readonly perRule: Readonly<Record<string, { readonly pooled: RuleScore; readonly falsePositives: Spread }>>;
  /** Per truth kind: pooled, and its recall per run (over the runs where one failed). */
  readonly perKind: Readonly<Record<string, { readonly pooled: KindScore; readonly recall: Spread }>>;
}

/** Elevator ids repeat from run to run (each seed's fleet is SIM-000001 on): pooled, each is its run's. */
const pooledId = (run: number, elevator: string) => `${run}/${elevator}`;

/** Scores each run, all of them pooled, and the spread of each figure over the runs. */
export function scoreRuns(runs: readonly RunToScore[], window: ScoreWindow = {}): RunsScore {
  const scored = runs.map((run) => ({
    name: run.name,
    score: score(run.truth, run.tickets, { ...window, elevatorYears: run.elevatorYears }),
  }));
  const exposures = runs.map((run) => run.elevatorYears);
  const pooled = score(
    runs.flatMap((run, index) =>
      run.truth.map((record) => ({ ...record, elevator: pooledId(index, record.elevator) })),
    ),
    runs.flatMap((run, index) =>
      run.tickets.map((ticket) => ({ ...ticket, elevator: pooledId(index, ticket.elevator) })),
    ),
    {
      ...window,
      elevatorYears: exposures.every((years) => years !== undefined)
        ? exposures.reduce((sum: number, years) => sum + (years ?? 0), 0)
        : undefined,
    },
  );
  const spread = Object.fromEntries(
    Object.entries(SPREAD_FIGURES).map(([figure, of]) => [figure, spreadOf(scored.map((run) => of(run.score)))]),
  ) as Record<SpreadFigure, Spread>;
  const degradationKinds = Object.values(pooled.perKind).filter((kind) => kind.category === 'degradation');
  return {
    runs: scored,
    pooled,
    spread,
    degradations: {
      count: degradationKinds.reduce((sum, kind) => sum + kind.count, 0),
      failed: degradationKinds.reduce((sum, kind) => sum + (kind.failed ?? 0), 0),
    },
    perRule: Object.fromEntries(
      Object.entries(pooled.perRule).map(([rule, counts]) => [
        rule,
        {
          pooled: counts,
          falsePositives: spreadOf(scored.map((run) => run.score.perRule[rule]?.falsePositives ?? 0)),
        },
      ]),
    ),
    perKind: Object.fromEntries(
      Object.entries(pooled.perKind).map(([kind, counts]) => [
        kind,
        { pooled: counts, recall: spreadOf(scored.map((run) => run.score.perKind[kind]?.recall ?? null)) },
      ]),
    ),
  };
}
