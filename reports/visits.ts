import { MAINTENANCE_KINDS, type Elevator, type Visit } from '../contract/index.js';
import { windowParams } from '../influx/params.js';
import type { QueryParams, TelemetryStore } from '../influx/types.js';
import { LiftwatchError } from '../lib/errors.js';
import type { Scope, Store } from '../store/types.js';

/**
 * Maintenance visits from InfluxDB's `maintenance` measurement: per elevator, in time order, a
 * check-in pairs with the message right after it when that is a check-out; a check-in followed
 * by another check-in, or by nothing yet, is an open visit. A check-out without a check-in
 * before it has no visit.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** A visit's check-out is looked for this long after the period, so a visit late in it still closes. */
const MAX_VISIT_MS = DAY_MS;
/** Durations are given to a tenth of a minute. */
const TENTHS = 10;

type Row = Readonly<Record<string, unknown>>;
type Kind = (typeof MAINTENANCE_KINDS)[number];

export interface VisitFilter {
  readonly from: number;
  readonly to: number;
  readonly elevator?: string | undefined;
}

/** Every registered elevator in the scope, page by page. */
export function elevatorsInScope(store: Store, scope: Scope): Elevator[] {
  const all: Elevator[] = [];
  let after: string | undefined;
  do {
    const page = store.elevators.list({ limit: 1000, after }, scope);
    all.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined);
  return all;
}

/** Runs InfluxQL, turning an unreachable InfluxDB into LW_ERR_INFLUX_UNAVAILABLE. */
export async function queryRows(telemetry: TelemetryStore, influxql: string, params: QueryParams) {
  try {
    return await telemetry.query(influxql, params);
  } catch (error) {
    throw new LiftwatchError('LW_ERR_INFLUX_UNAVAILABLE', 'InfluxDB did not answer for maintenance', { cause: error });
  }
}

const itemsOf = (value: unknown): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : []);

function visitOf(elevator: Elevator, checkIn: Row, checkOut: Row | undefined, minMinutes: number): Visit {
  const inAt = Number(checkIn.time);
  const outAt = checkOut === undefined ? null : Number(checkOut.time);
  const minutes = outAt === null ? null : Math.round(((outAt - inAt) / MINUTE_MS) * TENTHS) / TENTHS;
  const flagged = minutes !== null && minutes < minMinutes;
  return {
    elevator: elevator.id,
    useUnit: elevator.useUnit,
    insurer: elevator.insurer,
    technician: String(checkIn.technician),
    contractor: String(checkIn.visitContractor),
    kind: checkIn.kind as Kind,
    items: itemsOf(checkIn.items),
    status: outAt === null ? 'open' : 'closed',
    checkInAt: new Date(inAt).toISOString(),
    checkOutAt: outAt === null ? null : new Date(outAt).toISOString(),
    durationMinutes: minutes,
    flagged,
    flagReason: flagged ? `${minutes} minutes on site, under the minimum of ${minMinutes}` : null,
  };
}

/** Pairs one elevator's messages (oldest first); visits are those checked in before `to`. */
export function pairVisits(elevator: Elevator, rows: readonly Row[], to: number, minMinutes: number): Visit[] {
  const visits: Visit[] = [];
  rows.forEach((row, index) => {
    if (row.action !== 'checkin' || Number(row.time) >= to) return;
    const next = rows[index + 1];
    visits.push(visitOf(elevator, row, next?.action === 'checkout' ? next : undefined, minMinutes));
  });
  return visits;
}

/** The visits checked in within [from, to) of the elevators in scope, oldest first. */
export async function listVisits(
  telemetry: TelemetryStore,
  elevators: ReadonlyMap<string, Elevator>,
  { from, to, elevator }: VisitFilter,
  minMinutes: number,
): Promise<Visit[]> {
  const series = await queryRows(
    telemetry,
    `SELECT "action", technician, visitContractor, kind, items FROM maintenance WHERE time >= $from AND time < $to${elevator === undefined ? '' : ' AND elevator = $elevator'} GROUP BY elevator`,
    { ...windowParams(from, to + MAX_VISIT_MS), ...(elevator === undefined ? {} : { elevator }) },
  );
  return series
    .flatMap((one) => {
      const registered = elevators.get(one.tags.elevator ?? '');
      return registered ? pairVisits(registered, one.rows, to, minMinutes) : [];
    })
    .sort((a, b) => a.checkInAt.localeCompare(b.checkInAt) || a.elevator.localeCompare(b.elevator));
}

/** Each elevator's check-out times (oldest first) in [from, to). */
export async function checkoutsByElevator(
  telemetry: TelemetryStore,
  from: number,
  to: number,
): Promise<Map<string, number[]>> {
  const series = await queryRows(
    telemetry,
    `SELECT "action" FROM maintenance WHERE "action" = 'checkout' AND time >= $from AND time < $to GROUP BY elevator`,
    windowParams(from, to),
  );
  return new Map(series.map((one) => [one.tags.elevator ?? '', one.rows.map((row) => Number(row.time))]));
}
