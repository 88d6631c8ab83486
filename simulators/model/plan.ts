import type { ElevatorRegistration } from '../../contract/index.js';
import { DEGRADATIONS, type DegradationName } from '../degradations.js';
import { PROFILES, type ProfileName } from '../profiles.js';
import { Random } from '../random.js';
import type { Contractor, Scenario } from '../scenario.js';

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;
const MINUTE_MS = 60_000;
const DISTRICTS = ['渝中区', '江北区', '沙坪坝区', '九龙坡区', '南岸区', '渝北区', '巴南区'] as const;
const INSURERS = ['INS-PICC', 'INS-CPIC', 'INS-PINGAN'] as const;
const ELEVATORS_PER_USE_UNIT = 4;
const RESIDENTS = { min: 40, max: 400 } as const;
const ROPE_BENDS_PER_TRIP = [2, 6] as const;
const DOOR_CLOSE_MS = [2800, 3400] as const;
const DOOR_OPEN_MS = [2400, 3200] as const;
/** Where on the counters an elevator of a given age starts: its trips so far, give or take. */
const COUNTER_SPREAD = [0.7, 1.1] as const;

export interface PlannedDegradation {
  readonly kind: DegradationName;
  readonly onset: number;
  readonly minorStart: number;
  readonly failure: number;
  /** The landing where one-landing symptoms happen. */
  readonly landing: number;
}

/** One of the scenario's incidents, as it happens to this elevator. */
export interface PlannedIncident {
  readonly kind: Scenario['incidents'][number]['kind'];
  readonly at: number;
  readonly minutes: number | undefined;
}

/** Everything fixed about one simulated elevator, drawn from the scenario and its seed. */
export interface ElevatorPlan {
  readonly index: number;
  readonly id: string;
  readonly registration: ElevatorRegistration;
  readonly profile: ProfileName;
  readonly floors: number;
  readonly dailyTrips: number;
  readonly ratedSpeedMps: number;
  readonly ropeBendsPerTrip: number;
  readonly baseCloseMs: number;
  readonly baseOpenMs: number;
  readonly contractor: Contractor;
  /** Telemetry goes out at this offset within each simulated minute. */
  readonly telemetryOffsetMs: number;
  readonly counters: { runs: number; runSeconds: number; doorCycles: number; ropeBends: number };
  readonly degradations: readonly PlannedDegradation[];
  /** In time order. */
  readonly incidents: readonly PlannedIncident[];
}

export const elevatorId = (prefix: string, index: number) => `${prefix}-${String(index + 1).padStart(6, '0')}`;

const range = (random: Random, [min, max]: readonly [number, number]) => random.uniform(min, max);

function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Plans elevator `index` of the scenario; the same scenario and index always give the same plan. */
export function planElevator(scenario: Scenario, index: number): ElevatorPlan {
  const random = Random.for(scenario.seed, index, 0);
  const profileWeights = Object.entries(scenario.fleet.profiles) as Array<[ProfileName, number]>;
  const [profileName] = random.weighted(profileWeights, ([, weight]) => weight);
  const profile = PROFILES[profileName];
  const floors = random.int(...profile.floors);
  const dailyTrips = Math.round(range(random, profile.dailyTrips));
  const ageYears = range(random, scenario.fleet.ageYears);
  const contractor = random.weighted(scenario.contractors, (candidate) => candidate.share);
  const id = elevatorId(scenario.fleet.idPrefix, index);
  const tripsSoFar = dailyTrips * YEAR_DAYS * ageYears * range(random, COUNTER_SPREAD);
  const ropeBendsPerTrip = random.int(...ROPE_BENDS_PER_TRIP);
  const ratedSpeedMps = Math.round(range(random, profile.speedMps) * 100) / 100;
  const meanTripSeconds = 6 + floors / 3 / ratedSpeedMps;

  const degradations = scenario.degradations.flatMap((spec): PlannedDegradation[] => {
    if (!random.chance(spec.share)) return [];
    const kind = DEGRADATIONS[spec.kind];
    const onset = scenario.fromMs + range(random, spec.onsetDays) * DAY_MS;
    const minorStart = onset + range(random, spec.latentDays ?? kind.latentDays) * DAY_MS;
    const failure = minorStart + range(random, spec.minorDays ?? kind.minorDays) * DAY_MS;
    const round = (ms: number) => Math.round(ms / 1000) * 1000;
    return [
      {
        kind: spec.kind,
        onset: round(onset),
        minorStart: round(minorStart),
        failure: round(failure),
        landing: random.int(1, floors),
      },
    ];
  });

  return {
    index,
    id,
    registration: {
      id,
      district: random.pick(DISTRICTS),
      useUnit: `UU-${String(Math.floor(index / ELEVATORS_PER_USE_UNIT) + 1).padStart(5, '0')}`,
      insurer: random.pick(INSURERS),
      contractor: contractor.id,
      installedOn: isoDate(scenario.fromMs - ageYears * YEAR_DAYS * DAY_MS),
      residentsServed: random.int(RESIDENTS.min, RESIDENTS.max),
    },
    profile: profileName,
    floors,
    dailyTrips,
    ratedSpeedMps,
    ropeBendsPerTrip,
    baseCloseMs: random.int(...DOOR_CLOSE_MS),
    baseOpenMs: random.int(...DOOR_OPEN_MS),
    contractor,
    telemetryOffsetMs: random.int(0, MINUTE_MS / 1000 - 1) * 1000,
    counters: {
      runs: Math.round(tripsSoFar),
      runSeconds: Math.round(tripsSoFar * meanTripSeconds),
      doorCycles: Math.round(tripsSoFar * 1.05),
      ropeBends: Math.round(tripsSoFar * ropeBendsPerTrip),
    },
    degradations,
    incidents: scenario.incidents
      .filter((incident) => incident.elevators.includes(index + 1))
      .map(({ kind, atDays, minutes }) => ({ kind, at: Math.round(scenario.fromMs + atDays * DAY_MS), minutes }))
      .sort((a, b) => a.at - b.at),
  };
}
