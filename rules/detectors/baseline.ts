/**
 * An elevator's usual rate of a symptom, as a Gamma-Poisson posterior: its own counted events and
 * exposure (decayed, so that it follows ageing), with a prior worth `priorEvents` events at its
 * peers' rate. While its own history is short the peers' rate carries it; once its own exposure
 * is long against priorEvents / peerRate, its own rate does.
 */

/**
 * The rate the sequential test compares with is the posterior mean plus this many posterior
 * standard deviations (mean / sqrt(shape)): a young history cannot tell a busy elevator's normal
 * from a rise, so it gets the benefit of the doubt; a long one comes close to its mean.
 */
export const TESTED_SDS = 1;

export interface Baseline {
  /** The posterior mean: the usual rate, per unit of exposure. */
  readonly mean: number;
  /** The rate the test compares with: the mean plus TESTED_SDS posterior standard deviations. */
  readonly tested: number;
  /** The share of the estimate that comes from the peers' prior (0 to 1). */
  readonly peerShare: number;
}

/** The baseline from own events and exposure, and the peers' rate with its weight in events. */
export function baselineOf(events: number, exposure: number, peerRate: number, priorEvents: number): Baseline {
  const priorExposure = priorEvents / peerRate;
  const shape = priorEvents + events;
  const rate = priorExposure + exposure;
  const mean = shape / rate;
  return {
    mean,
    tested: mean * (1 + TESTED_SDS / Math.sqrt(shape)),
    peerShare: priorExposure / rate,
  };
}

/** The factor that leaves half of a weight after `halfLife` (same unit as `elapsed`). */
export const decayFactor = (elapsed: number, halfLife: number) => 2 ** (-Math.max(0, elapsed) / halfLife);

export interface PeerOptions {
  /** The fleet's rate per family before any data (per unit of exposure). */
  readonly fleetPriors: readonly number[];
  /** The exposure of a usual day: fleetSpread is of a day's count at the documented rates. */
  readonly dayExposure: number;
  /**
   * The fleet's spread of a day's rate before any data: the squared coefficient of variation of
   * one day's rate around an elevator's usual (weekends, the day's swing), the same for all families.
   */
  readonly fleetSpread: number;
  /** What fleetSpread is worth against the fleet's data, in elevator-days at the documented rate. */
  readonly spreadPriorDays: number;
  /**
   * What the documented prior is worth against the fleet's data, and the fleet's rate against a
   * group's data, in events: pooled data outweighs it once it holds that many events.
   */
  readonly priorEvents: number;
  /** Half-life of pooled data, days of event time. */
  readonly halfLifeDays: number;
}

/** Peer groups: by usage (runs a day) and by age (years since installation). */
export const USAGE_BANDS = [100, 200, 400, 800, 1600] as const;
export const AGE_BANDS = [5, 10, 20] as const;
const GROUPS = (USAGE_BANDS.length + 2) * (AGE_BANDS.length + 1);
const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;

/** The peer group of an elevator from its runs a day (null: not known yet) and installation date. */
export function peerGroup(runsPerDay: number | null, installedOn: string, at: number): number {
  const usage = runsPerDay === null ? 0 : 1 + USAGE_BANDS.filter((band) => runsPerDay >= band).length;
  const years = (at - Date.parse(installedOn)) / YEAR_MS;
  const age = Number.isFinite(years) ? AGE_BANDS.filter((band) => years >= band).length : 0;
  return usage * (AGE_BANDS.length + 1) + age;
}

/**
 * The fleet's pooled events and exposure per family, overall and per peer group, decayed with
 * event time. A group's rate leans on the fleet's until it has data of its own, and the fleet's on
 * the documented prior until the fleet has some: a new fleet starts from the documented rates.
 */
export class PeerRates {
  /** Per group (and the fleet at index GROUPS), per family: events, exposure. */
  private readonly pooled: Float64Array;
  private readonly updatedAt: Float64Array;
  /** The fleet's per family: the day's excess variance (sum of (r² - 1) m) and its weight (sum of m²). */
  private readonly spreads: Float64Array;
  private spreadsAt = 0;

  constructor(private readonly options: PeerOptions) {
    const families = options.fleetPriors.length;
    this.pooled = new Float64Array((GROUPS + 1) * families * 2);
    this.updatedAt = new Float64Array(GROUPS + 1);
    this.spreads = new Float64Array(families * 2);
  }

  /**
   * Adds one elevator-day to the fleet's spread of a family: its squared Pearson residual `r2`
   * (clipped) at `expected` events. For a day's rate with squared coefficient of variation c²,
   * E[r²] = 1 + c² m, so (r² - 1) m over m² estimates c², whatever the elevator's own rate.
   */
  addSpread(family: number, r2: number, expected: number, at: number): void {
    if (at > this.spreadsAt) {
      if (this.spreadsAt > 0) {
        const factor = decayFactor((at - this.spreadsAt) / DAY_MS, this.options.halfLifeDays);
        for (let i = 0; i < this.spreads.length; i++) this.spreads[i] = (this.spreads[i] as number) * factor;
      }
      this.spreadsAt = at;
    }
    this.spreads[family * 2] = (this.spreads[family * 2] as number) + (r2 - 1) * expected;
    this.spreads[family * 2 + 1] = (this.spreads[family * 2 + 1] as number) + expected * expected;
  }

  /** The fleet's squared coefficient of variation of a day's rate of a family (0 or more). */
  spread(family: number): number {
    const prior = (this.options.fleetPriors[family] as number) * this.options.dayExposure;
    const weight = this.options.spreadPriorDays * prior * prior;
    const excess = this.options.fleetSpread * weight + (this.spreads[family * 2] as number);
    return Math.max(0, excess / (weight + (this.spreads[family * 2 + 1] as number)));
  }

  /** Adds an elevator's committed events and exposure of one family to its group and the fleet. */
  add(group: number, family: number, events: number, exposure: number, at: number): void {
    for (const index of [group, GROUPS]) {
      this.decay(index, at);
      const base = (index * this.options.fleetPriors.length + family) * 2;
      this.pooled[base] = (this.pooled[base] as number) + events;
      this.pooled[base + 1] = (this.pooled[base + 1] as number) + exposure;
    }
  }

  /** The peers' rate of a family for an elevator of this group. */
  rate(group: number, family: number): number {
    const fleet = this.smoothed(GROUPS, family, this.options.fleetPriors[family] as number);
    return this.smoothed(group, family, fleet);
  }

  private smoothed(index: number, family: number, prior: number): number {
    const base = (index * this.options.fleetPriors.length + family) * 2;
    const { priorEvents } = this.options;
    return (priorEvents + (this.pooled[base] as number)) / (priorEvents / prior + (this.pooled[base + 1] as number));
  }

  private decay(index: number, at: number): void {
    const last = this.updatedAt[index] as number;
    if (at <= last) return;
    this.updatedAt[index] = at;
    if (last === 0) return;
    const factor = decayFactor((at - last) / DAY_MS, this.options.halfLifeDays);
    const families = this.options.fleetPriors.length;
    for (let i = index * families * 2; i < (index + 1) * families * 2; i++) {
      this.pooled[i] = (this.pooled[i] as number) * factor;
    }
  }
}
