import type { FaultCode } from '../contract/index.js';

/**
 * How elevators wear out, as a maintenance engineer would describe it: a latent phase
 * (wear without alarms), a minor-fault phase in which the symptoms are sparse at first and
 * rise steeply near the end, then the major failure. Rates are per elevator per day on a lift
 * of average usage for its building (busier hours bring more); thresholds are plausible, not
 * measured.
 */
export interface Symptom {
  readonly code: FaultCode;
  /**
   * Occurrences per day as the minor phase starts and just before the failure; the end rate is
   * scaled by each degradation's own intensity, and the rise between follows `symptomShape`.
   */
  readonly perDay: readonly [start: number, end: number];
  /** All occurrences at one landing (a worn lock contact belongs to one landing door). */
  readonly oneLanding?: boolean;
}

export interface DegradationKind {
  readonly description: string;
  readonly symptoms: readonly Symptom[];
  /** Door close time grows by this fraction between onset and failure. */
  readonly closeTimeDrift?: number;
  /** Door reopens per cycle at the start and the end of the minor phase (rising as the symptoms do). */
  readonly reopensPerCycle?: readonly [start: number, end: number];
  /** Faults reported at the failure, in order; the elevator then stops until repaired. */
  readonly failure: readonly FaultCode[];
  /** A critical code that sometimes comes with the failure (people trapped, car moving). */
  readonly criticalWithFailure?: { readonly code: FaultCode; readonly chance: number };
  /** Days from onset to the first symptoms, and from there to the failure. */
  readonly latentDays: readonly [min: number, max: number];
  readonly minorDays: readonly [min: number, max: number];
}

/**
 * Each degradation's steepness: how late in its minor phase the symptoms come. At 2.5 about a
 * tenth of them fall in the phase's first half; at 6, one in fifty.
 */
export const SYMPTOM_STEEPNESS = [2.5, 6] as const;
/** Each degradation's intensity varies by this much (the sigma of its logarithm): some show few symptoms in all. */
export const SYMPTOM_INTENSITY_SIGMA = 0.6;

/** How far the symptoms have risen (0 to 1) at `progress` (0 to 1) through the minor phase: convex, exponential. */
export function symptomShape(progress: number, steepness: number): number {
  return Math.expm1(steepness * progress) / Math.expm1(steepness);
}

export const DEGRADATIONS = {
  'door-operator-wear': {
    description: 'door operator, belt or track wear: slower closing, reopens, door faults 2/3',
    symptoms: [
      { code: 2, perDay: [0.08, 4] },
      { code: 3, perDay: [0.03, 2] },
      { code: 104, perDay: [0.03, 1.5] },
    ],
    closeTimeDrift: 0.6,
    reopensPerCycle: [0.04, 0.5],
    failure: [2, 42],
    criticalWithFailure: { code: 93, chance: 0.3 },
    latentDays: [3, 10],
    minorDays: [10, 40],
  },
  'door-lock-wear': {
    description: 'landing door lock contact wear: the door-lock circuit opens (100) at one landing',
    symptoms: [{ code: 100, perDay: [0.06, 3], oneLanding: true }],
    failure: [100, 42],
    criticalWithFailure: { code: 93, chance: 0.5 },
    latentDays: [2, 7],
    minorDays: [7, 30],
  },
  'brake-wear': {
    description: 'brake lining wear: levelling errors (102) rising, brake faults (103)',
    symptoms: [
      { code: 102, perDay: [0.1, 6] },
      { code: 103, perDay: [0.02, 1] },
    ],
    failure: [103, 42],
    criticalWithFailure: { code: 5, chance: 0.15 },
    latentDays: [5, 14],
    minorDays: [14, 45],
  },
  'encoder-fault': {
    description: 'position encoder or door-zone sensor fault: stops outside the door zone (4), floor lost (7)',
    symptoms: [
      { code: 4, perDay: [0.03, 1.2] },
      { code: 7, perDay: [0.03, 1.2] },
    ],
    failure: [7, 42],
    criticalWithFailure: { code: 93, chance: 0.6 },
    latentDays: [2, 10],
    minorDays: [10, 40],
  },
  'safety-circuit-intermittent': {
    description: 'an intermittent safety-circuit contact (pit, buffer or governor switch): code 1',
    symptoms: [{ code: 1, perDay: [0.05, 2.5] }],
    failure: [1, 42],
    criticalWithFailure: { code: 93, chance: 0.3 },
    latentDays: [2, 10],
    minorDays: [7, 35],
  },
  'traction-slip': {
    description: 'rope or sheave groove wear: the run-time limiter trips (6), levelling drifts (102)',
    symptoms: [
      { code: 6, perDay: [0.03, 1.2] },
      { code: 102, perDay: [0.05, 1.5] },
    ],
    failure: [6, 42],
    criticalWithFailure: { code: 91, chance: 0.2 },
    latentDays: [7, 21],
    minorDays: [14, 50],
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

/** A fault code with its share of a mix. */
export interface CodeShare {
  readonly code: FaultCode;
  readonly share: number;
  /** At one landing, the same each time for a lift (a forced landing door, a damp one). */
  readonly oneLanding?: boolean;
}

/** Which door faults passengers cause: doors held open too long, closing blocked, cycling, opening hindered. */
export const PASSENGER_DOOR_FAULTS: readonly CodeShare[] = [
  { code: 105, share: 0.3 },
  { code: 2, share: 0.35 },
  { code: 104, share: 0.2 },
  { code: 3, share: 0.15 },
];

/**
 * The equipment's own minor faults on a healthy ten-year-old lift of average usage, per day:
 * single occurrences that rules must not chase. `family` shares one per-elevator factor (a
 * lift whose levelling is off is off for every kind of levelling fault); `ageing` is how
 * strongly age raises it (the age factor to this power: position and levelling wander as
 * ropes stretch and encoders tire).
 */
export const BACKGROUND_FAULTS: ReadonlyArray<{
  readonly code: FaultCode;
  readonly perDay: number;
  readonly family: string;
  readonly ageing: number;
}> = [
  { code: 102, perDay: 0.025, family: 'levelling', ageing: 1 },
  { code: 4, perDay: 0.003, family: 'position', ageing: 1 },
  { code: 7, perDay: 0.0015, family: 'position', ageing: 1 },
  { code: 90, perDay: 0.01, family: 'alarm', ageing: 0 },
  { code: 100, perDay: 0.003, family: 'door-lock', ageing: 0.5 },
  { code: 1, perDay: 0.002, family: 'safety-circuit', ageing: 0.5 },
  { code: 103, perDay: 0.001, family: 'brake', ageing: 0.5 },
  { code: 6, perDay: 0.001, family: 'drive', ageing: 0.5 },
];

/**
 * Faults that come in bursts for a reason that is not wear, and which code each burst brings,
 * by share. The rules can tell the first three from their circumstances: a power cut (41 until
 * 40) is external, a visit (check-in to check-out) and inspection (43 until 40, mode 2) are
 * suppressed. The others are nuisance on a healthy lift, counted as any fault.
 */
export const BURST_FAULTS = {
  /** Contactors dropping out, a car stopped between floors, doors losing their drive, the position lost. */
  'power-cut': [
    { code: 1, share: 0.3 },
    { code: 4, share: 0.25 },
    { code: 2, share: 0.15 },
    { code: 3, share: 0.1 },
    { code: 100, share: 0.1 },
    { code: 7, share: 0.1 },
  ],
  /** A technician opening landing doors, pressing the stop switch, testing the doors and the run-time limiter. */
  technician: [
    { code: 100, share: 0.35 },
    { code: 1, share: 0.3 },
    { code: 2, share: 0.12 },
    { code: 3, share: 0.08 },
    { code: 102, share: 0.1 },
    { code: 6, share: 0.05 },
  ],
  /** Children playing, a resident moving house, a vandal forcing a landing door. */
  'passenger-abuse': [
    { code: 105, share: 0.3 },
    { code: 2, share: 0.3 },
    { code: 104, share: 0.2 },
    { code: 3, share: 0.08 },
    { code: 90, share: 0.07 },
    { code: 100, share: 0.05, oneLanding: true },
  ],
  /** Rain on a ground-floor landing door's contacts, water in the pit. */
  damp: [
    { code: 100, share: 0.6, oneLanding: true },
    { code: 1, share: 0.4 },
  ],
  /**
   * A machine room (or shaft head) without cooling in a heat wave: the inverter derates or trips
   * on over-temperature, the car stops short or overruns its run time, levels badly.
   */
  'machine-room-heat': [
    { code: 6, share: 0.55 },
    { code: 4, share: 0.25 },
    { code: 102, share: 0.2 },
  ],
  /**
   * A district's supply sagging under air-conditioning load (no mains cut, no 41): contactors
   * and relays drop out for a moment, the controller loses its position.
   */
  'voltage-sag': [
    { code: 1, share: 0.4 },
    { code: 100, share: 0.25 },
    { code: 7, share: 0.25 },
    { code: 4, share: 0.1 },
  ],
  /**
   * Weeks of abuse on one estate's lift: landing doors forced at a few landings, children pressing
   * the car's stop switch (the safety circuit opens), e-bikes and carts holding the doors.
   */
  vandalism: [
    { code: 100, share: 0.3, oneLanding: true },
    { code: 1, share: 0.15 },
    { code: 105, share: 0.2 },
    { code: 2, share: 0.2 },
    { code: 104, share: 0.1 },
    { code: 90, share: 0.05 },
  ],
  /** Fitting out and moving in: doors held for boards and furniture, debris in the sills, overloaded cars. */
  renovation: [
    { code: 105, share: 0.35 },
    { code: 2, share: 0.25 },
    { code: 3, share: 0.15 },
    { code: 104, share: 0.1 },
    { code: 102, share: 0.1 },
    { code: 100, share: 0.05, oneLanding: true },
  ],
  /** A lift back in use after months idle: dirty tracks and sills, oxidised contacts, a rusty brake drum, until it runs in. */
  recommissioning: [
    { code: 2, share: 0.25 },
    { code: 3, share: 0.2 },
    { code: 100, share: 0.2 },
    { code: 102, share: 0.15 },
    { code: 1, share: 0.1 },
    { code: 4, share: 0.1 },
  ],
  /**
   * A coastal city's rainy season on a lift with a wet pit or an entrance open to driving rain:
   * condensation on the lowest landing door's lock contacts and in the pit's switches at dawn, sills swelling.
   */
  humidity: [
    { code: 100, share: 0.4, oneLanding: true },
    { code: 1, share: 0.3 },
    { code: 2, share: 0.15 },
    { code: 3, share: 0.15 },
  ],
  /**
   * A new lift's snag list after handover, each snag one of these until the installer's callback
   * clears it: doors not yet adjusted, levelling not yet learned, a door-zone vane or a lock roller out of line.
   */
  snagging: [
    { code: 2, share: 0.25 },
    { code: 3, share: 0.1 },
    { code: 104, share: 0.15 },
    { code: 102, share: 0.25 },
    { code: 4, share: 0.1 },
    { code: 100, share: 0.1, oneLanding: true },
    { code: 1, share: 0.05 },
  ],
  /**
   * A cold morning on a lift with an unheated entrance or machine room: the door operator's grease
   * stiff and the closing slow (real door operators are rated down to about 0 °C), a hydraulic
   * lift's cold oil levelling short, the entrance's lock stiff.
   */
  cold: [
    { code: 2, share: 0.35 },
    { code: 3, share: 0.2 },
    { code: 104, share: 0.1 },
    { code: 102, share: 0.3 },
    { code: 100, share: 0.05, oneLanding: true },
  ],
  /**
   * A crowd day on a lift that serves it: doors held for the next in the queue, pushed while
   * closing, the entrance's landing door forced off its lock, the alarm pressed in a full car.
   */
  crowding: [
    { code: 105, share: 0.3 },
    { code: 2, share: 0.3 },
    { code: 104, share: 0.2 },
    { code: 100, share: 0.1, oneLanding: true },
    { code: 90, share: 0.1 },
  ],
  /**
   * A technician who neither checks in nor switches to inspection: landing doors opened with the
   * key at several landings, the pit stop switch, door tests, all in normal mode.
   */
  'unlogged-visit': [
    { code: 100, share: 0.45 },
    { code: 1, share: 0.35 },
    { code: 2, share: 0.1 },
    { code: 3, share: 0.1 },
  ],
} as const satisfies Record<string, readonly CodeShare[]>;
