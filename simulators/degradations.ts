import type { FaultCode } from '../contract/index.js';

/**
 * How elevators wear out, as a maintenance engineer would describe it: a latent phase
 * (wear without alarms), a minor-fault phase in which the symptoms grow, then the major
 * failure. Rates are per elevator per day; thresholds are plausible, not measured.
 */
export interface Symptom {
  readonly code: FaultCode;
  /** Occurrences per day at the start and at the end of the minor-fault phase. */
  readonly perDay: readonly [start: number, end: number];
  /** All occurrences at one landing (a worn lock contact belongs to one landing door). */
  readonly oneLanding?: boolean;
}

export interface DegradationKind {
  readonly description: string;
  readonly symptoms: readonly Symptom[];
  /** Door close time grows by this fraction between onset and failure. */
  readonly closeTimeDrift?: number;
  /** Door reopens per cycle at the start and the end of the minor phase. */
  readonly reopensPerCycle?: readonly [start: number, end: number];
  /** Faults reported at the failure, in order; the elevator then stops until repaired. */
  readonly failure: readonly FaultCode[];
  /** A critical code that sometimes comes with the failure (people trapped, car moving). */
  readonly criticalWithFailure?: { readonly code: FaultCode; readonly chance: number };
  /** Days from onset to the first symptoms, and from there to the failure. */
  readonly latentDays: readonly [min: number, max: number];
  readonly minorDays: readonly [min: number, max: number];
}

export const DEGRADATIONS = {
  'door-operator-wear': {
    description: 'door operator, belt or track wear: slower closing, reopens, door faults 2/3',
    symptoms: [
      { code: 2, perDay: [0.3, 4] },
      { code: 3, perDay: [0.1, 2] },
      { code: 104, perDay: [0.1, 1.5] },
    ],
    closeTimeDrift: 0.6,
    reopensPerCycle: [0.08, 0.5],
    failure: [2, 42],
    criticalWithFailure: { code: 93, chance: 0.3 },
    latentDays: [3, 10],
    minorDays: [5, 21],
  },
  'door-lock-wear': {
    description: 'landing door lock contact wear: the door-lock circuit opens (100) at one landing',
    symptoms: [{ code: 100, perDay: [0.2, 3], oneLanding: true }],
    failure: [100, 42],
    criticalWithFailure: { code: 93, chance: 0.5 },
    latentDays: [2, 7],
    minorDays: [4, 14],
  },
  'brake-wear': {
    description: 'brake lining wear: levelling errors (102) rising, brake faults (103)',
    symptoms: [
      { code: 102, perDay: [0.5, 6] },
      { code: 103, perDay: [0.05, 1] },
    ],
    failure: [103, 42],
    criticalWithFailure: { code: 5, chance: 0.15 },
    latentDays: [5, 14],
    minorDays: [7, 28],
  },
  'encoder-fault': {
    description: 'position encoder or door-zone sensor fault: stops outside the door zone (4), floor lost (7)',
    symptoms: [
      { code: 4, perDay: [0.05, 1] },
      { code: 7, perDay: [0.05, 1] },
    ],
    failure: [7, 42],
    criticalWithFailure: { code: 93, chance: 0.6 },
    latentDays: [2, 10],
    minorDays: [7, 30],
  },
  'safety-circuit-intermittent': {
    description: 'an intermittent safety-circuit contact (pit, buffer or governor switch): code 1',
    symptoms: [{ code: 1, perDay: [0.1, 2] }],
    failure: [1, 42],
    criticalWithFailure: { code: 93, chance: 0.3 },
    latentDays: [2, 10],
    minorDays: [5, 20],
  },
  'traction-slip': {
    description: 'rope or sheave groove wear: the run-time limiter trips (6), levelling drifts (102)',
    symptoms: [
      { code: 6, perDay: [0.05, 1.2] },
      { code: 102, perDay: [0.2, 1.5] },
    ],
    failure: [6, 42],
    criticalWithFailure: { code: 91, chance: 0.2 },
    latentDays: [7, 21],
    minorDays: [7, 30],
  },
} as const satisfies Record<string, DegradationKind>;

export type DegradationName = keyof typeof DEGRADATIONS;
export const DEGRADATION_NAMES = Object.keys(DEGRADATIONS) as [DegradationName, ...DegradationName[]];

/** Critical events that come with no warning, with the code each reports. */
export const SUDDEN_EVENTS = {
  entrapment: 93,
  'bottom-overrun': 91,
  'top-overrun': 92,
  'unintended-movement': 5,
} as const satisfies Record<string, FaultCode>;
export type SuddenEventName = keyof typeof SUDDEN_EVENTS;
export const SUDDEN_EVENT_NAMES = Object.keys(SUDDEN_EVENTS) as [SuddenEventName, ...SuddenEventName[]];

/** Minor faults of a healthy fleet, per elevator per day: single occurrences that rules must not chase. */
export const BACKGROUND_FAULTS: ReadonlyArray<{ code: FaultCode; perDay: number }> = [
  { code: 2, perDay: 0.02 },
  { code: 3, perDay: 0.01 },
  { code: 102, perDay: 0.02 },
  { code: 90, perDay: 0.01 },
  { code: 104, perDay: 0.02 },
  { code: 105, perDay: 0.03 },
  { code: 100, perDay: 0.003 },
  { code: 1, perDay: 0.002 },
  { code: 4, perDay: 0.002 },
  { code: 7, perDay: 0.001 },
  { code: 103, perDay: 0.001 },
  { code: 6, perDay: 0.001 },
];
