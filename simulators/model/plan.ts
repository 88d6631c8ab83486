import type { ElevatorRegistration, FaultCode } from '../../contract/index.js';
import {
  BACKGROUND_FAULTS,
  DEGRADATIONS,
  PASSENGER_DOOR_FAULTS,
  SYMPTOM_INTENSITY_SIGMA,
  SYMPTOM_STEEPNESS,
  type DegradationName,
} from '../degradations.js';
import { PROFILES, type ProfileName } from '../profiles.js';
import { Random } from '../random.js';
import type { Contractor, Scenario } from '../scenario.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const YEAR_DAYS = 365;
const DAYS_PER_MONTH = 30;
const MINUTE_MS = 60_000;
/** Independent random streams of one member of a run: its plan, its model (elevator.ts), its own noise, its building's, the city's weather. */
const STREAMS = { plan: 0, noise: 2, building: 3, weather: 4 } as const;
/** A mains power cut lasts this many minutes. */
export const POWER_OFF_MINUTES = [10, 180] as const;
/** The background rates hold for a lift making this many trips a day; busier ones fault more, as the square root. */
const TYPICAL_DAILY_TRIPS = 500;
/** Door cycles a trip: one, and the odd reopen. */
const CYCLES_PER_TRIP = 1.05;
/** Background rates hold at this age; every AGEING_YEARS more multiply the age factor by e (fewer divide it). */
const REFERENCE_AGE_YEARS = 10;
const AGEING_YEARS = 12;
/** How much lifts alike still differ (coefficient of variation of their factors at noise.spread 1). */
const PASSENGER_SPREAD = 1.1;
const EQUIPMENT_SPREAD = 0.8;
/** A lift's weekend usage against its profile's: some offices open on Saturdays, some estates empty out. */
const WEEKEND_JITTER = [0.6, 1.4] as const;
/** A day of passenger abuse or moving: how long, and how many faults (at least the minimum, on average the mean). */
const ABUSE_HOURS = [2, 30] as const;
const ABUSE_FAULTS = { min: 4, mean: 12, spread: 0.7 } as const;
/** A storm: how long; the share of lifts exposed to its damp, how many faults an exposed one shows, how late. */
const STORM_HOURS = [4, 20] as const;
const STORM_SEVERITY_SPREAD = 0.8;
const DAMP_EXPOSED_SHARE = 0.3;
const DAMP_FAULTS = { mean: 3, spread: 0.8 } as const;
const DAMP_DELAY_HOURS = [0, 3] as const;
/** Share of exposed lifts whose damp landing is the ground floor (rain at the entrance); the rest a pit or a roof landing. */
const DAMP_GROUND_FLOOR_SHARE = 0.7;
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
  /** Multiplies the kind's peak symptom rates: this degradation's own. */
  readonly intensity: number;
  /** How late its symptoms come (symptomShape). */
  readonly steepness: number;
}

/** One of the scenario's incidents, or a power cut its rates drew, as it happens to this elevator. */
export interface PlannedIncident {
  readonly kind: Scenario['incidents'][number]['kind'];
  readonly at: number;
  readonly minutes: number | undefined;
  /**
   * Drawn from the scenario's rates (its building's power cuts): it may trap someone, and a car
   * not in normal service then does not see it. A scenario's own incident waits for normal service.
   */
  readonly fromRates: boolean;
}

/** A burst of faults on a healthy lift, not wear: passengers abusing it, a storm's damp. */
export interface PlannedNuisance {
  readonly kind: 'passenger-abuse' | 'damp';
  readonly start: number;
  readonly end: number;
  readonly faults: number;
  /** The landing of its one-landing faults. */
  readonly landing: number;
}

/** Everything fixed about one simulated elevator, drawn from the scenario and its seed. */
export interface ElevatorPlan {
  readonly index: number;
  readonly id: string;
  readonly registration: ElevatorRegistration;
  readonly profile: ProfileName;
  readonly floors: number;
  /** Trips on an average weekday (its profile's hours, its weekend factor and each day's own swing vary them). */
  readonly dailyTrips: number;
  readonly weekendFactor: number;
  readonly ageYears: number;
  /** Its passengers against the profile's typical ones (mean 1): door faults per cycle, days of abuse. */
  readonly passengers: number;
  /**
   * Its own background faults, expected per average weekday: passengers' door faults by its door
   * cycles, the equipment's by its age, usage and its own factors. The model spreads them over
   * its busy hours and lets them drift from week to week.
   */
  readonly background: ReadonlyArray<{ readonly code: FaultCode; readonly perDay: number }>;
  /** In time order. */
  readonly nuisance: readonly PlannedNuisance[];
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

interface Storm {
  readonly start: number;
  readonly hours: number;
  /** How much damp it brings (mean 1): a drizzle, a downpour. */
  readonly severity: number;
}

const storms = new WeakMap<Scenario, readonly Storm[]>();

/** The run's storm days, city-wide: the same for every elevator of the scenario. */
function stormsOf(scenario: Scenario): readonly Storm[] {
  let found = storms.get(scenario);
  if (!found) {
    const random = Random.for(scenario.seed, 0, STREAMS.weather);
    const days = scenario.duration / DAY_MS;
    const count = random.poisson((scenario.noise.stormDaysPerMonth / DAYS_PER_MONTH) * days);
    found = Array.from({ length: count }, () => ({
      start: Math.round(scenario.fromMs + random.uniform(0, scenario.duration)),
      hours: range(random, STORM_HOURS),
      severity: random.factor(STORM_SEVERITY_SPREAD),
    }));
    storms.set(scenario, found);
  }
  return found;
}

/**
 * The power cuts of the building (the use unit) the elevator stands in, drawn from the rates:
 * mains cuts at `powerOffsPerYear`, and on storm days more; each the same for its lifts.
 */
function buildingPowerCuts(scenario: Scenario, building: number): PlannedIncident[] {
  const random = Random.for(scenario.seed, building, STREAMS.building);
  const cut = (at: number): PlannedIncident => ({
    kind: 'power-off',
    at: Math.round(at),
    minutes: Math.round(range(random, POWER_OFF_MINUTES)),
    fromRates: true,
  });
  const count = random.poisson((scenario.powerOffsPerYear * scenario.duration) / (YEAR_DAYS * DAY_MS));
  const cuts = Array.from({ length: count }, () => cut(scenario.fromMs + random.uniform(0, scenario.duration)));
  for (const storm of stormsOf(scenario)) {
    if (random.chance(scenario.noise.stormPowerCutChance))
      cuts.push(cut(storm.start + random.uniform(0, storm.hours) * HOUR_MS));
  }
  return cuts;
}

/** The age factor: 1 at REFERENCE_AGE_YEARS, e times more every AGEING_YEARS beyond (times the scenario's ageing). */
const ageFactor = (scenario: Scenario, ageYears: number) =>
  Math.exp((scenario.noise.ageing * (ageYears - REFERENCE_AGE_YEARS)) / AGEING_YEARS);

/** Plans elevator `index` of the scenario; the same scenario and index always give the same plan. */
export function planElevator(scenario: Scenario, index: number): ElevatorPlan {
  const random = Random.for(scenario.seed, index, STREAMS.plan);
  // Draws added after the first version come from their own stream, so the plans' earlier draws stay as they were.
  const own = Random.for(scenario.seed, index, STREAMS.noise);
  const { noise } = scenario;
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
        intensity: spec.intensity * own.logNormal(SYMPTOM_INTENSITY_SIGMA),
        steepness: range(own, SYMPTOM_STEEPNESS),
      },
    ];
  });

  const passengers = own.factor(PASSENGER_SPREAD * noise.spread);
  const weekendFactor = profile.weekendFactor * range(own, WEEKEND_JITTER);
  const doorPerDay =
    ((dailyTrips * CYCLES_PER_TRIP * profile.doorFaultsPer1000Cycles) / 1000) *
    noise.passengers *
    passengers *
    scenario.backgroundFaults;
  const familyFactors = new Map<string, number>();
  for (const { family } of BACKGROUND_FAULTS) {
    if (!familyFactors.has(family)) familyFactors.set(family, own.factor(EQUIPMENT_SPREAD * noise.spread));
  }
  const aged = ageFactor(scenario, ageYears);
  const usage = Math.sqrt(dailyTrips / TYPICAL_DAILY_TRIPS);
  const background = [
    ...PASSENGER_DOOR_FAULTS.map(({ code, share: part }) => ({ code, perDay: doorPerDay * part })),
    ...BACKGROUND_FAULTS.map(({ code, perDay, family, ageing }) => ({
      code,
      perDay: perDay * aged ** ageing * (familyFactors.get(family) as number) * usage * scenario.backgroundFaults,
    })),
  ];

  const years = scenario.duration / (YEAR_DAYS * DAY_MS);
  const abuseDays = own.poisson(
    profile.abuseDaysPerYear * noise.passengers * Math.sqrt(passengers) * scenario.backgroundFaults * years,
  );
  const nuisance: PlannedNuisance[] = Array.from({ length: abuseDays }, () => {
    const start = Math.round(scenario.fromMs + own.uniform(0, scenario.duration));
    return {
      kind: 'passenger-abuse' as const,
      start,
      end: start + Math.round(range(own, ABUSE_HOURS) * HOUR_MS),
      faults: Math.max(ABUSE_FAULTS.min, Math.round(ABUSE_FAULTS.mean * own.factor(ABUSE_FAULTS.spread))),
      landing: own.int(1, floors),
    };
  });
  const exposed = own.chance(DAMP_EXPOSED_SHARE);
  const susceptibility = own.factor(DAMP_FAULTS.spread);
  const dampLanding = own.chance(DAMP_GROUND_FLOOR_SHARE) ? 1 : own.int(1, floors);
  for (const storm of exposed && scenario.backgroundFaults > 0 ? stormsOf(scenario) : []) {
    const start = Math.round(storm.start + range(own, DAMP_DELAY_HOURS) * HOUR_MS);
    const faults = own.poisson(DAMP_FAULTS.mean * susceptibility * storm.severity * scenario.backgroundFaults);
    if (faults > 0)
      nuisance.push({
        kind: 'damp',
        start,
        end: start + Math.round(storm.hours * HOUR_MS),
        faults,
        landing: dampLanding,
      });
  }
  nuisance.sort((a, b) => a.start - b.start);

  const building = Math.floor(index / ELEVATORS_PER_USE_UNIT);
  const incidents: PlannedIncident[] = [
    ...scenario.incidents
      .filter((incident) => incident.elevators.includes(index + 1))
      .map(({ kind, atDays, minutes }) => ({
        kind,
        at: Math.round(scenario.fromMs + atDays * DAY_MS),
        minutes,
        fromRates: false,
      })),
    ...buildingPowerCuts(scenario, building),
  ];

  return {
    index,
    id,
    registration: {
      id,
      district: random.pick(DISTRICTS),
      useUnit: `UU-${String(building + 1).padStart(5, '0')}`,
      insurer: random.pick(INSURERS),
      contractor: contractor.id,
      installedOn: isoDate(scenario.fromMs - ageYears * YEAR_DAYS * DAY_MS),
      residentsServed: random.int(RESIDENTS.min, RESIDENTS.max),
    },
    profile: profileName,
    floors,
    dailyTrips,
    weekendFactor,
    ageYears,
    passengers,
    background,
    nuisance,
    ratedSpeedMps,
    ropeBendsPerTrip,
    baseCloseMs: random.int(...DOOR_CLOSE_MS),
    baseOpenMs: random.int(...DOOR_OPEN_MS),
    contractor,
    telemetryOffsetMs: random.int(0, MINUTE_MS / 1000 - 1) * 1000,
    counters: {
      runs: Math.round(tripsSoFar),
      runSeconds: Math.round(tripsSoFar * meanTripSeconds),
      doorCycles: Math.round(tripsSoFar * CYCLES_PER_TRIP),
      ropeBends: Math.round(tripsSoFar * ropeBendsPerTrip),
    },
    degradations,
    incidents: incidents.sort((a, b) => a.at - b.at),
  };
}
