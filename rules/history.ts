import { oneOfParam, timeParam } from '../influx/params.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import type { EngineEvent, RulesEngine } from './engine.js';
import { HISTORY_DAYS } from './types.js';

const DAY_MS = 86_400_000;

const BETWEEN = 'time >= $from AND time < $to';
const ELEVATORS_BETWEEN = `${BETWEEN} AND elevator =~ $elevators` as const;

const time = (row: Readonly<Record<string, unknown>>) => Number(row.time);

/** Faults and maintenance steps in [from, to), as engine events in time order. */
export async function eventsBetween(
  telemetry: TelemetryStore,
  from: number,
  to: number,
  elevators?: readonly string[],
): Promise<Array<[string, EngineEvent]>> {
  const only = elevators !== undefined && elevators.length > 0;
  const range = only ? ELEVATORS_BETWEEN : BETWEEN;
  const params = { from: timeParam(from), to: timeParam(to), ...(only ? { elevators: oneOfParam(elevators) } : {}) };
  const [faults, visits] = await Promise.all([
    telemetry.query(`SELECT elevator, code, floor, seq FROM faults WHERE ${range}`, params),
    telemetry.query(`SELECT elevator, "action" FROM maintenance WHERE ${range}`, params),
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
  return events.sort((a, b) => a[1].at - b[1].at);
}

/**
 * After a restart, rebuilds the engine's memory of each elevator from what InfluxDB holds (the
 * last HISTORY_DAYS of faults and maintenance, and the last service mode), without judging it
 * again. A rule that needed three faults then fires on the third, even if two came before.
 */
export async function rebuildFromHistory(
  engine: RulesEngine,
  telemetry: TelemetryStore,
  logger: Logger,
  now = Date.now(),
) {
  let events = 0;
  for (let from = now - HISTORY_DAYS * DAY_MS; from < now; from += DAY_MS) {
    for (const [elevator, event] of await eventsBetween(telemetry, from, from + DAY_MS)) {
      engine.replayHistory(event, elevator);
      events++;
    }
  }
  const modes = await telemetry.query('SELECT last(mode) AS mode FROM telemetry GROUP BY elevator');
  for (const series of modes) {
    const row = series.rows[0];
    if (row && series.tags.elevator) {
      engine.replayHistory({ type: 'mode', at: time(row), mode: Number(row.mode) }, series.tags.elevator);
    }
  }
  logger.info({ events, elevators: modes.length }, 'rules engine memory rebuilt from InfluxDB');
  return { events };
}
