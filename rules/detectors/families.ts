import type { FaultCode } from '../../contract/index.js';

export interface SymptomFamily {
  /** Its place in each elevator's state. */
  readonly index: number;
  readonly id: string;
  /** The fault codes it counts; none for door timing, counted from the doors topic. */
  readonly codes: readonly FaultCode[];
  /** What a ticket calls its events, in the plural. */
  readonly what: string;
  /**
   * The documented fleet rate a new fleet starts from, per counted day, until the fleet's own
   * data outweighs it: a healthy lift shows a door fault about once a month, levelling errors a
   * little less often, each of the sparse equipment faults about once a year or less, and a door
   * cycle with a reopen or a slow close about a dozen times a day (one run in 20 of 240).
   */
  readonly fleetPrior: number;
}

const PER_YEAR = 1 / 365.25;

/** The symptom families (docs/rules.md): each has one detector rule, one baseline and one ticket per elevator. */
export const FAMILIES = [
  { id: 'door-faults', codes: [2, 3], what: 'door faults', fleetPrior: 10 * PER_YEAR },
  { id: 'door-lock', codes: [100], what: 'door-lock circuit openings', fleetPrior: 1 * PER_YEAR },
  { id: 'safety-circuit', codes: [1], what: 'safety circuit openings', fleetPrior: 1 * PER_YEAR },
  {
    id: 'position',
    codes: [4, 7],
    what: 'stops outside the door zone or lost floors',

    fleetPrior: 1 * PER_YEAR,
  },
  { id: 'brake', codes: [103], what: 'brake faults', fleetPrior: 0.5 * PER_YEAR },
  {
    id: 'runtime-limiter',
    codes: [6],
    what: 'run-time limiter trips',

    fleetPrior: 0.5 * PER_YEAR,
  },
  { id: 'levelling', codes: [102], what: 'levelling errors', fleetPrior: 8 * PER_YEAR },
  {
    id: 'door-timing',
    codes: [],
    what: 'door cycles with a reopen or a slow close',
    fleetPrior: 12,
  },
].map((family, index) => ({ ...family, index })) as readonly SymptomFamily[];

export const familyNamed = (id: string): SymptomFamily => {
  const family = FAMILIES.find((candidate) => candidate.id === id);
  if (!family) throw new Error(`no symptom family ${id}`);
  return family;
};

/** The family a fault code belongs to, by code. */
export const FAMILY_OF_CODE: ReadonlyMap<number, SymptomFamily> = new Map(
  FAMILIES.flatMap((family) => family.codes.map((code) => [code as number, family] as const)),
);
