import type { Elevator } from '../contract/index.js';
import { oneOfParam, timeParam } from '../influx/params.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import type { ElevatorStore } from '../store/types.js';
import type { EngineEvent, RulesEngine } from './engine.js';

const DAY_MS = 86_400_000;
/**
 * How far back the engine's memory is rebuilt after a restart: the 30 days of faults the rules
 * read, and the detectors' baselines, which learn from a longer past (a 60-day half-life by default).
 */
export const REBUILD_DAYS = 90;

const BETWEEN = 'time >= $from AND time < $to';
const ELEVATORS_BETWEEN = `${BETWEEN} AND elevator =~ $elevators` as const;

const time = (row: Readonly<Record<string, unknown>>) => Number(row.time);

/**
 * How door cycles come back: each one (a backtest's judged days), or one summary per elevator and
 * day (the days a rebuild or a backtest only learns from: a city's door cycles are too many to
 * read one by one at each start).
 */
export type DoorDetail = 'each' | 'daily';

/**
 * Faults, maintenance steps, each elevator's last telemetry of the period (its mode and runs
 * counter, at its time) and its door cycles in [from, to), as engine events in time order. Read a
 * day at a time, the telemetry gives the detectors their runs day by day.
 */
export async function eventsBetween(
  telemetry: TelemetryStore,
  from: number,
  to: number,
  elevators?: readonly string[],
  doors: DoorDetail = 'daily',
): Promise<Array<[string, EngineEvent]>> {
  const only = elevators !== undefined && elevators.length > 0;
  const range = only ? ELEVATORS_BETWEEN : BETWEEN;
  const params = { from: timeParam(from), to: timeParam(to), ...(only ? { elevators: oneOfParam(elevators) } : {}) };
  const [faults, visits, modes, cycles, reopened, closes] = await Promise.all([
    telemetry.query(`SELECT elevator, code, floor, seq FROM faults WHERE ${range}`, params),
    telemetry.query(`SELECT elevator, "action" FROM maintenance WHERE ${range}`, params),
    telemetry.query(`SELECT last(runs) AS runs, mode FROM telemetry WHERE ${range} GROUP BY elevator`, params),
    doors === 'each'
      ? telemetry.query(`SELECT elevator, floor, seq, closeMs, reopens FROM doors WHERE ${range}`, params)
      : Promise.resolve([]),
    doors === 'daily'
      ? telemetry.query(
          `SELECT count(closeMs) AS reopened FROM doors WHERE reopens > 0 AND ${range} GROUP BY elevator`,
          params,
        )
      : Promise.resolve([]),
    doors === 'daily'
      ? telemetry.query(
          `SELECT median(closeMs) AS closeMs, count(closeMs) AS closes FROM doors WHERE reopens = 0 AND ${range} GROUP BY elevator`,
          params,
        )
      : Promise.resolve([]),
  ]);
  const events: Array<[string, EngineEvent]> = [];
  for (const row of faults.flatMap((series) => series.rows)) {
    const at = time(row);
    events.push([
      String(row.elevator),
      { type: 'fault', at, seq: Number(row.seq), code: Number(row.code), floor: Number(row.floor) },
    ]);
  }
  for (const row of visits.flatMap((series) => series.rows)) {
    events.push([String(row.elevator), { type: row.action === 'checkin' ? 'checkin' : 'checkout', at: time(row) }]);
  }
  for (const row of cycles.flatMap((series) => series.rows)) {
    const { floor, seq, closeMs, reopens } = row;
    events.push([
      String(row.elevator),
      {
        type: 'door',
        at: time(row),
        seq: Number(seq),
        floor: Number(floor),
        closeMs: Number(closeMs),
        reopens: Number(reopens),
      },
    ]);
  }
  // A day's summaries come at its end, after what happened in it.
  const end = to - 1;
  const closesOf = new Map(closes.map((series) => [series.tags.elevator, series.rows[0]]));
  const summarised = new Set([...reopened, ...closes].map((series) => series.tags.elevator));
  const reopenedOf = new Map(reopened.map((series) => [series.tags.elevator, Number(series.rows[0]?.reopened ?? 0)]));
  for (const elevator of summarised) {
    if (!elevator) continue;
    const close = closesOf.get(elevator);
    events.push([
      elevator,
      {
        type: 'doors-day',
        at: end,
        reopened: reopenedOf.get(elevator) ?? 0,
        closeMs: close?.closeMs === null || close?.closeMs === undefined ? null : Number(close.closeMs),
        closes: Number(close?.closes ?? 0),
      },
    ]);
  }
  for (const series of modes) {
    const row = series.rows[0];
    if (!row || !series.tags.elevator) continue;
    const runs = row.runs === null || row.runs === undefined ? undefined : Number(row.runs);
    events.push([
      series.tags.elevator,
      { type: 'mode', at: time(row), mode: Number(row.mode), ...(runs === undefined ? {} : { runs }) },
    ]);
  }
  return events.sort((a, b) => a[1].at - b[1].at);
}

/** The registry's elevators, each looked up once. */
export function registryLookup(elevators: ElevatorStore): (id: string) => Elevator | undefined {
  const known = new Map<string, Elevator | undefined>();
  return (id) => {
    if (!known.has(id)) known.set(id, elevators.get(id));
    return known.get(id);
  };
}

/**
 * After a restart, rebuilds the engine's memory of each elevator from what InfluxDB holds, a
 * day at a time over the last REBUILD_DAYS, without judging it again: the faults and
 * maintenance the rules read, and the detectors' baselines and tests (with each day's runs and
 * door-cycle summaries). A rule that needed three faults then fires on the third, even if two
 * came before; an elevator's usual rate is what it was.
 */
export async function rebuildFromHistory(
  engine: RulesEngine,
  telemetry: TelemetryStore,
  elevators: ElevatorStore,
  logger: Logger,
  now = Date.now(),
) {
  const registered = registryLookup(elevators);
  let events = 0;
  for (let from = now - REBUILD_DAYS * DAY_MS; from < now; from += DAY_MS) {
    for (const [id, event] of await eventsBetween(telemetry, from, Math.min(from + DAY_MS, now))) {
      const elevator = registered(id);
      if (!elevator) continue;
      engine.replayHistory(event, elevator);
      events++;
    }
  }
  logger.info({ events }, 'rules engine memory rebuilt from InfluxDB');
  return { events };
}
