import type { ElevatorRegistration, FaultCode } from '../../contract/index.js';
import {
  BACKGROUND_FAULTS,
  BURST_FAULTS,
  DEGRADATIONS,
  PASSENGER_DOOR_FAULTS,
  SYMPTOM_INTENSITY_SIGMA,
  SYMPTOM_STEEPNESS,
  type CodeShare,
  type DegradationName,
} from '../degradations.js';
import { shanghaiClock, shanghaiMidnight } from '../../lib/shanghai.js';
import { PROFILES, type ProfileName } from '../profiles.js';
import { Random } from '../random.js';
import type { Contractor, Scenario } from '../scenario.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const HOUR_MS = 3_600_000;
const YEAR_DAYS = 365;
const DAYS_PER_MONTH = 30;
const MINUTE_MS = 60_000;
/**
 * Independent random streams of one member of a run: its plan, its model (elevator.ts), its own
 * noise, its building's, the city's weather; then, each added with the noise it draws (so the
 * earlier streams stay as they were): the city's heat waves, a district's supply, a lift's heat,
 * abuse, renovation and change of use, a building's renovation, a model's unlogged visits; then
 * the city's rainy season, a district's wetness, a lift's humidity, its snags, its firmware; then
 * the city's cold snaps, a lift's cold, the city's crowd days, a lift's crowds.
 */
export const STREAMS = {
  plan: 0,
  model: 1,
  noise: 2,
  building: 3,
  weather: 4,
  heatWaves: 5,
  grid: 6,
  heat: 7,
  abuse: 8,
  use: 9,
  visits: 10,
  renovation: 11,
  buildingRenovation: 12,
  rainySeason: 13,
  wetDistrict: 14,
  humidity: 15,
  snagging: 16,
  firmware: 17,
  coldSnaps: 18,
  cold: 19,
  crowdDays: 20,
  crowds: 21,
} as const;
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
/**
 * A heat wave (Chongqing's summers: days above 40 °C): how long, how hot (mean 1), the local
 * hours a machine room without cooling overheats, the share of lifts without cooling (older
 * machine rooms, machine-room-less lifts' shaft heads), and their drive trips per hot afternoon.
 */
const HEAT_WAVE_DAYS = [3, 8] as const;
const HEAT_SEVERITY_SPREAD = 0.5;
const HEAT_HOURS = [12, 19] as const;
const HEAT_EXPOSED_SHARE = 0.35;
const HEAT_DRIVE_FAULTS = { mean: 0.5, spread: 1 } as const;
/**
 * Supply sags under the air-conditioning peak: episodes a district has per hot day, in which
 * local hours and for how long; the share of the district's lifts each catches (those on the
 * weak feeder, running at the time) and the faults each shows.
 */
const SAG_EPISODES_PER_DISTRICT_DAY = 0.3;
const SAG_HOURS = [13, 22] as const;
const SAG_MINUTES = [5, 40] as const;
const SAG_HIT_SHARE = 0.35;
const SAG_FAULTS = 1.2;
/**
 * Weeks of abuse on an estate's lift: how long, faults a day (mean, spread between lifts; more
 * at weekends), the landings whose doors are forced, and when (after school and in the evening).
 */
const ABUSE_WEEKS = [2, 8] as const;
const CHRONIC_ABUSE_FAULTS = { perDay: 1.2, spread: 0.7, weekend: 1.5 } as const;
const FORCED_LANDINGS = [2, 4] as const;
const ABUSE_HOUR_WEIGHTS = [1, 0.5, 0.2, 0, 0, 0, 0.2, 0.5, 0.5, 0.5, 1, 1, 2, 2, 1, 2, 4, 5, 5, 6, 6, 5, 3, 2];
/**
 * A building's fit-out and move-in season: how long, door faults a day on each of its lifts
 * (mean, spread between buildings), in working hours, not on Sundays.
 */
const RENOVATION_WEEKS = [3, 10] as const;
const RENOVATION_FAULTS = { perDay: 2.5, spread: 0.6 } as const;
const WORKING_HOURS = [8, 18] as const;
/**
 * A building that fills up (most) or empties over some weeks, starting in the first part of the
 * run: its trips' factor at the end, and how long the change takes.
 */
const OCCUPANCY_FILLING_SHARE = 0.7;
const OCCUPANCY_FILLED = [2, 3] as const;
const OCCUPANCY_EMPTIED = [0.3, 0.5] as const;
const OCCUPANCY_START_SHARE = 0.6;
const OCCUPANCY_RAMP_WEEKS = [2, 6] as const;
/**
 * A lift back in use after months idle: when in the run (days), how idle before (its trips'
 * factor), and its run-in: faults a day at first, halving every few days, for some weeks, in
 * the day's hours.
 */
const RECOMMISSION_DAYS = [7, 45] as const;
const IDLE_USAGE = 0.02;
const RUN_IN = { perDay: 3, spread: 0.6, halvingDays: [3, 7], days: [14, 28], hours: [7, 22] } as const;
/**
 * A coastal city's rainy season (plum rains): when it starts in the run (days), the share of
 * lifts exposed (a pit below the water table, an entrance open to driving rain), how much wetter
 * some districts are (low-lying, by the river: a factor of mean 1), faults a day on an exposed lift
 * at the season's height (mean, spread between lifts), and the local hours they come (condensation at dawn).
 */
const RAINY_SEASON_START_DAYS = [0, 40] as const;
const HUMIDITY_EXPOSED_SHARE = 0.4;
const DISTRICT_WETNESS_SPREAD = 0.8;
const HUMIDITY_FAULTS = { perDay: 0.5, spread: 0.9 } as const;
const HUMIDITY_HOUR_WEIGHTS = [
  1, 1, 2, 3, 5, 6, 6, 5, 3, 1, 0.5, 0.3, 0.3, 0.3, 0.3, 0.5, 0.5, 1, 1.5, 1.5, 1.5, 1, 1, 1,
];
/**
 * A new lift handed over shortly before or in the run (days after its start): its snags, each one
 * fault of the snag list a few times a day in the day's hours, until the installer's callback clears it.
 */
const HANDOVER_DAYS = [-20, 40] as const;
const SNAGS = [1, 4] as const;
const SNAG_FAULTS_PER_DAY = [0.2, 1.2] as const;
const SNAG_CLEARED_DAYS = [4, 35] as const;
/**
 * Another maker's controller firmware: what it reports against the usual (door cycling on every
 * light-curtain interruption, the car's intercom as the alarm button, never a door held open, a
 * narrower levelling window). Its update, installed at a routine visit from a day of the run
 * (days after its start), reports levelling and stops outside the door zone more finely.
 */
const OTHER_FIRMWARE_FACTORS: Readonly<Partial<Record<number, number>>> = { 104: 3, 90: 2, 105: 0.3, 102: 1.5 };
export const FIRMWARE_UPDATE_FACTORS: Readonly<Partial<Record<number, number>>> = { 102: 2.5, 4: 2 };
const FIRMWARE_ROLLOUT_DAYS = [5, 60] as const;
/**
 * A winter cold snap (a cold wave from the north): how long, how cold (mean 1); the share of lifts
 * exposed (an unheated entrance lobby or machine room, a hydraulic lift's oil in an unheated pit),
 * their faults each cold morning (mean, spread between lifts), and the local hours (cold mornings).
 */
const COLD_SNAP_DAYS = [2, 7] as const;
const COLD_SEVERITY_SPREAD = 0.5;
const COLD_EXPOSED_SHARE = 0.4;
const COLD_FAULTS = { perDay: 0.8, spread: 0.9 } as const;
const COLD_HOURS = [5, 11] as const;
/**
 * Crowd days (a public holiday's shopping, an event at the station): the share of each profile's
 * lifts that serve the crowd (a mall's atrium, a metro entrance), how crowded a day is (mean 1),
 * and the door faults a day such a lift shows (mean, spread between lifts), in its busy hours.
 */
const CROWD_SERVED_SHARE: Readonly<Record<ProfileName, number>> = {
  mall: 0.8,
  office: 0.25,
  hospital: 0.25,
  residential: 0.05,
};
const CROWD_SEVERITY_SPREAD = 0.5;
const CROWD_FAULTS = { perDay: 3, spread: 0.7 } as const;
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

/** Nuisance on a healthy lift, not wear, each named in the truth and bringing its own mix (BURST_FAULTS). */
export type NuisanceKind =
  | 'passenger-abuse'
  | 'damp'
  | 'machine-room-heat'
  | 'voltage-sag'
  | 'vandalism'
  | 'renovation'
  | 'recommissioning'
  | 'humidity'
  | 'snagging'
  | 'cold'
  | 'crowding';

/** A burst of faults on a healthy lift, not wear: passengers abusing it, a storm's damp, a heat wave, ... */
export interface PlannedNuisance {
  readonly kind: NuisanceKind;
  readonly start: number;
  readonly end: number;
  readonly faults: number;
  /** The landing of its one-landing faults. */
  readonly landing: number;
  /** When its faults come, if planned (in their hours, day by day); else spread evenly from start to end. */
  readonly times?: readonly number[];
  /** The landings its one-landing faults come at, if several (doors forced at a few landings). */
  readonly landings?: readonly number[];
  /** Its own part of its kind's mix, if not all of it (one snag's fault). */
  readonly mix?: readonly CodeShare[];
}

/**
 * Its trips' factor changing: `from` until `start`, towards `to` (geometrically) until `end`,
 * then `to`. A building filling or emptying (`occupancy-change`, recorded in the truth), or a
 * lift idle until it comes back into use (`recommissioning`, whose run-in faults are a nuisance).
 */
export interface UsageChange {
  readonly kind: 'occupancy-change' | 'recommissioning';
  readonly start: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
}

/** The factor a usage change puts on its lift's trips at `at` (1 without one). */
export function usageFactor(change: UsageChange | undefined, at: number): number {
  if (!change) return 1;
  const progress = Math.min(1, Math.max(0, (at - change.start) / (change.end - change.start)));
  return change.from * (change.to / change.from) ** progress;
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
  /** Its trips changing under it, if they do. */
  readonly usageChange?: UsageChange;
  /** Its controller runs another maker's firmware (its background is that firmware's), if it does. */
  readonly otherFirmware?: true;
  /** That firmware's update, installed at the first routine visit from this time (FIRMWARE_UPDATE_FACTORS), if planned. */
  readonly firmwareUpdateFrom?: number;
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

/** Fault times from `start` to `end`, day by day: `perDay(midnight)` on average, each at a local hour `hourOf` draws. */
function dailyTimes(
  random: Random,
  [start, end]: readonly [number, number],
  perDay: (midnight: number) => number,
  hourOf: () => number,
): number[] {
  const times: number[] = [];
  for (let day = shanghaiMidnight(start); day < end; day += DAY_MS) {
    const count = random.poisson(perDay(day));
    for (let i = 0; i < count; i++) times.push(Math.round(day + hourOf() * HOUR_MS));
  }
  return times.filter((at) => at >= start && at < end).sort((a, b) => a - b);
}

const isWeekend = (midnight: number) => shanghaiClock(midnight + 12 * HOUR_MS).weekend;

/** A city-wide spell of weather (a heat wave, a cold snap): its days and how strong it is. */
interface Spell {
  /** Its days' local midnights within the run. */
  readonly days: readonly number[];
  /** How strong (mean 1). */
  readonly severity: number;
}

interface SpellKind {
  readonly stream: number;
  readonly perMonth: (scenario: Scenario) => number;
  readonly days: readonly [number, number];
  readonly severitySpread: number;
}

const HEAT_WAVES: SpellKind = {
  stream: STREAMS.heatWaves,
  perMonth: (scenario) => scenario.noise.heatWavesPerMonth,
  days: HEAT_WAVE_DAYS,
  severitySpread: HEAT_SEVERITY_SPREAD,
};
const COLD_SNAPS: SpellKind = {
  stream: STREAMS.coldSnaps,
  perMonth: (scenario) => scenario.noise.coldSnapsPerMonth,
  days: COLD_SNAP_DAYS,
  severitySpread: COLD_SEVERITY_SPREAD,
};

const spells = new WeakMap<Scenario, Map<SpellKind, readonly Spell[]>>();

/** The run's spells of a kind, city-wide: the same for every elevator of the scenario. */
function spellsOf(scenario: Scenario, kind: SpellKind): readonly Spell[] {
  let kinds = spells.get(scenario);
  if (!kinds) spells.set(scenario, (kinds = new Map()));
  let found = kinds.get(kind);
  if (!found) {
    const random = Random.for(scenario.seed, 0, kind.stream);
    const end = scenario.fromMs + scenario.duration;
    const count = random.poisson((kind.perMonth(scenario) / DAYS_PER_MONTH) * (scenario.duration / DAY_MS));
    found = Array.from({ length: count }, () => {
      const first = shanghaiMidnight(scenario.fromMs + random.uniform(0, scenario.duration));
      const days = Array.from({ length: random.int(...kind.days) }, (_, i) => first + i * DAY_MS);
      return { days: days.filter((day) => day < end), severity: random.factor(kind.severitySpread) };
    });
    kinds.set(kind, found);
  }
  return found;
}

interface Sag {
  readonly start: number;
  readonly end: number;
}

const sags = new WeakMap<Scenario, Map<string, readonly Sag[]>>();

/** A district's supply sags on the run's hot days, the same for every elevator of the district. */
function districtSags(scenario: Scenario, district: (typeof DISTRICTS)[number]): readonly Sag[] {
  let byDistrict = sags.get(scenario);
  if (!byDistrict) sags.set(scenario, (byDistrict = new Map()));
  let found = byDistrict.get(district);
  if (!found) {
    const random = Random.for(scenario.seed, DISTRICTS.indexOf(district), STREAMS.grid);
    found = spellsOf(scenario, HEAT_WAVES).flatMap(({ days, severity }) =>
      days.flatMap((day) =>
        Array.from({ length: random.poisson(SAG_EPISODES_PER_DISTRICT_DAY * severity) }, () => {
          const start = Math.round(day + range(random, SAG_HOURS) * HOUR_MS);
          return { start, end: start + Math.round(range(random, SAG_MINUTES)) * MINUTE_MS };
        }),
      ),
    );
    byDistrict.set(district, found);
  }
  return found.filter((sag) => sag.start >= scenario.fromMs);
}

/** A heat wave on this lift: its drive tripping in the afternoons if its machine room has no cooling, its district's sags. */
function heatNuisance(scenario: Scenario, index: number, district: (typeof DISTRICTS)[number]): PlannedNuisance[] {
  const random = Random.for(scenario.seed, index, STREAMS.heat);
  const exposed = random.chance(HEAT_EXPOSED_SHARE);
  const susceptibility = random.factor(HEAT_DRIVE_FAULTS.spread);
  const nuisance: PlannedNuisance[] = [];
  for (const { days, severity } of exposed ? spellsOf(scenario, HEAT_WAVES) : []) {
    const [first, last] = [days[0], days.at(-1)];
    if (first === undefined || last === undefined) continue;
    const window = [
      Math.max(scenario.fromMs, first + HEAT_HOURS[0] * HOUR_MS),
      last + HEAT_HOURS[1] * HOUR_MS,
    ] as const;
    const mean = HEAT_DRIVE_FAULTS.mean * susceptibility * severity * scenario.backgroundFaults;
    const times = dailyTimes(
      random,
      window,
      () => mean,
      () => range(random, HEAT_HOURS),
    );
    if (times.length > 0)
      nuisance.push({
        kind: 'machine-room-heat',
        start: window[0],
        end: window[1],
        faults: times.length,
        landing: 1,
        times,
      });
  }
  for (const sag of districtSags(scenario, district)) {
    if (!random.chance(SAG_HIT_SHARE)) continue;
    const faults = random.poisson(SAG_FAULTS * scenario.backgroundFaults);
    if (faults > 0) nuisance.push({ kind: 'voltage-sag', ...sag, faults, landing: 1 });
  }
  return nuisance;
}

/** Weeks of abuse on a residential lift: doors forced at a few landings, its stop switch pressed, doors held. */
function abuseNuisance(scenario: Scenario, index: number, profile: ProfileName, floors: number): PlannedNuisance[] {
  const random = Random.for(scenario.seed, index, STREAMS.abuse);
  if (profile !== 'residential' || !random.chance(scenario.noise.chronicAbuseShare)) return [];
  const start = Math.round(scenario.fromMs + random.uniform(0, scenario.duration));
  const end = start + Math.round(range(random, ABUSE_WEEKS) * WEEK_MS);
  const { perDay, spread, weekend } = CHRONIC_ABUSE_FAULTS;
  const rate = perDay * random.factor(spread) * scenario.noise.passengers * scenario.backgroundFaults;
  const landings = [...new Set(Array.from({ length: random.int(...FORCED_LANDINGS) }, () => random.int(1, floors)))];
  const hours = ABUSE_HOUR_WEIGHTS.map((weight, hour) => ({ weight, hour }));
  const times = dailyTimes(
    random,
    [start, end],
    (day) => rate * (isWeekend(day) ? weekend : 1),
    () => random.weighted(hours, (entry) => entry.weight).hour + random.next(),
  );
  if (times.length === 0) return [];
  return [{ kind: 'vandalism', start, end, faults: times.length, landing: landings[0] as number, landings, times }];
}

/** A building's fit-out and move-in season, if it has one in the run: its weeks and its door faults a day. */
function buildingRenovation(scenario: Scenario, building: number) {
  const random = Random.for(scenario.seed, building, STREAMS.buildingRenovation);
  if (!random.chance(scenario.noise.renovationShare)) return null;
  const start = Math.round(scenario.fromMs + random.uniform(0, scenario.duration));
  const end = start + Math.round(range(random, RENOVATION_WEEKS) * WEEK_MS);
  return { start, end, perDay: RENOVATION_FAULTS.perDay * random.factor(RENOVATION_FAULTS.spread) };
}

/** Its building's renovation on this lift: door faults on working days, a knocked landing door at the flat's floor. */
function renovationNuisance(scenario: Scenario, index: number, building: number, floors: number): PlannedNuisance[] {
  const renovation = buildingRenovation(scenario, building);
  if (!renovation) return [];
  const random = Random.for(scenario.seed, index, STREAMS.renovation);
  const { start, end, perDay } = renovation;
  const rate = perDay * scenario.backgroundFaults;
  const times = dailyTimes(
    random,
    [start, end],
    (day) => (isWeekend(day) ? 0 : rate),
    () => range(random, WORKING_HOURS),
  );
  if (times.length === 0) return [];
  return [{ kind: 'renovation', start, end, faults: times.length, landing: random.int(1, floors), times }];
}

/** A change of use under the lift, if it has one: its building filling or emptying, or its return after months idle with its run-in faults. */
function useChange(scenario: Scenario, index: number): { usageChange?: UsageChange; nuisance: PlannedNuisance[] } {
  const random = Random.for(scenario.seed, index, STREAMS.use);
  const { noise, fromMs, duration } = scenario;
  if (random.chance(noise.recommissionedShare)) {
    const back = Math.round(fromMs + range(random, RECOMMISSION_DAYS) * DAY_MS);
    const usageChange = { kind: 'recommissioning', start: back - DAY_MS, end: back, from: IDLE_USAGE, to: 1 } as const;
    const first = RUN_IN.perDay * random.factor(RUN_IN.spread) * scenario.backgroundFaults;
    const halving = range(random, RUN_IN.halvingDays) * DAY_MS;
    const end = back + Math.round(range(random, RUN_IN.days) * DAY_MS);
    const times = dailyTimes(
      random,
      [back, end],
      (day) => first * 0.5 ** (Math.max(0, day - back) / halving),
      () => range(random, RUN_IN.hours),
    );
    const nuisance =
      times.length > 0
        ? [{ kind: 'recommissioning' as const, start: back, end, faults: times.length, landing: 1, times }]
        : [];
    return { usageChange, nuisance };
  }
  if (!random.chance(noise.occupancyChangeShare)) return { nuisance: [] };
  const to = range(random, random.chance(OCCUPANCY_FILLING_SHARE) ? OCCUPANCY_FILLED : OCCUPANCY_EMPTIED);
  const start = Math.round(fromMs + random.uniform(0, OCCUPANCY_START_SHARE * duration));
  const end = start + Math.round(range(random, OCCUPANCY_RAMP_WEEKS) * WEEK_MS);
  return { usageChange: { kind: 'occupancy-change', start, end, from: 1, to }, nuisance: [] };
}

/** Half a sine over the season: 0 at its start and end, 1 at its height. */
const seasonShape = (at: number, start: number, end: number) =>
  Math.sin(Math.PI * Math.min(1, Math.max(0, (at - start) / (end - start))));

/** The run's rainy season, city-wide, if the scenario has one: the same for every elevator. */
function rainySeason(scenario: Scenario): { start: number; end: number } | null {
  if (scenario.noise.rainySeasonWeeks <= 0) return null;
  const random = Random.for(scenario.seed, 0, STREAMS.rainySeason);
  const start = Math.round(scenario.fromMs + range(random, RAINY_SEASON_START_DAYS) * DAY_MS);
  return { start, end: start + Math.round(scenario.noise.rainySeasonWeeks * WEEK_MS) };
}

/** The rainy season on this lift, if it is exposed: faults at its lowest landing and in its pit, most at dawn and at the season's height. */
function humidityNuisance(scenario: Scenario, index: number, district: (typeof DISTRICTS)[number]): PlannedNuisance[] {
  const season = rainySeason(scenario);
  const random = Random.for(scenario.seed, index, STREAMS.humidity);
  if (!season || !random.chance(HUMIDITY_EXPOSED_SHARE)) return [];
  const wetness = Random.for(scenario.seed, DISTRICTS.indexOf(district), STREAMS.wetDistrict).factor(
    DISTRICT_WETNESS_SPREAD,
  );
  const rate = HUMIDITY_FAULTS.perDay * random.factor(HUMIDITY_FAULTS.spread) * wetness * scenario.backgroundFaults;
  const window = [Math.max(scenario.fromMs, season.start), season.end] as const;
  const hours = HUMIDITY_HOUR_WEIGHTS.map((weight, hour) => ({ weight, hour }));
  const times = dailyTimes(
    random,
    window,
    (day) => rate * seasonShape(day + 12 * HOUR_MS, season.start, season.end),
    () => random.weighted(hours, (entry) => entry.weight).hour + random.next(),
  );
  if (times.length === 0) return [];
  return [{ kind: 'humidity', start: window[0], end: window[1], faults: times.length, landing: 1, times }];
}

/** A new lift's snags, if it is handed over near the run: each its own fault a few times a day until the callback clears it. */
function snagNuisance(scenario: Scenario, index: number, floors: number): PlannedNuisance[] {
  const random = Random.for(scenario.seed, index, STREAMS.snagging);
  if (!random.chance(scenario.noise.handoverShare)) return [];
  const handover = Math.round(scenario.fromMs + range(random, HANDOVER_DAYS) * DAY_MS);
  const start = Math.max(scenario.fromMs, handover);
  return Array.from({ length: random.int(...SNAGS) }, () => {
    const entry = random.weighted(BURST_FAULTS.snagging, (candidate) => candidate.share);
    const cleared = handover + Math.round(range(random, SNAG_CLEARED_DAYS) * DAY_MS);
    const rate = range(random, SNAG_FAULTS_PER_DAY) * scenario.backgroundFaults;
    const landing = random.int(1, floors);
    const times = dailyTimes(
      random,
      [start, cleared],
      () => rate,
      () => range(random, RUN_IN.hours),
    );
    return { kind: 'snagging' as const, start, end: cleared, faults: times.length, landing, times, mix: [entry] };
  }).filter((snag) => snag.faults > 0);
}

/** Its controller's firmware: the usual, another maker's, or another maker's with an update due in the run. */
function firmwareOf(scenario: Scenario, index: number): { other: boolean; updateFrom?: number } {
  const random = Random.for(scenario.seed, index, STREAMS.firmware);
  if (!random.chance(scenario.noise.otherFirmwareShare)) return { other: false };
  if (!random.chance(scenario.noise.firmwareUpdateShare)) return { other: true };
  return { other: true, updateFrom: Math.round(scenario.fromMs + range(random, FIRMWARE_ROLLOUT_DAYS) * DAY_MS) };
}

/** Cold snaps on this lift, if it is exposed: doors slow and levelling off on the cold mornings, each snap one nuisance. */
function coldNuisance(scenario: Scenario, index: number): PlannedNuisance[] {
  const snaps = spellsOf(scenario, COLD_SNAPS);
  const random = Random.for(scenario.seed, index, STREAMS.cold);
  if (snaps.length === 0 || !random.chance(COLD_EXPOSED_SHARE)) return [];
  const susceptibility = random.factor(COLD_FAULTS.spread);
  return snaps.flatMap(({ days, severity }): PlannedNuisance[] => {
    const [first, last] = [days[0], days.at(-1)];
    if (first === undefined || last === undefined) return [];
    const window = [
      Math.max(scenario.fromMs, first + COLD_HOURS[0] * HOUR_MS),
      last + COLD_HOURS[1] * HOUR_MS,
    ] as const;
    const mean = COLD_FAULTS.perDay * susceptibility * severity * scenario.backgroundFaults;
    const times = dailyTimes(
      random,
      window,
      () => mean,
      () => range(random, COLD_HOURS),
    );
    if (times.length === 0) return [];
    return [{ kind: 'cold', start: window[0], end: window[1], faults: times.length, landing: 1, times }];
  });
}

interface CrowdDay {
  /** Its local midnight. */
  readonly day: number;
  /** How crowded (mean 1). */
  readonly severity: number;
}

const crowdDays = new WeakMap<Scenario, readonly CrowdDay[]>();

/** The run's crowd days, city-wide: the same for every elevator of the scenario. */
function crowdDaysOf(scenario: Scenario): readonly CrowdDay[] {
  let found = crowdDays.get(scenario);
  if (!found) {
    const random = Random.for(scenario.seed, 0, STREAMS.crowdDays);
    const count = random.poisson((scenario.noise.crowdDaysPerMonth / DAYS_PER_MONTH) * (scenario.duration / DAY_MS));
    found = Array.from({ length: count }, () => ({
      day: shanghaiMidnight(scenario.fromMs + random.uniform(0, scenario.duration)),
      severity: random.factor(CROWD_SEVERITY_SPREAD),
    }));
    crowdDays.set(scenario, found);
  }
  return found;
}

/** Crowd days on this lift, if it serves the crowd: doors held and pushed in its busy hours, the entrance's landing door forced. */
function crowdNuisance(scenario: Scenario, index: number, profile: ProfileName): PlannedNuisance[] {
  const days = crowdDaysOf(scenario);
  const random = Random.for(scenario.seed, index, STREAMS.crowds);
  if (days.length === 0 || !random.chance(CROWD_SERVED_SHARE[profile])) return [];
  const susceptibility = random.factor(CROWD_FAULTS.spread);
  const hours = PROFILES[profile].hourly.map((weight, hour) => ({ weight, hour }));
  const runEnd = scenario.fromMs + scenario.duration;
  return days.flatMap(({ day, severity }): PlannedNuisance[] => {
    const window = [Math.max(scenario.fromMs, day), Math.min(runEnd, day + DAY_MS)] as const;
    const mean =
      CROWD_FAULTS.perDay * susceptibility * severity * scenario.noise.passengers * scenario.backgroundFaults;
    const times = dailyTimes(
      random,
      window,
      () => mean,
      () => random.weighted(hours, (entry) => entry.weight).hour + random.next(),
    );
    if (times.length === 0) return [];
    return [{ kind: 'crowding', start: window[0], end: window[1], faults: times.length, landing: 1, times }];
  });
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

  // The first of the plan's draws after its degradations, as it always was; the district's supply needs it early.
  const district = random.pick(DISTRICTS);
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
  const firmware = firmwareOf(scenario, index);
  const reported = (code: FaultCode) => (firmware.other ? (OTHER_FIRMWARE_FACTORS[code] ?? 1) : 1);
  const background = [
    ...PASSENGER_DOOR_FAULTS.map(({ code, share: part }) => ({ code, perDay: doorPerDay * part * reported(code) })),
    ...BACKGROUND_FAULTS.map(({ code, perDay, family, ageing }) => ({
      code,
      perDay:
        perDay *
        aged ** ageing *
        (familyFactors.get(family) as number) *
        usage *
        scenario.backgroundFaults *
        reported(code),
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
  const building = Math.floor(index / ELEVATORS_PER_USE_UNIT);
  const { usageChange, nuisance: runIn } = useChange(scenario, index);
  nuisance.push(
    ...heatNuisance(scenario, index, district),
    ...abuseNuisance(scenario, index, profileName, floors),
    ...renovationNuisance(scenario, index, building, floors),
    ...runIn,
    ...humidityNuisance(scenario, index, district),
    ...snagNuisance(scenario, index, floors),
    ...coldNuisance(scenario, index),
    ...crowdNuisance(scenario, index, profileName),
  );
  nuisance.sort((a, b) => a.start - b.start);

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
      district,
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
    ...(usageChange ? { usageChange } : {}),
    ...(firmware.other ? { otherFirmware: true as const } : {}),
    ...(firmware.updateFrom === undefined ? {} : { firmwareUpdateFrom: firmware.updateFrom }),
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
