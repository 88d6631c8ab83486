import { MAINTENANCE_MAX_DAYS, type Elevator, type OverdueElevator, type OverdueList } from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import { DAY_MS, checkoutsByElevator } from './visits.js';

/** How far back a check-out is looked for; an elevator with none in that time is overdue without a date. */
const LOOKBACK_DAYS = 2 * MAINTENANCE_MAX_DAYS;

/**
 * Elevators overdue for maintenance at `asOf`: more than 15 days since their last check-out
 * (exactly 15 days is still on time), grouped per use unit.
 */
export async function overdueByUseUnit(
  telemetry: TelemetryStore,
  elevators: readonly Elevator[],
  asOf: number,
): Promise<OverdueList> {
  // The end is exclusive: a check-out at `asOf` itself counts.
  const checkouts = await checkoutsByElevator(telemetry, asOf - LOOKBACK_DAYS * DAY_MS, asOf + 1);
  const useUnits = new Map<string, OverdueElevator[]>();
  for (const elevator of elevators) {
    const last = checkouts.get(elevator.id)?.at(-1);
    if (last !== undefined && asOf - last <= MAINTENANCE_MAX_DAYS * DAY_MS) continue;
    const row = {
      elevator: elevator.id,
      contractor: elevator.contractor,
      lastCheckOutAt: last === undefined ? null : new Date(last).toISOString(),
      daysSince: last === undefined ? null : Math.floor((asOf - last) / DAY_MS),
    };
    const group = useUnits.get(elevator.useUnit);
    if (group) group.push(row);
    else useUnits.set(elevator.useUnit, [row]);
  }
  return {
    asOf: new Date(asOf).toISOString(),
    maxDays: MAINTENANCE_MAX_DAYS,
    useUnits: [...useUnits]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([useUnit, rows]) => ({ useUnit, elevators: rows })),
  };
}
