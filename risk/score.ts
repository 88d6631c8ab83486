import type { Elevator, ElevatorRisk, RiskPage } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import type { FleetFigures } from './figures.js';
import { riskFactors, scoreOf } from './formula.js';

const OBSERVED_DAYS_PLACES = 1;

/** One elevator's score with each factor's points and figures. */
export function riskOf(elevator: Elevator, fleet: FleetFigures): ElevatorRisk {
  const factors = riskFactors(fleet.figuresOf(elevator));
  return {
    elevator: elevator.id,
    district: elevator.district,
    useUnit: elevator.useUnit,
    insurer: elevator.insurer,
    score: scoreOf(factors),
    from: new Date(fleet.from).toISOString(),
    to: new Date(fleet.to).toISOString(),
    observedDays: Number(fleet.observedDaysOf(elevator.id).toFixed(OBSERVED_DAYS_PLACES)),
    factors,
  };
}

/** A page cursor: the last item's score and id, so the next page starts after it even if the ranking moved. */
const cursorOf = (risk: ElevatorRisk) => `${risk.score}:${risk.elevator}`;

function parseCursor(cursor: string): { score: number; elevator: string } {
  const colon = cursor.indexOf(':');
  const score = Number(cursor.slice(0, colon));
  if (colon < 0 || cursor.slice(0, colon) === '' || !Number.isFinite(score)) {
    throw new LiftwatchError('LW_ERR_VALIDATION', `Not a cursor of GET /api/risk: ${cursor}`);
  }
  return { score, elevator: cursor.slice(colon + 1) };
}

/** Highest score first, ties by elevator id; the page after `after`. */
export function rank(risks: readonly ElevatorRisk[], limit: number, after?: string): RiskPage {
  const ranked = [...risks].sort(
    (a, b) => b.score - a.score || (a.elevator < b.elevator ? -1 : a.elevator > b.elevator ? 1 : 0),
  );
  const start = after === undefined ? undefined : parseCursor(after);
  const rest =
    start === undefined
      ? ranked
      : ranked.filter(
          (risk) => risk.score < start.score || (risk.score === start.score && risk.elevator > start.elevator),
        );
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rest.length > limit && last ? cursorOf(last) : null };
}
