import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MAX_RECENT_FAULTS,
  elevatorIdSchema,
  elevatorRecentQuerySchema,
  elevatorRecentSchema,
  recentFaultSchema,
  type DoorDay,
  type ElevatorRecent,
  type RecentFault,
} from '../../contract/index.js';
import { durationParam, windowParams } from '../../influx/params.js';
import type { Series, TelemetryStore } from '../../influx/types.js';
import { LiftwatchError } from '../../lib/errors.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import type { Store } from '../../store/types.js';
import { inScope, principalOf, type Auth } from '../auth.js';

export interface ElevatorRecentRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
}

const DAY_MS = 86_400_000;
/** en-CA writes a date as YYYY-MM-DD, the ISO form the contract gives. */
const shanghaiDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });

/** One elevator's points of the days asked: statements take their values as parameters. */
const WHERE = 'elevator = $elevator AND time >= $from AND time <= $to';
const BY_DAY = 'GROUP BY time(1d, $dayOffset) fill(none)';

const rowsOf = (series: Series[]) => series.flatMap((one) => one.rows);
const numberOr = <T>(value: unknown, fallback: T): number | T => (typeof value === 'number' ? value : fallback);

/** `code` and `severity` are tags, so they come back as strings. */
const toFault = (row: Readonly<Record<string, unknown>>): RecentFault =>
  recentFaultSchema.parse({
    at: new Date(numberOr(row.time, 0)).toISOString(),
    code: Number(row.code),
    floor: numberOr(row.floor, null),
    severity: row.severity,
  });

/** What InfluxDB holds on one elevator: its newest faults and its door figures day by day. */
export async function recentOf(
  telemetry: TelemetryStore,
  elevator: string,
  days: number,
  now: number,
): Promise<ElevatorRecent> {
  const from = shanghaiMidnight(now) - (days - 1) * DAY_MS;
  // InfluxDB's day buckets start at UTC midnight plus an offset: this one makes them Shanghai days.
  const params = {
    elevator,
    ...windowParams(from, now),
    dayOffset: durationParam(((from % DAY_MS) + DAY_MS) % DAY_MS),
  };
  const [faults, doors, obstructed] = await Promise.all([
    telemetry.query(
      `SELECT floor, code, severity FROM faults WHERE ${WHERE} ORDER BY time DESC LIMIT ${MAX_RECENT_FAULTS}`,
      params,
    ),
    telemetry.query(
      `SELECT count(closeMs) AS cycles, mean(closeMs) AS meanCloseMs, sum(reopens) AS reopens FROM doors WHERE ${WHERE} ${BY_DAY}`,
      params,
    ),
    telemetry.query(
      `SELECT count(closeMs) AS obstructed FROM doors WHERE obstructed = true AND ${WHERE} ${BY_DAY}`,
      params,
    ),
  ]).catch((error: unknown) => {
    throw new LiftwatchError('LW_ERR_INFLUX_UNAVAILABLE', 'InfluxDB did not answer for this elevator', {
      cause: error,
    });
  });
  const doorRows = new Map(rowsOf(doors).map((row) => [row.time, row]));
  const obstructedRows = new Map(rowsOf(obstructed).map((row) => [row.time, row]));
  const doorDays: DoorDay[] = Array.from({ length: days }, (_, index) => {
    const start = from + index * DAY_MS;
    const row = doorRows.get(start);
    return {
      day: shanghaiDate.format(start),
      cycles: numberOr(row?.cycles, 0),
      meanCloseMs: numberOr(row?.meanCloseMs, null),
      reopens: numberOr(row?.reopens, 0),
      obstructed: numberOr(obstructedRows.get(start)?.obstructed, 0),
    };
  });
  return {
    elevator,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    faults: rowsOf(faults).map(toFault),
    doors: doorDays,
  };
}

/** `GET /api/elevators/:id/recent?days=`: for the console's ticket and elevator pages. */
export const elevatorRecentRoutes: FastifyPluginAsyncZod<ElevatorRecentRouteOptions> = async (
  app,
  { store, auth, telemetry },
) => {
  app.get(
    '/api/elevators/:id/recent',
    {
      preHandler: auth.allow('admin', 'regulator', 'insurer', 'use-unit'),
      schema: {
        params: z.object({ id: elevatorIdSchema }),
        querystring: elevatorRecentQuerySchema,
        response: { 200: elevatorRecentSchema },
      },
    },
    async (request) => {
      const elevator = store.elevators.get(request.params.id);
      if (!elevator || !inScope(principalOf(request), elevator)) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${request.params.id}`);
      }
      return recentOf(telemetry, elevator.id, request.query.days, Date.now());
    },
  );
};
