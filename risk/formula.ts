import type { FaultSeverity, RiskFactor } from '../contract/index.js';

/**
 * The risk score of docs/risk.md: five factors, each normalised to 0-1 against a cap, times its
 * weight; the weights add up to 100. Keep this file and docs/risk.md in step.
 */
export const RISK_WEIGHTS = { age: 20, faults: 35, recurring: 20, usage: 10, maintenance: 15 } as const;

/** At this age and older the age factor is 1: lifts past 25 years are due for modernisation. */
export const AGE_CAP_YEARS = 25;
/** Points a fault of each severity counts for: a critical one (entrapment, UCMP) weighs ten minor ones. */
export const SEVERITY_WEIGHTS: Readonly<Record<FaultSeverity, number>> = { critical: 10, major: 3, minor: 1, info: 0 };
/** Weighted faults per 1,000 runs at which the fault factor is 1. */
export const FAULT_RATE_CAP = 1;
/** A lift with fewer runs is counted as having this many, so a barely used lift's few faults do not explode the rate. */
export const MIN_RUNS = 1000;
export const PER_RUNS = 1000;
/** Recurring-fault tickets in the window at which the factor is 1. */
export const RECURRING_CAP = 5;
/** Runs per day as a multiple of the fleet median: at or below 1× nothing, at 3× and above the whole weight. */
export const USAGE_FLOOR_RATIO = 1;
export const USAGE_CAP_RATIO = 3;
/** The legal maximum between two maintenance visits (特种设备安全监察条例 Art. 31). */
export const MAINTENANCE_MAX_DAYS = 15;
/** Overdue days in the window at which the maintenance factor is 1 (about two missed visits a year). */
export const OVERDUE_CAP_DAYS = 60;

/** What the factors are computed from, per elevator; null where liftwatch has no data. */
export interface RiskFigures {
  readonly ageYears: number;
  readonly faults: Readonly<Record<FaultSeverity, number>>;
  /** Runs in the window (the cumulative counter's last value less its first); null without telemetry. */
  readonly runs: number | null;
  readonly runsPerDay: number | null;
  readonly fleetMedianRunsPerDay: number | null;
  readonly recurringTickets: number;
  /** Null when neither telemetry nor a maintenance check-out says since when the elevator is watched. */
  readonly overdueDays: number | null;
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));
const roundTo = (value: number, places: number) => Number(value.toFixed(places));
const POINT_PLACES = 1;
const FIGURE_PLACES = 2;

function factor(
  name: RiskFactor['factor'],
  normalised: number,
  figures: RiskFactor['figures'],
  explanation: string,
): RiskFactor {
  const weight = RISK_WEIGHTS[name];
  const rounded = Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [key, value === null ? null : roundTo(value, FIGURE_PLACES)]),
  );
  return {
    factor: name,
    points: roundTo(weight * normalised, POINT_PLACES),
    weight,
    normalised: roundTo(normalised, FIGURE_PLACES + 1),
    figures: rounded,
    explanation,
  };
}

const WEIGHTS_TEXT = Object.entries(SEVERITY_WEIGHTS)
  .filter(([, weight]) => weight > 0)
  .map(([severity, weight]) => `${severity} ×${weight}`)
  .join(', ');

function faultFactor({ faults, runs }: RiskFigures): RiskFactor {
  const weighted = (Object.keys(SEVERITY_WEIGHTS) as FaultSeverity[]).reduce(
    (sum, severity) => sum + faults[severity] * SEVERITY_WEIGHTS[severity],
    0,
  );
  const rate = (weighted / Math.max(runs ?? 0, MIN_RUNS)) * PER_RUNS;
  return factor(
    'faults',
    clamp01(rate / FAULT_RATE_CAP),
    { ...faults, weightedFaults: weighted, runs, weightedPer1000Runs: rate },
    `${weighted} weighted faults (${WEIGHTS_TEXT}) per 1,000 runs: ${rate.toFixed(FIGURE_PLACES)}`,
  );
}

function usageFactor({ runsPerDay, fleetMedianRunsPerDay: median }: RiskFigures): RiskFactor {
  const ratio = runsPerDay !== null && median !== null && median > 0 ? runsPerDay / median : null;
  const normalised = ratio === null ? 0 : (ratio - USAGE_FLOOR_RATIO) / (USAGE_CAP_RATIO - USAGE_FLOOR_RATIO);
  return factor(
    'usage',
    clamp01(normalised),
    { runsPerDay, fleetMedianRunsPerDay: median, ratio },
    ratio === null
      ? 'No runs per day to compare with the fleet'
      : `${ratio.toFixed(FIGURE_PLACES)}× the fleet median runs per day`,
  );
}

/** Each factor's points and figures; the score is their sum. */
export function riskFactors(figures: RiskFigures): RiskFactor[] {
  const { ageYears, recurringTickets, overdueDays } = figures;
  return [
    factor('age', clamp01(ageYears / AGE_CAP_YEARS), { ageYears }, `${ageYears} years in service`),
    faultFactor(figures),
    factor(
      'recurring',
      clamp01(recurringTickets / RECURRING_CAP),
      { recurringTickets },
      `${recurringTickets} recurring-fault tickets in 12 months`,
    ),
    usageFactor(figures),
    factor(
      'maintenance',
      clamp01((overdueDays ?? 0) / OVERDUE_CAP_DAYS),
      { overdueDays },
      overdueDays === null ? 'No data on maintenance' : `${Math.floor(overdueDays)} days overdue in 12 months`,
    ),
  ];
}

export const scoreOf = (factors: readonly RiskFactor[]) =>
  roundTo(
    factors.reduce((sum, one) => sum + one.points, 0),
    POINT_PLACES,
  );
