import type { Elevator, ElevatorSymptoms } from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { shanghaiDate, shanghaiMidnight } from '../lib/shanghai.js';
import { openScratchStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { twoDigits } from './detectors/explain.js';
import { FAMILIES, FAMILY_OF_CODE } from './detectors/families.js';
import { RulesEngine } from './engine.js';
import { eventsBetween, REBUILD_DAYS } from './history.js';

const DAY_MS = 86_400_000;
/** Days of history asked of InfluxDB at once (each is a few queries), then fed to the replay in order. */
const PARALLEL_DAYS = 8;
/** A day's counted share, to the percent. */
const SHARE_DIGITS = 2;
const DOOR_TIMING = FAMILIES.find((family) => family.codes.length === 0);

const zeros = (days: number) => Array.from({ length: days }, () => 0);
const bump = (counts: number[], day: number, events: number) => {
  counts[day] = (counts[day] ?? 0) + events;
};

/**
 * One elevator's symptoms day by day over the `days` Shanghai days up to `now`, as its detectors
 * see them: its history in InfluxDB (REBUILD_DAYS before the window, learned from, then the
 * window) is fed through a rules engine of its own with the detectors only, into a scratch store,
 * as a detector's backtest is. Each day keeps the events the engine counted (neither in a visit
 * or inspection nor in a power cut: the engine's own circumstances decide), the family's events it
 * set aside, the share of the day it counted, and the baseline at the day's end. The elevator's
 * overrides apply; its peers are the fleet's documented rates and itself (docs/rules.md).
 */
export async function symptomsOf(
  { store, telemetry, logger }: { store: Store; telemetry: TelemetryStore; logger: Logger },
  elevator: Elevator,
  days: number,
  now: number,
): Promise<ElevatorSymptoms> {
  const from = shanghaiMidnight(now) - (days - 1) * DAY_MS;
  const starts = Array.from({ length: REBUILD_DAYS + days }, (_, index) => from + (index - REBUILD_DAYS) * DAY_MS);
  const dayOf = (at: number) => Math.floor((at - from) / DAY_MS);
  // Per family (by index): the events counted, all its events, the baseline at each day's end.
  const series = FAMILIES.map(() => ({
    counted: zeros(days),
    all: zeros(days),
    usual: Array.from({ length: days }, (): number | null => null),
  }));
  const shares = zeros(days);
  const scratch = openScratchStore();
  try {
    const engine = new RulesEngine({
      // The elevator's overrides are the real store's; what the replay opens goes to the scratch
      // store. No shadow store: the chart is the live rules'.
      store: { elevators: scratch.elevators, ruleConfigs: store.ruleConfigs, tickets: scratch.tickets },
      logger,
      rules: [],
      elevators: 1,
      now: () => new Date(now),
      onCounted: (_elevator, family, events, at) => {
        const day = dayOf(at);
        const counted = series[family.index]?.counted;
        if (day >= 0 && counted) bump(counted, day, events);
      },
    });
    let countedBefore = 0;
    for (let batch = 0; batch < starts.length; batch += PARALLEL_DAYS) {
      const chunk = starts.slice(batch, batch + PARALLEL_DAYS);
      const read = await Promise.all(
        chunk.map((start) => eventsBetween(telemetry, start, Math.min(start + DAY_MS, now), [elevator.id], 'daily')),
      ).catch((error: unknown) => {
        throw new LiftwatchError('LW_ERR_INFLUX_UNAVAILABLE', 'InfluxDB did not answer for this elevator', {
          cause: error,
        });
      });
      for (const [offset, events] of read.entries()) {
        const start = chunk[offset] as number;
        const end = Math.min(start + DAY_MS, now);
        const day = dayOf(start);
        for (const [, event] of events) {
          if (day < 0) {
            engine.replayHistory(event, elevator);
            continue;
          }
          engine.judge(event, elevator);
          const family =
            event.type === 'fault'
              ? FAMILY_OF_CODE.get(event.code)
              : event.type === 'doors-day'
                ? DOOR_TIMING
                : undefined;
          const all = family && series[family.index]?.all;
          if (all) bump(all, day, event.type === 'doors-day' ? event.reopened : 1);
        }
        const countedDays = engine.countedDaysOf(elevator, end) ?? 0;
        if (day >= 0) {
          shares[day] = Math.min(1, Math.max(0, (countedDays - countedBefore) / ((end - start) / DAY_MS)));
          for (const family of FAMILIES) {
            const baseline = engine.baselineOf(elevator, family.id);
            const usual = series[family.index]?.usual;
            if (usual) usual[day] = baseline ? twoDigits(baseline.mean) : null;
          }
        }
        countedBefore = countedDays;
      }
    }
  } finally {
    scratch.close();
  }
  return {
    elevator: elevator.id,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    days: shares.map((share, index) => ({
      day: shanghaiDate(from + index * DAY_MS),
      countedShare: Number(share.toFixed(SHARE_DIGITS)),
    })),
    families: FAMILIES.map((family, index) => {
      const { counted, all, usual } = series[index] as (typeof series)[number];
      return {
        family: family.id,
        counted,
        setAside: all.map((events, day) => Math.max(0, events - (counted[day] ?? 0))),
        usualPerDay: usual,
      };
    }),
  };
}
