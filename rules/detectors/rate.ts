import { z } from 'zod';
import { baselineOf, decayFactor, peerGroup, type Baseline, type PeerRates } from './baseline.js';
import { cusumStep, thresholdFor } from './cusum.js';
import { FAMILIES, type SymptomFamily } from './families.js';
import {
  CLOSE,
  DAY_START_STEPS,
  DetectorState,
  E64,
  E64_STRIDE,
  F32,
  MAX_CHARTS,
  TIMES,
  U32,
  U32_STRIDE,
  USE,
} from './state.js';

const DAY_MS = 86_400_000;
const SECOND_MS = 1000;
const WEEK_DAYS = 7;
const YEAR_DAYS = 365.25;
/** Runs a day are known (for the elevator's peer group) from a counted day on. */
const MIN_DAYS_FOR_RUNS = 1;
/**
 * Exposure is the elevator's counted runs: passengers make door faults and wear shows in use, so a
 * lift whose building fills up or empties, or that comes back into use after months idle, is
 * judged by what it ran, not by the days that went by. An elevator whose runs counter has not
 * moved counts this many runs a counted day (the documented rates are per day of this much use).
 */
export const NOMINAL_RUNS_PER_DAY = 240;
/**
 * The runs counter comes with the telemetry, each minute, each hour or (a rebuild's past) each
 * day: the runs a reading adds are spread over as much counted time from then on as they took to
 * come (an exponential smoothing of that decay time, at least a minute and at most a day), so
 * that a fault between two readings meets the exposure of the use around it, not a lump at the
 * next reading.
 */
const SMOOTHING_DAYS = { min: 1 / 1440, max: 1 } as const;
/**
 * A counted day in which the elevator ran fewer runs than this is that share of a day of its own
 * history: a lift idle for months has no normal to be judged by when it comes back into use.
 */
export const ACTIVE_DAY_RUNS = 40;
/**
 * An elevator's first days of its own history are learned at each daily look, not a week late:
 * with no history, its first days are its normal (a busy lift is not a rise on the fleet's rate).
 */
export const LEARN_AT_ONCE_DAYS = 14;
/**
 * The rate tests signal once an elevator has this many days of its own history: before, its
 * baseline is its peers' alone, and one elevator may make twenty times the door faults of another
 * (a new fleet's peers are the documented rates). Critical events and absolute rules judge from
 * the first day.
 */
export const OWN_HISTORY_DAYS = 7;
/** Close times an elevator's typical close is taken from, at least; before, its recent ones stand in. */
const MIN_TYPICAL_CLOSES = 50;
/**
 * A chart at this share of its threshold is a suspected rise: the weeks in it are held back from
 * the baseline (and learned once the suspicion ends), so that a slow rise is not learned as
 * normal before the test can tell. Only a baseline of MATURE_EVENTS events or more is trusted so:
 * a young one may be what is wrong, and must learn.
 */
const SUSPECTED_SHARE = 0.1;
const MATURE_EVENTS = 10;
/**
 * An elevator's dispersion (how much more its days vary than a Poisson count would) is learned
 * from its days once its own history carries its baseline (the peers' share at most this), and
 * leans on the fleet's spread with this weight in days.
 */
const SPREAD_MAX_PEER_SHARE = 0.5;
export const SPREAD_PRIOR_DAYS = 14;
/** A day's squared Pearson residual counts at most this many times the dispersion: a burst is one odd day, not a new normal. */
const SPREAD_CLIP = 9;
/** A day with less counted time than this (mostly in a visit or a power cut) teaches no dispersion. */
const MIN_SPREAD_DAY = 0.5;
/**
 * Nor does a day its baseline expects fewer events of than this: a sparse family's day holds one
 * event or none, and its residual tells a rise (the wear the test is for) from a swing no better
 * than a coin; learned as dispersion, a rising sparse family would blunt its own test.
 */
const MIN_SPREAD_EXPECTED = 0.5;
/**
 * A day raises a chart by at most 1 / (riseDays - DAY_SHARE_BELOW) of its threshold: riseDays - 1
 * days can never reach it, riseDays days can, with room for the chart's drift between them and for
 * events that come one at a time (a sparse family's one event is a big step).
 */
const DAY_SHARE_BELOW = 0.5;

/** The sequential test of one symptom family: its false-alarm rate, what it looks for, how it learns. */
export const rateConfigSchema = z.strictObject({
  /** On a healthy elevator, at most one false ticket of this family per this many elevator-years. */
  falseAlarmYears: z.number().min(1).max(100_000),
  /** The rises looked for, as multiples of the elevator's usual rate: one chart each, sharing the false alarms. */
  rateRatios: z.array(z.number().min(1.5).max(100)).min(1).max(MAX_CHARTS),
  /** What the peers' rate weighs against the elevator's own history, in events. */
  priorEvents: z.number().min(0.1).max(1000),
  /** Half-life of the elevator's own history, in days: the baseline follows its ageing. */
  halfLifeDays: z.number().min(7).max(3650),
  /** A warning nobody acted on resolves itself after this many days with no renewed rise. */
  quietDays: z.number().min(1).max(365),
  /** A rise must show on at least this many days: one day's events bring a chart at most this fraction of its threshold. */
  riseDays: z.int().min(1).max(14),
});
export type RateConfig = z.infer<typeof rateConfigSchema>;

/** The defaults, from first principles (docs/rules.md, "How the detectors work"). */
export const RATE_DEFAULTS: RateConfig = {
  // With 8 families, about one false ticket per 12 healthy elevator-years in all.
  falseAlarmYears: 100,
  // A doubling (a busy elevator's rise), an order of magnitude, and a jump from a quiet baseline.
  rateRatios: [2, 8, 50],
  // Elevators of one group differ widely (a busy lift's passengers make 20 times the door faults of
  // a quiet one's): a Gamma of shape 0.5, a coefficient of variation of 1.4.
  priorEvents: 0.5,
  // Wear shows over weeks; ageing over months.
  halfLifeDays: 180,
  // Two weeks with no renewed rise: the restarted test would have found a rise that kept on.
  quietDays: 14,
  // Wear keeps on for days: a day's burst with no cause the rules can see (a power cut, a visit)
  // is half a warning. The door families ask 3 (rules/catalogue/detectors.ts).
  riseDays: 2,
};

/** A family's test found a rise: what the ticket says about it. */
export interface Signal {
  readonly family: SymptomFamily;
  readonly at: number;
  /** The chart that signalled: its ratio, statistic and threshold. */
  readonly ratio: number;
  readonly statistic: number;
  readonly threshold: number;
  readonly baseline: Baseline;
  /** Epoch ms since the test began finding a rise; null when it came in one step. */
  readonly risingSince: number | null;
  /** Door timing: its events since it began rising. */
  readonly sinceEvents: number;
}

/** How a family's warning ended, and so what its held data becomes. */
export type Release = 'learn' | 'discard';

/** A family's config for this elevator, or undefined when the family's rule is not run. */
export type ConfigOf = (family: SymptomFamily) => RateConfig | undefined;

const DOOR_TIMING = FAMILIES.findIndex((family) => family.id === 'door-timing');
const add = (array: Float32Array, index: number, value: number) => {
  array[index] = (array[index] as number) + value;
};

/**
 * The per-(elevator, family) detectors over a DetectorState: arithmetic on each elevator's slot
 * and the fleet's peer rates, no I/O. The engine says what happened (counted time starting or
 * stopping, runs, events, a daily look) and acts on the signals.
 */
export class RateDetectors {
  constructor(
    readonly state: DetectorState,
    private readonly peers: PeerRates,
  ) {}

  /**
   * A new elevator's slot, counting from `at` (or not yet), with the families that already have a
   * warning (family index to when it opened).
   */
  begin(at: number, counting: boolean, installedOn: string, alarmed: ReadonlyMap<number, number>): number {
    const slot = this.state.allocate();
    const { f64, u32 } = this.state;
    f64[slot * E64_STRIDE + E64.countingSince] = counting ? at : NaN;
    f64[slot * E64_STRIDE + E64.lastRuns] = NaN;
    u32[slot * U32_STRIDE + U32.day] = Math.floor(at / DAY_MS);
    u32[slot * U32_STRIDE + U32.group] = peerGroup(null, installedOn, at);
    for (const [family, openedAt] of alarmed) {
      u32[slot * U32_STRIDE + U32.alarmed] = (u32[slot * U32_STRIDE + U32.alarmed] as number) | (1 << family);
      u32[this.state.times(slot, family) + TIMES.lastSignal] = Math.floor(openedAt / SECOND_MS);
    }
    return slot;
  }

  // ---- exposure ---------------------------------------------------------------------------

  /** Counted days up to `at`. */
  countedDays(slot: number, at: number): number {
    const since = this.state.f64[slot * E64_STRIDE + E64.countingSince] as number;
    const counted = this.state.f64[slot * E64_STRIDE + E64.countedDays] as number;
    return Number.isNaN(since) ? counted : counted + Math.max(0, at - since) / DAY_MS;
  }

  /** The elevator starts or stops counting time (a visit, inspection or power cut ends or begins). */
  setCounting(slot: number, counting: boolean, at: number): void {
    const { f64 } = this.state;
    const since = f64[slot * E64_STRIDE + E64.countingSince] as number;
    if (Number.isNaN(since) === !counting) return;
    if (counting) {
      f64[slot * E64_STRIDE + E64.countingSince] = at;
    } else {
      // A step that arrives late (a terminal's buffer) does not take back time already counted.
      const counted = Math.max(this.countedDays(slot, at), f64[slot * E64_STRIDE + E64.accruedDays] as number);
      f64[slot * E64_STRIDE + E64.countedDays] = counted;
      f64[slot * E64_STRIDE + E64.countingSince] = NaN;
    }
  }

  /**
   * The telemetry's cumulative runs counter at `at`: the runs since the last reading, while the
   * elevator counts, join its use, spread over as much counted time as they took to come.
   */
  runs(slot: number, counter: number, counting: boolean, at: number): void {
    const { f64, f32 } = this.state;
    const last = f64[slot * E64_STRIDE + E64.lastRuns] as number;
    // A counter that went down is a restarted terminal (from there, a new count) or a message
    // that came late (ignored): only the first falls below half of what was seen.
    if (!Number.isNaN(last) && counter < last && counter >= last / 2) return;
    const step = Number.isNaN(last) || counter < last ? 0 : counter - last;
    f64[slot * E64_STRIDE + E64.lastRuns] = counter;
    const use = this.state.use(slot);
    const now = this.countedDays(slot, at);
    const took = now - (f32[use + USE.readDays] as number);
    f32[use + USE.readDays] = now;
    if (!counting || step === 0) return;
    this.accrue(slot, at);
    // What is left of the earlier readings keeps its runs, spread over the new reading's time.
    const smoothing = Math.min(SMOOTHING_DAYS.max, Math.max(SMOOTHING_DAYS.min, took));
    const left = (f32[use + USE.usage] as number) * (f32[use + USE.smoothing] as number);
    f32[use + USE.smoothing] = smoothing;
    f32[use + USE.usage] = (left + step) / smoothing;
  }

  /**
   * Brings the exposure up to `at`: the use decays over the counted time since (an exponential
   * smoothing of the runs), and what it gave is the exposure gained. Before its first counted run,
   * an elevator counts NOMINAL_RUNS_PER_DAY a counted day.
   */
  private accrue(slot: number, at: number): void {
    const { f64, f32 } = this.state;
    const base = slot * E64_STRIDE;
    const use = this.state.use(slot);
    const now = this.countedDays(slot, at);
    const elapsed = now - (f64[base + E64.accruedDays] as number);
    if (elapsed <= 0) return;
    f64[base + E64.accruedDays] = now;
    const smoothing = f32[use + USE.smoothing] as number;
    if (smoothing === 0) {
      f64[base + E64.exposure] = (f64[base + E64.exposure] as number) + elapsed * NOMINAL_RUNS_PER_DAY;
      return;
    }
    const kept = Math.exp(-elapsed / smoothing);
    const usage = f32[use + USE.usage] as number;
    f64[base + E64.exposure] = (f64[base + E64.exposure] as number) + usage * smoothing * (1 - kept);
    f32[use + USE.usage] = usage * kept;
  }

  /** Runs (exposure) a counted day, as far as the exposure has accrued; null before a counted day. */
  runsPerDay(slot: number): number | null {
    const { f64 } = this.state;
    const days = f64[slot * E64_STRIDE + E64.accruedDays] as number;
    return days < MIN_DAYS_FOR_RUNS ? null : (f64[slot * E64_STRIDE + E64.exposure] as number) / days;
  }

  /** The elevator's exposure up to `at`, in runs. */
  exposure(slot: number, at: number): number {
    this.accrue(slot, at);
    return this.state.f64[slot * E64_STRIDE + E64.exposure] as number;
  }

  /** Its exposure in a usual counted day, as far as it has accrued (NOMINAL_RUNS_PER_DAY before a counted day). */
  exposurePerDay(slot: number): number {
    return this.runsPerDay(slot) ?? NOMINAL_RUNS_PER_DAY;
  }

  /** A baseline's usual events a week at the elevator's usual use: what a ticket shows. */
  usualPerWeek(slot: number, baseline: Baseline): number {
    return baseline.mean * this.exposurePerDay(slot) * WEEK_DAYS;
  }

  /** Days of the elevator's own history (a day it ran little counts for its share of ACTIVE_DAY_RUNS). */
  ownDays(slot: number): number {
    return this.state.f32[this.state.use(slot) + USE.activeDays] as number;
  }

  // ---- the tests ----------------------------------------------------------------------------

  isAlarmed(slot: number, family: number): boolean {
    return ((this.state.u32[slot * U32_STRIDE + U32.alarmed] as number) & (1 << family)) !== 0;
  }

  alarmedFamilies(slot: number): number[] {
    return FAMILIES.filter((family) => this.isAlarmed(slot, family.index)).map((family) => family.index);
  }

  /** When the family's test last signalled (or its warning opened), epoch ms; 0 for never. */
  lastSignal(slot: number, family: number): number {
    return (this.state.u32[this.state.times(slot, family) + TIMES.lastSignal] as number) * SECOND_MS;
  }

  /** The family's baseline for this elevator now. */
  baseline(slot: number, family: SymptomFamily, config: RateConfig): Baseline {
    const start = this.state.family(slot, family.index);
    return baselineOf(
      this.state.f32[start + F32.baseEvents] as number,
      this.state.f32[start + F32.baseExposure] as number,
      this.peers.rate(this.state.u32[slot * U32_STRIDE + U32.group] as number, family.index),
      config.priorEvents,
    );
  }

  /**
   * Brings the charts up to `at`: each decreases by what its baseline expects over the exposure
   * since, and that exposure joins the week not yet learned.
   */
  advance(slot: number, at: number, configOf: ConfigOf): void {
    const { f64, f32 } = this.state;
    const markField = slot * E64_STRIDE + E64.markExposure;
    const now = this.exposure(slot, at);
    const exposure = now - (f64[markField] as number);
    if (exposure <= 0) return;
    f64[markField] = now;
    for (const family of FAMILIES) {
      const config = configOf(family);
      if (!config) continue;
      const start = this.state.family(slot, family.index);
      add(f32, start + F32.newerExposure, exposure);
      const baseline = this.baseline(slot, family, config);
      const expected = (baseline.tested * exposure) / this.dispersion(slot, family, baseline);
      config.rateRatios.forEach((k, chart) => {
        f32[start + F32.charts + chart] = cusumStep(f32[start + F32.charts + chart] as number, 0, k, expected);
      });
      if (f32[start + F32.charts] !== 0) continue;
      this.state.u32[this.state.times(slot, family.index) + TIMES.risingSince] = 0;
      if (family.index === DOOR_TIMING) f32[this.state.close(slot) + CLOSE.sinceEvents] = 0;
    }
  }

  /**
   * Counts `events` of the family at `at` (after `advance`), and tests: a signal when a chart
   * reaches its threshold, which restarts the charts and holds the family's data back from the
   * baseline until its warning ends.
   */
  observe(slot: number, family: SymptomFamily, events: number, at: number, config: RateConfig): Signal | null {
    if (events <= 0) return null;
    const { f32, u32 } = this.state;
    const start = this.state.family(slot, family.index);
    const times = this.state.times(slot, family.index);
    const close = this.state.close(slot);
    add(f32, start + F32.newerEvents, events);
    if (u32[times + TIMES.risingSince] === 0) u32[times + TIMES.risingSince] = Math.floor(at / SECOND_MS);
    if (family.index === DOOR_TIMING) add(f32, close + CLOSE.sinceEvents, events);
    add(f32, start + F32.dayEvents, events);
    const thresholds = this.thresholds(slot, family, config);
    // Counted in units of the dispersion; one day raises a chart by at most its share (riseDays).
    const dayStarts = this.state.dayStarts(slot, family.index);
    config.rateRatios.forEach((k, chart) => {
      const field = start + F32.charts + chart;
      const stepped = cusumStep(f32[field] as number, events / thresholds.dispersion, k, 0);
      const threshold = thresholds.of[chart] as number;
      const share = threshold / (config.riseDays - DAY_SHARE_BELOW);
      const cap = ((this.state.u8[dayStarts + chart] as number) / DAY_START_STEPS) * threshold + share;
      f32[field] = Math.min(stepped, Math.max(cap, f32[field] as number));
    });
    if (this.ownDays(slot) < OWN_HISTORY_DAYS) return null;
    const chart = config.rateRatios.findIndex(
      (_ratio, index) => (f32[start + F32.charts + index] as number) >= (thresholds.of[index] as number),
    );
    if (chart < 0) return null;
    const risingSince = (u32[times + TIMES.risingSince] as number) * SECOND_MS;
    const signal: Signal = {
      family,
      at,
      ratio: config.rateRatios[chart] as number,
      statistic: f32[start + F32.charts + chart] as number,
      threshold: thresholds.of[chart] as number,
      baseline: thresholds.baseline,
      risingSince: risingSince > 0 && risingSince < Math.floor(at / SECOND_MS) * SECOND_MS ? risingSince : null,
      sinceEvents: f32[close + CLOSE.sinceEvents] as number,
    };
    f32.fill(0, start + F32.charts, start + F32.charts + MAX_CHARTS);
    this.state.u8.fill(0, dayStarts, dayStarts + MAX_CHARTS);
    u32[times + TIMES.risingSince] = 0;
    u32[times + TIMES.lastSignal] = Math.floor(at / SECOND_MS);
    u32[slot * U32_STRIDE + U32.alarmed] = (u32[slot * U32_STRIDE + U32.alarmed] as number) | (1 << family.index);
    if (family.index === DOOR_TIMING) f32[close + CLOSE.sinceEvents] = 0;
    return signal;
  }

  /**
   * Each chart's threshold for this elevator now: a healthy elevator's charts together signal at
   * most once per `falseAlarmYears`, whatever its own rate (each chart gets its share). The
   * charts count in units of the elevator's dispersion (a quasi-Poisson count: n / φ events
   * against λ0 Δt / φ expected), so a year holds 1 / φ as many of them.
   */
  thresholds(
    slot: number,
    family: SymptomFamily,
    config: RateConfig,
  ): { of: number[]; baseline: Baseline; dispersion: number } {
    const baseline = this.baseline(slot, family, config);
    const dispersion = this.dispersion(slot, family, baseline);
    const eventsPerFalseAlarm =
      (baseline.tested * this.exposurePerDay(slot) * YEAR_DAYS * config.falseAlarmYears * config.rateRatios.length) /
      dispersion;
    return { of: config.rateRatios.map((k) => thresholdFor(k, eventsPerFalseAlarm)), baseline, dispersion };
  }

  /**
   * How much more the elevator's daily counts of a family vary than a Poisson count with its
   * usual rate (variance over mean, 1 or more): its own days' squared Pearson residuals, shrunk
   * towards what the fleet's spread gives at its rate (1 + c² m: a quiet elevator's counts are
   * nearly Poisson, a busy one's swing with its usage).
   */
  dispersion(slot: number, family: SymptomFamily, baseline: Baseline): number {
    const start = this.state.family(slot, family.index);
    const prior = 1 + this.peers.spread(family.index) * baseline.mean * this.exposurePerDay(slot);
    const sum = SPREAD_PRIOR_DAYS * prior + (this.state.f32[start + F32.spreadSum] as number);
    return Math.max(1, sum / (SPREAD_PRIOR_DAYS + (this.state.f32[start + F32.spreadDays] as number)));
  }

  /** Each chart's statistic now, as its share of its threshold: the day's start, which bounds what the day raises it. */
  private markDayStarts(slot: number, family: SymptomFamily, config: RateConfig): void {
    const { f32, u8 } = this.state;
    const start = this.state.family(slot, family.index);
    const dayStarts = this.state.dayStarts(slot, family.index);
    if (config.rateRatios.every((_k, chart) => f32[start + F32.charts + chart] === 0)) {
      u8.fill(0, dayStarts, dayStarts + MAX_CHARTS);
      return;
    }
    const { of } = this.thresholds(slot, family, config);
    config.rateRatios.forEach((_k, chart) => {
      const share = (f32[start + F32.charts + chart] as number) / (of[chart] as number);
      u8[dayStarts + chart] = Math.round(Math.min(1, share) * DAY_START_STEPS);
    });
  }

  /**
   * The day since the last look ends: its events against the baseline teach the elevator's
   * dispersion and the fleet's spread, unless the family is in a warning or a suspected rise
   * (as its rate is held back) or its baseline is still mostly its peers'.
   */
  private endDay(
    slot: number,
    family: SymptomFamily,
    config: RateConfig,
    day: { days: number; exposure: number },
    at: number,
  ): void {
    const { f32 } = this.state;
    const start = this.state.family(slot, family.index);
    const events = f32[start + F32.dayEvents] as number;
    f32[start + F32.dayEvents] = 0;
    this.markDayStarts(slot, family, config);
    if (day.days < MIN_SPREAD_DAY || this.isAlarmed(slot, family.index) || this.suspected(slot, family, config)) return;
    const baseline = this.baseline(slot, family, config);
    const expected = baseline.mean * day.exposure;
    if (expected < MIN_SPREAD_EXPECTED || baseline.peerShare > SPREAD_MAX_PEER_SHARE) return;
    const r2 = Math.min((events - expected) ** 2 / expected, SPREAD_CLIP * this.dispersion(slot, family, baseline));
    add(f32, start + F32.spreadSum, r2);
    add(f32, start + F32.spreadDays, 1);
    this.peers.addSpread(family.index, r2, expected, at);
  }

  /**
   * Takes back `events` of the family counted earlier (a common cause found after them): they
   * leave the weeks not yet learned, the day, and each chart, as much as they raised it.
   */
  withdraw(slot: number, family: SymptomFamily, events: number, config: RateConfig): void {
    if (events <= 0) return;
    const { f32 } = this.state;
    const start = this.state.family(slot, family.index);
    const fromNewer = Math.min(events, f32[start + F32.newerEvents] as number);
    f32[start + F32.newerEvents] = (f32[start + F32.newerEvents] as number) - fromNewer;
    f32[start + F32.olderEvents] = Math.max(0, (f32[start + F32.olderEvents] as number) - (events - fromNewer));
    f32[start + F32.dayEvents] = Math.max(0, (f32[start + F32.dayEvents] as number) - events);
    const dispersion = this.dispersion(slot, family, this.baseline(slot, family, config));
    config.rateRatios.forEach((k, chart) => {
      const field = start + F32.charts + chart;
      f32[field] = Math.max(0, (f32[field] as number) - (events / dispersion) * Math.log(k));
    });
  }

  /** A family's warning opened on an absolute rule: its data is held back as after a signal. */
  markAlarmed(slot: number, family: number, at: number): void {
    const { u32 } = this.state;
    u32[slot * U32_STRIDE + U32.alarmed] = (u32[slot * U32_STRIDE + U32.alarmed] as number) | (1 << family);
    u32[this.state.times(slot, family) + TIMES.lastSignal] = Math.floor(at / SECOND_MS);
  }

  /**
   * A family's warning ended: its held data joins the baseline at the next look (a false alarm,
   * or a rise that faded) or is dropped (a person resolved it: a repair).
   */
  release(slot: number, family: number, release: Release): void {
    const { f32, u32 } = this.state;
    u32[slot * U32_STRIDE + U32.alarmed] = (u32[slot * U32_STRIDE + U32.alarmed] as number) & ~(1 << family);
    if (release === 'learn') return;
    const start = this.state.family(slot, family);
    f32.fill(0, start + F32.olderEvents, start + F32.newerExposure + 1);
    if (family === DOOR_TIMING) {
      const close = this.state.close(slot);
      f32.fill(0, close + CLOSE.olderSum, close + CLOSE.newerCount + 1);
    }
  }

  /**
   * The elevator's daily look (the first message of a day, event time): the charts are brought
   * up to date; in its first LEARN_AT_ONCE_DAYS what it showed joins its baseline at once; once a
   * week (or more, after a silence) the baseline decays and the week before last joins it. A
   * family with an active warning, or in a suspected rise, keeps its weeks back.
   */
  dailyLook(slot: number, at: number, installedOn: string, configOf: ConfigOf): boolean {
    const { u32 } = this.state;
    const day = Math.floor(at / DAY_MS);
    const lastDay = u32[slot * U32_STRIDE + U32.day] as number;
    if (day <= lastDay) return false;
    u32[slot * U32_STRIDE + U32.day] = day;
    this.advance(slot, at, configOf);
    const { f64, f32 } = this.state;
    const use = this.state.use(slot);
    const counted = this.countedDays(slot, at);
    const exposure = this.exposure(slot, at);
    const ended = {
      days: Math.max(0, counted - (f32[use + USE.lookDays] as number)),
      exposure: Math.max(0, exposure - (f64[slot * E64_STRIDE + E64.lookExposure] as number)),
    };
    f32[use + USE.lookDays] = counted;
    f64[slot * E64_STRIDE + E64.lookExposure] = exposure;
    f32[use + USE.activeDays] =
      (f32[use + USE.activeDays] as number) + Math.min(ended.days, ended.exposure / ACTIVE_DAY_RUNS);
    for (const family of FAMILIES) {
      const config = configOf(family);
      if (config) this.endDay(slot, family, config, ended, at);
    }
    const weeks = Math.floor(day / WEEK_DAYS) - Math.floor(lastDay / WEEK_DAYS);
    const young = this.ownDays(slot) < LEARN_AT_ONCE_DAYS;
    for (const family of FAMILIES) {
      const config = configOf(family);
      if (!config) continue;
      if (weeks > 0) this.decay(slot, family.index, weeks, config);
      if (this.isAlarmed(slot, family.index)) continue;
      if (young) {
        this.learn(slot, family.index, F32.olderEvents, F32.olderExposure, at);
        this.learn(slot, family.index, F32.newerEvents, F32.newerExposure, at);
      } else if (weeks > 0) this.rotate(slot, family.index, weeks, this.suspected(slot, family, config), at);
    }
    if (weeks > 0 || young) this.learnCloseTimes(slot, young ? 2 : weeks);
    if (weeks > 0) u32[slot * U32_STRIDE + U32.group] = peerGroup(this.runsPerDay(slot), installedOn, at);
    return true;
  }

  private suspected(slot: number, family: SymptomFamily, config: RateConfig): boolean {
    const start = this.state.family(slot, family.index);
    const statistic = this.state.f32[start + F32.charts] as number;
    if (statistic === 0 || (this.state.f32[start + F32.baseEvents] as number) < MATURE_EVENTS) return false;
    return statistic >= (this.thresholds(slot, family, config).of[0] as number) * SUSPECTED_SHARE;
  }

  private decay(slot: number, family: number, weeks: number, config: RateConfig): void {
    const { f32 } = this.state;
    const start = this.state.family(slot, family);
    const factor = decayFactor(weeks * WEEK_DAYS, config.halfLifeDays);
    f32[start + F32.baseEvents] = (f32[start + F32.baseEvents] as number) * factor;
    f32[start + F32.baseExposure] = (f32[start + F32.baseExposure] as number) * factor;
    f32[start + F32.spreadSum] = (f32[start + F32.spreadSum] as number) * factor;
    f32[start + F32.spreadDays] = (f32[start + F32.spreadDays] as number) * factor;
    if (family === DOOR_TIMING) {
      const close = this.state.close(slot);
      f32[close + CLOSE.typicalSum] = (f32[close + CLOSE.typicalSum] as number) * factor;
      f32[close + CLOSE.typicalWeight] = (f32[close + CLOSE.typicalWeight] as number) * factor;
    }
  }

  /** The week before last joins the baseline; after a silence of two weeks or more, the last week too. */
  private rotate(slot: number, family: number, weeks: number, held: boolean, at: number): void {
    const { f32 } = this.state;
    const start = this.state.family(slot, family);
    if (!held) {
      this.learn(slot, family, F32.olderEvents, F32.olderExposure, at);
      if (weeks >= 2) this.learn(slot, family, F32.newerEvents, F32.newerExposure, at);
    }
    add(f32, start + F32.olderEvents, f32[start + F32.newerEvents] as number);
    add(f32, start + F32.olderExposure, f32[start + F32.newerExposure] as number);
    f32[start + F32.newerEvents] = 0;
    f32[start + F32.newerExposure] = 0;
  }

  private learn(slot: number, family: number, eventsField: number, exposureField: number, at: number): void {
    const { f32 } = this.state;
    const start = this.state.family(slot, family);
    const events = f32[start + eventsField] as number;
    const exposure = f32[start + exposureField] as number;
    if (exposure <= 0 && events <= 0) return;
    add(f32, start + F32.baseEvents, events);
    add(f32, start + F32.baseExposure, exposure);
    f32[start + eventsField] = 0;
    f32[start + exposureField] = 0;
    if (exposure > 0)
      this.peers.add(this.state.u32[slot * U32_STRIDE + U32.group] as number, family, events, exposure, at);
  }

  // ---- door timing ------------------------------------------------------------------------

  /**
   * One door cycle from the doors topic: whether it was trouble (a reopen, or a close slower than
   * `slowPercent` over the elevator's typical close). A cycle that was not trouble teaches the
   * typical close time, learned as the rates are.
   */
  doorCycle(slot: number, closeMs: number, reopens: number, slowPercent: number): number {
    const { f32 } = this.state;
    const close = this.state.close(slot);
    const logClose = closeMs > 0 ? Math.log(closeMs) : null;
    const typical = this.typicalClose(slot);
    const slow = logClose !== null && typical !== null && logClose > typical + Math.log(1 + slowPercent / 100);
    const trouble = reopens > 0 || slow;
    if (!trouble && logClose !== null) {
      add(f32, close + CLOSE.newerSum, logClose);
      add(f32, close + CLOSE.newerCount, 1);
    }
    return trouble ? 1 : 0;
  }

  /**
   * A day of door cycles, summed (a rebuild's past): the cycles with a reopen are its trouble;
   * the others' median close teaches the typical close as that many closes would.
   */
  doorDay(slot: number, reopened: number, medianCloseMs: number | null, closes: number): number {
    if (medianCloseMs !== null && medianCloseMs > 0 && closes > 0) {
      const close = this.state.close(slot);
      add(this.state.f32, close + CLOSE.newerSum, closes * Math.log(medianCloseMs));
      add(this.state.f32, close + CLOSE.newerCount, closes);
    }
    return reopened;
  }

  /** The typical close time's log; while it rests on too few closes, the weeks not yet learned join in. */
  typicalClose(slot: number): number | null {
    const { f32 } = this.state;
    const close = this.state.close(slot);
    const weight = f32[close + CLOSE.typicalWeight] as number;
    const sum = f32[close + CLOSE.typicalSum] as number;
    if (weight >= MIN_TYPICAL_CLOSES) return sum / weight;
    const count = weight + (f32[close + CLOSE.olderCount] as number) + (f32[close + CLOSE.newerCount] as number);
    if (count < MIN_TYPICAL_CLOSES) return null;
    return (sum + (f32[close + CLOSE.olderSum] as number) + (f32[close + CLOSE.newerSum] as number)) / count;
  }

  /** Close times learned as door timing's rate is: `weeks` 2 or more learns both weeks. */
  private learnCloseTimes(slot: number, weeks: number): void {
    if (this.isAlarmed(slot, DOOR_TIMING)) return;
    const { f32 } = this.state;
    const close = this.state.close(slot);
    const learn = (sum: number, count: number) => {
      add(f32, close + CLOSE.typicalSum, f32[close + sum] as number);
      add(f32, close + CLOSE.typicalWeight, f32[close + count] as number);
      f32[close + sum] = 0;
      f32[close + count] = 0;
    };
    learn(CLOSE.olderSum, CLOSE.olderCount);
    if (weeks >= 2) learn(CLOSE.newerSum, CLOSE.newerCount);
    add(f32, close + CLOSE.olderSum, f32[close + CLOSE.newerSum] as number);
    add(f32, close + CLOSE.olderCount, f32[close + CLOSE.newerCount] as number);
    f32[close + CLOSE.newerSum] = 0;
    f32[close + CLOSE.newerCount] = 0;
  }
}
