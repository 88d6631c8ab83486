import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { describeIssues } from '../lib/issues.js';
import { DEGRADATION_NAMES, SUDDEN_EVENT_NAMES } from './degradations.js';
import { PROFILE_NAMES } from './profiles.js';

/** The most elevators one scenario holds (the 1M-elevator city); beyond one process's sockets, split it with --shard. */
export const MAX_FLEET = 1_000_000;

const duration = z.string().transform((text, context) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    context.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 30m, 6h or 90d` });
    return z.NEVER;
  }
  return ms;
});

/** `now`, an ISO date or date-time, or a duration before now such as `-90d`. */
type StartTime = { readonly relativeTo: 'now' | 'epoch'; readonly ms: number };
const startTime = z.string().transform((text, context): StartTime => {
  if (text === 'now') return { relativeTo: 'now', ms: 0 };
  if (text.startsWith('-')) {
    const ms = parseDuration(text.slice(1));
    if (ms !== null) return { relativeTo: 'now', ms: -ms };
  } else if (!Number.isNaN(Date.parse(text))) {
    return { relativeTo: 'epoch', ms: Date.parse(text) };
  }
  context.addIssue({
    code: 'custom',
    message: `"${text}" is not now, an ISO date, or a duration before now such as -90d`,
  });
  return z.NEVER;
});

const share = z.number().min(0).max(1);

/** A fleet's noise unless its scenario says otherwise (scenario `noise`; docs/simulation.md). */
export const DEFAULT_NOISE = {
  passengers: 1,
  ageing: 1,
  spread: 1,
  drift: 1,
  powerCutFaults: 3,
  visitFaults: 2,
  inspectionsPerYear: 2,
  stormDaysPerMonth: 0,
  stormPowerCutChance: 0.15,
  callOutChance: 0.005,
  heatWavesPerMonth: 0,
  chronicAbuseShare: 0,
  renovationShare: 0,
  occupancyChangeShare: 0,
  recommissionedShare: 0,
  rainySeasonWeeks: 0,
  handoverShare: 0,
  otherFirmwareShare: 0,
  firmwareUpdateShare: 0,
  coldSnapsPerMonth: 0,
  crowdDaysPerMonth: 0,
} as const;
const dayRange = z
  .tuple([z.number().min(0), z.number().min(0)])
  .refine(([min, max]) => min <= max, 'min must not exceed max');

/** A contractor's technicians always check in on the terminal unless the scenario says otherwise. */
export const DEFAULT_UNLOGGED_VISIT_CHANCE = 0;

const contractorSchema = z.strictObject({
  id: z.string().regex(/^[\w-]{1,64}$/, 'a contractor id of letters, digits, _ or -'),
  share: z.number().positive(),
  /**
   * Chance that a visit or a repair call finds and fixes a degradation whose symptoms are plain
   * (late in its minor phase); earlier, when they are still sparse, and in its latent phase, less.
   */
  fixChance: share,
  /** Chance that a visit comes late (after the legal 15 days). */
  slipChance: share,
  visitMinutes: z.tuple([z.number().positive(), z.number().positive()]),
  /**
   * Chance that a routine visit's technician neither checks in on the terminal nor switches to
   * inspection: the tests' faults come in normal mode, and the platform sees no visit. Left out:
   * never (DEFAULT_UNLOGGED_VISIT_CHANCE; left out rather than defaulted, so plans stay as they were).
   */
  unloggedVisitChance: share.optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.int().min(0).default(1),
  from: startTime.default({ relativeTo: 'now', ms: 0 }),
  duration: duration.default(3_600_000),
  /** Simulated seconds per wall-clock second, or as fast as the broker takes it. */
  speed: z.union([z.number().positive(), z.literal('max')]).default(1),
  fleet: z.strictObject({
    elevators: z.int().min(1).max(MAX_FLEET),
    idPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, 'up to 20 characters of A-Z, a-z, 0-9, _ or -')
      .default('SIM'),
    profiles: z.partialRecord(z.enum(PROFILE_NAMES), z.number().min(0)).default({
      residential: 0.6,
      office: 0.2,
      hospital: 0.1,
      mall: 0.1,
    }),
    ageYears: dayRange.default([1, 25]),
    /** Which door cycles are reported: all, one in ten plus every anomaly, or anomalies only. */
    doorReports: z.enum(['every-cycle', 'sampled', 'anomalies']).default('sampled'),
  }),
  contractors: z
    .array(contractorSchema)
    .min(1)
    .default([
      { id: 'MC-GOOD-1', share: 0.4, fixChance: 0.85, slipChance: 0.03, visitMinutes: [35, 60] },
      { id: 'MC-GOOD-2', share: 0.3, fixChance: 0.8, slipChance: 0.05, visitMinutes: [30, 55] },
      { id: 'MC-POOR', share: 0.3, fixChance: 0.15, slipChance: 0.2, visitMinutes: [12, 25] },
    ]),
  degradations: z
    .array(
      z.strictObject({
        kind: z.enum(DEGRADATION_NAMES),
        /** Share of the fleet that develops it. */
        share,
        /** Onset falls between these many days after the start. */
        onsetDays: dayRange.default([0, 30]),
        latentDays: dayRange.optional(),
        minorDays: dayRange.optional(),
        /** Multiplies how many symptoms it shows at its peak (each degradation varies around it). */
        intensity: z.number().positive().default(1),
      }),
    )
    .default([]),
  /** Sudden critical events, per elevator per year. */
  critical: z
    .strictObject({
      entrapment: z.number().min(0).default(0.066),
      'bottom-overrun': z.number().min(0).default(0.003),
      'top-overrun': z.number().min(0).default(0.003),
      'unintended-movement': z.number().min(0).default(0.002),
    })
    .default({ entrapment: 0.066, 'bottom-overrun': 0.003, 'top-overrun': 0.003, 'unintended-movement': 0.002 }),
  /**
   * Events at set times, whatever the rates draw: a power cut in a building, an entrapment. Each
   * waits, as a failure does, until the car is in normal service with its terminal online.
   */
  incidents: z
    .array(
      z.strictObject({
        kind: z.enum(['power-off', ...SUDDEN_EVENT_NAMES]),
        /** The elevators it happens to, by their number (1 is SIM-000001); numbers beyond the fleet are left out. */
        elevators: z.array(z.int().min(1)).min(1),
        /** Days after the start. */
        atDays: z.number().min(0),
        /** How long a power cut or an entrapment lasts; drawn as for those the rates bring when left out. */
        minutes: z.number().positive().optional(),
      }),
    )
    .default([]),
  /**
   * Multiplies what a healthy fleet faults of itself, the rules counting it: each lift's own
   * background minor faults and the nuisance bursts (passenger abuse, damp). 0: only wear faults,
   * and the bursts the rules set aside (power cuts, visits, inspection).
   */
  backgroundFaults: z.number().min(0).default(1),
  /** How the fleet's lifts differ and what brings bursts of faults. */
  noise: z
    .strictObject({
      /** Multiplies what passengers cause: door faults per door cycle and days of abuse or moving. */
      passengers: z.number().min(0).default(DEFAULT_NOISE.passengers),
      /** Multiplies how much age raises levelling and position faults (and, less, the others). */
      ageing: z.number().min(0).default(DEFAULT_NOISE.ageing),
      /** Multiplies how much lifts alike in building, usage and age still differ (0: not at all). */
      spread: z.number().min(0).default(DEFAULT_NOISE.spread),
      /** Multiplies how far a lift's background wanders from week to week (0: steady). */
      drift: z.number().min(0).default(DEFAULT_NOISE.drift),
      /** Faults a mains power cut brings on average (safety circuit, position, doors), external to the rules. */
      powerCutFaults: z.number().min(0).default(DEFAULT_NOISE.powerCutFaults),
      /** Faults a technician's tests bring in a half-monthly visit on average (longer visits more), suppressed. */
      visitFaults: z.number().min(0).default(DEFAULT_NOISE.visitFaults),
      /** Inspections without a check-in per lift per year (43 until 40, mode 2: an inspector, a quick adjustment). */
      inspectionsPerYear: z.number().min(0).default(DEFAULT_NOISE.inspectionsPerYear),
      /** Storm days per month, city-wide: damp faults on exposed lifts, power cuts. */
      stormDaysPerMonth: z.number().min(0).default(DEFAULT_NOISE.stormDaysPerMonth),
      /** Chance that a building loses power on a storm day. */
      stormPowerCutChance: share.default(DEFAULT_NOISE.stormPowerCutChance),
      /** Chance that a fault the building notices makes it call the contractor (a repair visit within a day). */
      callOutChance: share.default(DEFAULT_NOISE.callOutChance),
      /**
       * Heat waves per month, city-wide, of 3 to 8 days: drives without machine-room cooling trip in
       * the afternoons, and districts' supply sags under air-conditioning load (no mains cut).
       */
      heatWavesPerMonth: z.number().min(0).default(DEFAULT_NOISE.heatWavesPerMonth),
      /** Share of residential lifts abused for weeks: forced landing doors, the car's stop switch, doors held. */
      chronicAbuseShare: share.default(DEFAULT_NOISE.chronicAbuseShare),
      /** Share of buildings in a fit-out and move-in season of weeks: door faults on each of their lifts. */
      renovationShare: share.default(DEFAULT_NOISE.renovationShare),
      /** Share of lifts whose building fills up (trips 2 to 3 times) or empties (a third to a half) over weeks. */
      occupancyChangeShare: share.default(DEFAULT_NOISE.occupancyChangeShare),
      /** Share of lifts idle for months that come back into use in the run, with run-in faults for weeks. */
      recommissionedShare: share.default(DEFAULT_NOISE.recommissionedShare),
      /**
       * A coastal rainy season of this many weeks in the run, rising and easing off: humidity on lifts
       * with wet pits or open entrances, most in the low-lying districts, at dawn (0: none).
       */
      rainySeasonWeeks: z.number().min(0).default(DEFAULT_NOISE.rainySeasonWeeks),
      /** Share of lifts handed over new shortly before or during the run, each with snags until the installer clears them. */
      handoverShare: share.default(DEFAULT_NOISE.handoverShare),
      /** Share of lifts whose controllers run another maker's firmware: a different mix of reported faults all their life. */
      otherFirmwareShare: share.default(DEFAULT_NOISE.otherFirmwareShare),
      /** Share of those updated at a visit in the run: from then on they report levelling and door-zone faults more finely. */
      firmwareUpdateShare: share.default(DEFAULT_NOISE.firmwareUpdateShare),
      /**
       * Cold snaps per month, city-wide, of 2 to 7 days: on lifts with an unheated entrance or machine
       * room, doors close slowly and levelling is off on the cold mornings.
       */
      coldSnapsPerMonth: z.number().min(0).default(DEFAULT_NOISE.coldSnapsPerMonth),
      /** Crowd days per month, city-wide (holidays, events): doors held and pushed on the lifts that serve the crowd. */
      crowdDaysPerMonth: z.number().min(0).default(DEFAULT_NOISE.crowdDaysPerMonth),
    })
    .prefault({}),
  powerOffsPerYear: z.number().min(0).default(2),
  offlinePerWeek: z.number().min(0).default(0.2),
  fireTestsPerMonth: z.number().min(0).default(1),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
type ParsedScenario = z.output<typeof scenarioSchema>;

/** A scenario with its start resolved to epoch ms. */
export type Scenario = Omit<ParsedScenario, 'from'> & { readonly fromMs: number };
export type Contractor = Scenario['contractors'][number];

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export const SCENARIO_DIR = path.resolve(import.meta.dirname, 'scenarios');

/** The shipped scenario names (files in simulators/scenarios). */
export function shippedScenarios(): string[] {
  return fs
    .readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.replace(/\.yaml$/, ''))
    .sort();
}

/** Validates a scenario object; `now` resolves relative starts. */
export function resolveScenario(input: unknown, now = Date.now(), source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) throw new ScenarioError(`${source} is not valid:\n${describeIssues(result.error)}`);
  const { from, ...rest } = result.data;
  const fromMs = from.relativeTo === 'now' ? now + from.ms : from.ms;
  return { ...rest, fromMs: Math.floor(fromMs / 1000) * 1000 };
}

/** The raw content of a scenario file (YAML or JSON), or of a shipped scenario by name. */
export function readScenarioFile(nameOrFile: string): { file: string; input: unknown } {
  const shipped = path.join(SCENARIO_DIR, `${nameOrFile}.yaml`);
  const file = fs.existsSync(nameOrFile) ? nameOrFile : fs.existsSync(shipped) ? shipped : null;
  if (!file) {
    throw new ScenarioError(
      `No scenario file ${nameOrFile}, and no shipped scenario of that name (${shippedScenarios().join(', ')})`,
    );
  }
  try {
    const text = fs.readFileSync(file, 'utf8');
    return { file, input: file.endsWith('.json') ? JSON.parse(text) : parseYaml(text) };
  } catch (error) {
    const format = file.endsWith('.json') ? 'JSON' : 'YAML';
    throw new ScenarioError(`${file} cannot be read as ${format}: ${(error as Error).message}`);
  }
}

/** Reads and validates a scenario file or shipped scenario. */
export function loadScenario(nameOrFile: string, now = Date.now()): Scenario {
  const { file, input } = readScenarioFile(nameOrFile);
  return resolveScenario(input, now, file);
}
