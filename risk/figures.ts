import { FAULT_SEVERITIES, type Elevator, type FaultCategory, type FaultSeverity } from '../contract/index.js';
import { WITHIN, windowParams } from '../influx/params.js';
import type { Series, TelemetryStore } from '../influx/types.js';
import { LiftwatchError } from '../lib/errors.js';
import { shanghaiDate } from '../lib/shanghai.js';
import { fullYears } from '../reports/pilot.js';
import type { TicketStore } from '../store/types.js';
import { MAINTENANCE_MAX_DAYS, type RiskFigures } from './formula.js';

export const DAY_MS = 86_400_000;
/** Equipment faults only: mode changes, alarm buttons and mains power cuts say nothing of the lift's condition. */
const EQUIPMENT: FaultCategory = 'hazard';
/** The history factors look at the last 12 months. */
export const WINDOW_DAYS = 365;
/** The window, of the one elevator asked for (`$only`). */
const ONE_ELEVATOR_WITHIN = `elevator = $only AND ${WITHIN}` as const;
/** Below a day of telemetry, runs per day says nothing. */
const MIN_OBSERVED_DAYS = 1;

/** Rules whose tickets say a fault keeps coming back (docs/rules.md). */
export const isRecurringRule = (rule: string) =>
  rule.endsWith('-recurring') || rule.endsWith('-trend') || rule === 'repeat-after-maintenance';

/** What InfluxDB and the tickets say about every elevator (or one), read with one query per figure. */
export interface FleetFigures {
  readonly from: number;
  readonly to: number;
  readonly fleetMedianRunsPerDay: number | null;
  figuresOf(elevator: Elevator): RiskFigures;
  observedDaysOf(elevator: string): number;
}

const timeOf = (row: Readonly<Record<string, unknown>> | undefined) =>
  typeof row?.time === 'number' ? row.time : undefined;

/** Rows of a query grouped by elevator, keyed by elevator id. */
function rowsByElevator(series: readonly Series[]): Map<string, ReadonlyArray<Readonly<Record<string, unknown>>>> {
  const rows = new Map<string, ReadonlyArray<Readonly<Record<string, unknown>>>>();
  for (const one of series) if (one.tags.elevator) rows.set(one.tags.elevator, one.rows);
  return rows;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Days past the legal maximum between `from`, each check-out and `to`. */
export function overdueDays(from: number, checkouts: readonly number[], to: number): number {
  const times = [from, ...checkouts, to];
  let overdue = 0;
  for (let index = 1; index < times.length; index++) {
    overdue += Math.max(0, (times[index]! - times[index - 1]!) / DAY_MS - MAINTENANCE_MAX_DAYS);
  }
  return overdue;
}

/**
 * Reads the window's figures. Runs per day are read for the whole fleet even for one elevator:
 * the fleet median must not depend on who asks.
 */
export async function readFleetFigures(
  telemetry: TelemetryStore,
  tickets: TicketStore,
  now: number,
  only?: string,
): Promise<FleetFigures> {
  const from = now - WINDOW_DAYS * DAY_MS;
  const params = { ...windowParams(from, now), category: EQUIPMENT, ...(only === undefined ? {} : { only }) };
  const scoped = only === undefined ? WITHIN : ONE_ELEVATOR_WITHIN;
  // The first and last point of each elevator, not spread(): reading one point a series stays fast on a
  // year of a city's telemetry, where spread() scans every point (over 15 s for 21 million here).
  const [first, last, faults, checkouts] = await Promise.all([
    telemetry.query(`SELECT runs FROM telemetry WHERE ${WITHIN} GROUP BY elevator ORDER BY time ASC LIMIT 1`, params),
    telemetry.query(`SELECT runs FROM telemetry WHERE ${WITHIN} GROUP BY elevator ORDER BY time DESC LIMIT 1`, params),
    telemetry.query(
      `SELECT count(seq) AS faults FROM faults WHERE category = $category AND ${scoped} GROUP BY elevator, severity`,
      params,
    ),
    telemetry.query(
      `SELECT "action" FROM maintenance WHERE "action" = 'checkout' AND ${scoped} GROUP BY elevator`,
      params,
    ),
  ]).catch((error: unknown) => {
    throw new LiftwatchError('LW_ERR_INFLUX_UNAVAILABLE', 'InfluxDB did not answer the risk score’s queries', {
      cause: error,
    });
  });
  const firstRow = new Map([...rowsByElevator(first)].map(([id, rows]) => [id, rows[0]]));
  const lastRow = new Map([...rowsByElevator(last)].map(([id, rows]) => [id, rows[0]]));
  const firstSeen = new Map([...firstRow].map(([id, row]) => [id, timeOf(row)]));
  const lastSeen = new Map([...lastRow].map(([id, row]) => [id, timeOf(row)]));
  // `runs` is a cumulative counter; a counter reset in the window would make this negative.
  const runs = new Map(
    [...lastRow].map(([id, row]) => [id, Math.max(0, Number(row?.runs ?? 0) - Number(firstRow.get(id)?.runs ?? 0))]),
  );
  const observedDaysOf = (id: string) => {
    const start = firstSeen.get(id);
    const end = lastSeen.get(id);
    return start === undefined || end === undefined ? 0 : (end - start) / DAY_MS;
  };
  const runsPerDay = new Map<string, number>();
  for (const [id, count] of runs) {
    const days = observedDaysOf(id);
    if (days >= MIN_OBSERVED_DAYS) runsPerDay.set(id, count / days);
  }
  const fleetMedianRunsPerDay = median([...runsPerDay.values()]);

  const faultCounts = new Map<string, Record<FaultSeverity, number>>();
  for (const one of faults) {
    const id = one.tags.elevator;
    const severity = one.tags.severity as FaultSeverity | undefined;
    if (!id || !severity || !FAULT_SEVERITIES.includes(severity)) continue;
    const counts = faultCounts.get(id) ?? { critical: 0, major: 0, minor: 0, info: 0 };
    counts[severity] += Number(one.rows[0]?.faults ?? 0);
    faultCounts.set(id, counts);
  }
  const checkoutTimes = new Map(
    [...rowsByElevator(checkouts)].map(([id, rows]) => [id, rows.map(timeOf).filter((at) => at !== undefined)]),
  );
  const recurring = new Map<string, number>();
  for (const row of tickets.openedByElevatorAndRule(from, now)) {
    if (isRecurringRule(row.rule)) recurring.set(row.elevator, (recurring.get(row.elevator) ?? 0) + row.opened);
  }
  const asOf = shanghaiDate(now);

  return {
    from,
    to: now,
    fleetMedianRunsPerDay,
    observedDaysOf,
    figuresOf(elevator) {
      const visits = checkoutTimes.get(elevator.id) ?? [];
      // Watched since its first telemetry (or first check-out) in the window; unwatched, no verdict.
      const watchedFrom = firstSeen.get(elevator.id) ?? visits[0];
      return {
        ageYears: fullYears(elevator.installedOn, asOf),
        faults: faultCounts.get(elevator.id) ?? { critical: 0, major: 0, minor: 0, info: 0 },
        runs: runs.get(elevator.id) ?? null,
        runsPerDay: runsPerDay.get(elevator.id) ?? null,
        fleetMedianRunsPerDay,
        recurringTickets: recurring.get(elevator.id) ?? 0,
        overdueDays: watchedFrom === undefined ? null : overdueDays(watchedFrom, visits, now),
      };
    },
  };
}
