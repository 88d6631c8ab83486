import { FAMILIES } from './families.js';

/** Charts (rise ratios) a family may run at once. */
export const MAX_CHARTS = 3;

/**
 * Each elevator's detector state is a slot in three typed arrays shared by every elevator (as
 * ingest/sequence.ts keeps its windows): a city's 300,000 elevators are three arrays for the
 * garbage collector, and a slot costs its bytes and nothing more.
 */

/** Per elevator, Float64: counted time and runs (the exposure), and how far the charts have been brought. */
export const E64 = {
  /** Counted days (not in a visit, inspection or power cut) up to `countingSince`. */
  countedDays: 0,
  /** Since when the elevator counts, epoch ms; NaN while it does not. */
  countingSince: 1,
  /** The last telemetry `runs` counter; NaN before the first. */
  lastRuns: 2,
  /** Counted days up to which the exposure has accrued. */
  accruedDays: 3,
  /** Exposure (rules/detectors/rate.ts), in runs, accrued up to accruedDays. */
  exposure: 4,
  /** Exposure at which the charts were last brought up to date. */
  markExposure: 5,
  /** Exposure at the last daily look: the day just ended's is the exposure since. */
  lookExposure: 6,
} as const;
export const E64_STRIDE = 7;

/** Per family, Float32: the baseline, the two weeks not yet learned, the day's spread, and the charts. */
export const F32 = {
  baseEvents: 0,
  baseExposure: 1,
  /** The week before this one, learned at the next week's start (unless a rise was found). */
  olderEvents: 2,
  olderExposure: 3,
  /** This week; while a warning is active, everything since it began. */
  newerEvents: 4,
  newerExposure: 5,
  /** Events since the last daily look. */
  dayEvents: 6,
  /** The days' squared Pearson residuals (each clipped) and how many days: the elevator's dispersion. */
  spreadSum: 7,
  spreadDays: 8,
  /** The statistic of each chart, MAX_CHARTS of them. */
  charts: 9,
} as const;
export const FAMILY_STRIDE = F32.charts + MAX_CHARTS;

/**
 * Per elevator, Uint8, per family and chart: the chart's statistic at the last daily look, in
 * DAY_START_STEPS of its threshold (a day's events raise it at most riseDays' share of its
 * threshold above that; a byte is close enough for a bound, and a city keeps 24 a lift, not 96).
 */
export const DAY_START_STEPS = 255;
const U8_STRIDE = FAMILIES.length * MAX_CHARTS;

/** Per elevator, Float32 after the families: door close times (natural logs of ms), learned as the rates are. */
export const CLOSE = {
  typicalSum: 0,
  typicalWeight: 1,
  olderSum: 2,
  olderCount: 3,
  newerSum: 4,
  newerCount: 5,
  /** Door-timing events since it began rising, for its explanation. */
  sinceEvents: 6,
} as const;
export const CLOSE_STRIDE = 7;

/** Per elevator, Float32 after the close times: its use (rules/detectors/rate.ts) and its days. */
export const USE = {
  /** Runs a counted day now, decaying as the exposure accrues; 0 before its first counted run. */
  usage: 0,
  /** Over how many counted days the last reading's runs are spread (their decay time); 0 before the first. */
  smoothing: 1,
  /** Counted days at the last reading of the runs counter. */
  readDays: 2,
  /** Counted days at the last daily look: the day just ended is the counted time since. */
  lookDays: 3,
  /** Days of the elevator's own history: a counted day in which it ran little is that share of one. */
  activeDays: 4,
} as const;
const USE_STRIDE = 5;
export const E32_STRIDE = FAMILIES.length * FAMILY_STRIDE + CLOSE_STRIDE + USE_STRIDE;

/** Per elevator, Uint32: flags, the day it was last looked at, its peer group; per family, two times in seconds. */
export const U32 = {
  /** Bit f: family f has an active warning (its data is held back from the baseline). */
  alarmed: 0,
  /** The day (epoch ms / day) of the elevator's last daily look. */
  day: 1,
  group: 2,
  families: 3,
} as const;
/** Per family in the Uint32 slot, epoch seconds (0: none). */
export const TIMES = { risingSince: 0, lastSignal: 1 } as const;
const TIMES_STRIDE = 2;
export const U32_STRIDE = U32.families + FAMILIES.length * TIMES_STRIDE;

/** Slots the arrays are made for at least; they double as more elevators come. */
const INITIAL_SLOTS = 1024;

export class DetectorState {
  f64: Float64Array;
  f32: Float32Array;
  u32: Uint32Array;
  u8: Uint8Array;
  private slots = 0;

  /** `elevators`: how many to make room for at once (growing copies every slot). */
  constructor(elevators = INITIAL_SLOTS) {
    const room = Math.max(elevators, INITIAL_SLOTS);
    this.f64 = new Float64Array(room * E64_STRIDE);
    this.f32 = new Float32Array(room * E32_STRIDE);
    this.u32 = new Uint32Array(room * U32_STRIDE);
    this.u8 = new Uint8Array(room * U8_STRIDE);
  }

  allocate(): number {
    const slot = this.slots++;
    if (slot * E64_STRIDE >= this.f64.length) {
      const grow = <T extends Float64Array | Float32Array | Uint32Array | Uint8Array>(
        array: T,
        make: (length: number) => T,
      ) => {
        const bigger = make(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.f64 = grow(this.f64, (length) => new Float64Array(length));
      this.f32 = grow(this.f32, (length) => new Float32Array(length));
      this.u32 = grow(this.u32, (length) => new Uint32Array(length));
      this.u8 = grow(this.u8, (length) => new Uint8Array(length));
    }
    return slot;
  }

  /** Where family `family`'s charts' day starts begin in u8. */
  dayStarts(slot: number, family: number): number {
    return slot * U8_STRIDE + family * MAX_CHARTS;
  }

  /** Where family `family` of slot `slot` starts in f32. */
  family(slot: number, family: number): number {
    return slot * E32_STRIDE + family * FAMILY_STRIDE;
  }

  close(slot: number): number {
    return slot * E32_STRIDE + FAMILIES.length * FAMILY_STRIDE;
  }

  /** Where the elevator's use starts in f32. */
  use(slot: number): number {
    return this.close(slot) + CLOSE_STRIDE;
  }

  /** Where family `family`'s times start in u32. */
  times(slot: number, family: number): number {
    return slot * U32_STRIDE + U32.families + family * TIMES_STRIDE;
  }
}
