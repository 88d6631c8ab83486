import { decayFactor } from './baseline.js';

/**
 * A common cause: a symptom family rising on many elevators of one place in the same hours (a
 * storm's damp on ground-floor landing doors and in pits, a heat wave's grid sags) is the weather
 * or the grid, not wear, which comes to one elevator at a time. Per family and scope (the fleet,
 * each district), it counts onsets (an elevator's first counted event of the family in the
 * longest scan window) over windows of a few hours to a day (a scan statistic: a short burst and
 * a day-long one each have their window) and tests them against how many the scope's elevators
 * show on a usual day: far more than that is an episode, and the family's events in the scope
 * are set aside from the window that showed it until a day after, as a power cut's are. What the
 * detectors counted of them before it was found is withdrawn.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DAY_HOURS = 24;
/** Past this mean, Poisson quantiles by the normal approximation. */
const LARGE_MEAN = 500;
/** The normal quantile's bisection: over [0, 40] standard deviations, to well under 1e-9. */
const NORMAL_SEARCH_LIMIT = 40;
const NORMAL_SEARCH_STEPS = 60;

export interface CommonCauseOptions {
  /** The windows onsets are counted over, in hours, shortest first; the longest also says what an onset is. */
  readonly scanHours: readonly number[];
  /** Faults come in busy hours: a window shorter than a day is taken to hold up to this many times its share of one. */
  readonly busyFactor: number;
  /** The chance, per onset, that a usual day's onsets pass any window's test: smaller, fewer false episodes. */
  readonly falseEpisodeChance: number;
  /** A district shares in the fleet's episode while its own day reaches what its usual days reach with this chance, */
  readonly shareChance: number;
  /** or while its usual day has fewer onsets than this: too few for its own count to tell. */
  readonly shareEvidence: number;
  /** A day above what usual days reach with this chance teaches only that much (a common cause not found). */
  readonly clipChance: number;
  /** Fewer elevators than this rising together are never a common cause. */
  readonly minElevators: number;
  /** Half-life of the days the usual onsets are learned from. */
  readonly halfLifeDays: number;
  /**
   * The days of its own a scope learns before it finds episodes, leaning on the fleet's
   * documented rate with this weight until then (a fleet's rate may be ten times the documented
   * one: old lifts); from then on its own days alone.
   */
  readonly priorDays: number;
  /** How long the spans of past episodes are kept, in days: as far back as the rules read. */
  readonly keepDays: number;
  /**
   * A warning of a family a common cause can bring waits this long before it opens, for the
   * tracker to see whether other elevators show the same: an episode is found within hours.
   */
  readonly holdHours: number;
}

/**
 * The defaults: a storm's damp shows within hours or over its day; a false episode costs a day of
 * one family's evidence in one place, so the test may be sure, not blind: one in 10,000 onsets of
 * a usual day, and at least three elevators, once the scope has a week of its own days (a fleet of
 * old lifts shows ten times the documented rate). A district shares in the fleet's episode when
 * its own onsets are in its usual days' upper quartile, or when its usual day has fewer than three
 * (too few to tell: a small fleet's district goes with its fleet); a day above what one usual day in 20
 * reaches teaches only that much (clipped any lower, a busy fleet's usual could never catch up
 * with it, and every day of it would look like an episode: measured on old-mixed-fleet).
 */
export const COMMON_CAUSE_DEFAULTS: CommonCauseOptions = {
  scanHours: [4, 12, 24],
  busyFactor: 2,
  falseEpisodeChance: 1e-4,
  shareChance: 0.25,
  shareEvidence: 3,
  clipChance: 0.05,
  minElevators: 3,
  halfLifeDays: 28,
  priorDays: 7,
  keepDays: 30,
  holdHours: 6,
};

/** An onset in a scope's window: whose, where, and when. */
export interface Onset {
  readonly elevator: string;
  readonly district: string;
  readonly at: number;
}

/** What the tracker says of a counted event. */
export interface CommonVerdict {
  /** The event belongs to a common-cause episode (as far as is known now): not evidence of wear. */
  readonly common: boolean;
  /** An episode began with this event: the onsets before it in the window (this elevator's too), to withdraw. */
  readonly withdraw: readonly Onset[];
}

interface Span {
  from: number;
  until: number;
}

/** One family in one scope: its window of onsets, its usual day, its episodes. */
class ScopeFamily {
  private readonly onsets: Onset[] = [];
  private head = 0;
  /** The current (or last) episode, reaching back over the window that showed it. */
  private episode: Span = { from: 0, until: 0 };
  /** The spans whose events are common here, oldest first: its own episodes and its shares in the fleet's. */
  private readonly spans: Span[] = [];
  /** The day being counted (epoch days), its onsets, and whether an episode touched it. */
  private day = -1;
  private dayOnsets = 0;
  private dayInEpisode = false;
  /** Learned usual days: decayed weight, and sums of onsets per elevator and of its square. */
  private weight = 0;
  private sum = 0;
  private sumSquares = 0;

  constructor(
    private readonly prior: number,
    private readonly options: CommonCauseOptions,
  ) {}

  private get longestMs(): number {
    return (this.options.scanHours.at(-1) as number) * HOUR_MS;
  }

  get current(): Readonly<Span> {
    return this.episode;
  }

  inEpisode(at: number): boolean {
    return at < this.episode.until;
  }

  /** Drops the onsets before the longest window that ends at `at` (a city's day holds tens of thousands: no copy). */
  private prune(at: number): void {
    const since = at - this.longestMs;
    while (this.head < this.onsets.length && (this.onsets[this.head] as Onset).at <= since) this.head++;
    if (this.head > this.onsets.length / 2) {
      this.onsets.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The onsets in the longest window that ends at `at`, but `except`: an episode's to withdraw. */
  window(at: number, except: Onset | null = null): Onset[] {
    this.prune(at);
    return this.onsets.slice(this.head).filter((onset) => onset !== except);
  }

  /** Onsets since `since`: the onsets are in time order, so a binary search. */
  private countSince(since: number): number {
    let low = this.head;
    let high = this.onsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.onsets[middle] as Onset).at > since) high = middle;
      else low = middle + 1;
    }
    return this.onsets.length - low;
  }

  /** An onset among `members` elevators: whether a window now holds an episode (it then lasts a day more). */
  onset(onset: Onset, members: number): boolean {
    this.closeDays(onset.at, members);
    this.prune(onset.at);
    // In time order: a terminal's buffer may bring an onset later than others of after it.
    let place = this.onsets.length;
    while (place > this.head && (this.onsets[place - 1] as Onset).at > onset.at) place--;
    this.onsets.splice(place, 0, onset);
    this.dayOnsets++;
    const { scanHours, minElevators, falseEpisodeChance, priorDays } = this.options;
    if (this.weight < priorDays) return false;
    const chance = falseEpisodeChance / scanHours.length;
    const fired = scanHours.find((hours) => {
      const count = this.countSince(onset.at - hours * HOUR_MS);
      return count >= minElevators && count >= this.threshold(members, hours, chance);
    });
    if (fired === undefined) return false;
    if (!this.inEpisode(onset.at)) this.episode = { from: onset.at - fired * HOUR_MS, until: 0 };
    this.episode.until = onset.at + this.longestMs;
    this.dayInEpisode = true;
    this.cover(this.episode.from, this.episode.until);
    return true;
  }

  /**
   * Whether the scope shares in a wider episode: its day's onsets up to `at` are above its usual,
   * or its usual day has too few onsets for its own count to tell (a small fleet's district).
   */
  shares(at: number, members: number): boolean {
    this.prune(at);
    const count = this.countSince(at - this.longestMs);
    const hours = this.longestMs / HOUR_MS;
    if (this.usual(members, hours).mean < this.options.shareEvidence) return true;
    return count >= this.threshold(members, hours, this.options.shareChance);
  }

  /** Events here from `from` until `until` are common (an episode here, or a share in the fleet's). */
  cover(from: number, until: number): void {
    const last = this.spans.at(-1);
    if (last && from <= last.until) {
      last.from = Math.min(last.from, from);
      last.until = Math.max(last.until, until);
    } else this.spans.push({ from, until });
    const horizon = until - this.options.keepDays * DAY_MS;
    while (this.spans.length > 0 && (this.spans[0] as Span).until < horizon) this.spans.shift();
  }

  covers(at: number): boolean {
    for (let i = this.spans.length - 1; i >= 0; i--) {
      const span = this.spans[i] as Span;
      if (at >= span.from && at < span.until) return true;
      if (span.until < at) return false;
    }
    return false;
  }

  /** The days that ended before `at` join the usual days unless an episode touched them; so do days with no onset. */
  private closeDays(at: number, members: number): void {
    const day = Math.floor(at / DAY_MS);
    if (this.day < 0) this.day = day;
    if (day <= this.day || members <= 0) return;
    const ended = day - this.day;
    const decay = decayFactor(ended, this.options.halfLifeDays);
    this.weight *= decay;
    this.sum *= decay;
    this.sumSquares *= decay;
    // A day above what a usual day reaches one time in 1 / clipChance teaches only that much: a
    // common cause not found (it began before midnight, or stayed under the test) must not make
    // the next one look usual, while a fleet busier than its prior still learns how busy it is.
    const ceiling = this.threshold(members, DAY_HOURS, this.options.clipChance);
    if (!this.dayInEpisode) this.learn(Math.min(this.dayOnsets, ceiling) / members);
    for (let quiet = 1; quiet < ended; quiet++) this.learn(0);
    this.day = day;
    this.dayOnsets = 0;
    this.dayInEpisode = this.inEpisode(at);
  }

  private learn(perElevator: number): void {
    this.weight += 1;
    this.sum += perElevator;
    this.sumSquares += perElevator * perElevator;
  }

  /**
   * Onsets in a window of `hours` that the scope's usual days reach only with `chance`: a
   * quasi-Poisson count whose mean and variance are learned from its days (the prior's days
   * taken as Poisson at the documented rate), so weekdays and weekends widen it.
   */
  private threshold(members: number, hours: number, chance: number): number {
    const { mean, dispersion } = this.usual(members, hours);
    return dispersion * poissonQuantile(mean / dispersion, chance);
  }

  /** The onsets a usual window of `hours` holds, and how much more than a Poisson count they vary. */
  private usual(members: number, hours: number): { mean: number; dispersion: number } {
    const { priorDays, busyFactor } = this.options;
    const share = hours >= DAY_HOURS ? hours / DAY_HOURS : Math.min(1, (busyFactor * hours) / DAY_HOURS);
    // Until the scope has priorDays of its own (and finds no episode), its days lean on the
    // documented rate; from then on they are its own, however far from the documented rate.
    const priorWeight = this.weight >= priorDays ? 0 : priorDays;
    const weight = this.weight + priorWeight;
    const mean = ((this.sum + priorWeight * this.prior) / weight) * members * share;
    const ownVariance = this.weight > 0 ? this.sumSquares - (this.sum * this.sum) / this.weight : 0;
    const variance = (ownVariance * members * members * share + priorWeight * mean) / weight;
    return { mean, dispersion: mean > 0 ? Math.max(1, variance / mean) : 1 };
  }
}

/** The smallest k with P(X >= k) <= chance for X ~ Poisson(mean); a normal approximation for a large mean. */
export function poissonQuantile(mean: number, chance: number): number {
  if (mean <= 0) return 1;
  if (mean > LARGE_MEAN) return Math.ceil(mean + upperNormalQuantile(chance) * Math.sqrt(mean) + 0.5);
  let pmf = Math.exp(-mean);
  let below = 0;
  for (let k = 0; ; k++) {
    if (1 - below <= chance) return k;
    below += pmf;
    pmf *= mean / (k + 1);
  }
}

/** z with P(Z > z) = chance, by bisection on the normal tail. */
function upperNormalQuantile(chance: number): number {
  let low = 0;
  let high = NORMAL_SEARCH_LIMIT;
  for (let i = 0; i < NORMAL_SEARCH_STEPS; i++) {
    const middle = (low + high) / 2;
    if (upperNormalTail(middle) > chance) low = middle;
    else high = middle;
  }
  return high;
}

/** P(Z > z) for z >= 0: Abramowitz and Stegun 26.2.17 (absolute error under 7.5e-8). */
function upperNormalTail(z: number): number {
  const t = 1 / (1 + 0.2316419 * z);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
}

const FLEET = Symbol('fleet');

/**
 * The fleet's common-cause tracker: one ScopeFamily per (family, scope), the fleet and each
 * district. An event is common while its district is in an episode, or while the fleet is and its
 * district's window is above its usual (a storm over part of a city leaves the rest judged as
 * ever). Event time throughout, as the detectors.
 */
export class CommonCause {
  private readonly scopes = new Map<
    string | typeof FLEET,
    { members: number; families: Array<ScopeFamily | undefined> }
  >();

  constructor(
    /** Each family's documented rate per elevator-day, or undefined where none is tracked. */
    private readonly priors: ReadonlyArray<number | undefined>,
    private readonly options: CommonCauseOptions = COMMON_CAUSE_DEFAULTS,
  ) {}

  /** An elevator joins the fleet and its district (once, when it first speaks). */
  join(district: string): void {
    this.scope(FLEET).members++;
    this.scope(district).members++;
  }

  /** How far the longest window reaches back: an event with none of its family since is an onset. */
  get windowMs(): number {
    return (this.options.scanHours.at(-1) as number) * HOUR_MS;
  }

  get holdMs(): number {
    return this.options.holdHours * HOUR_MS;
  }

  /**
   * The family's counted event of an elevator at `at` (`onset`: its first of the family in the
   * window): whether it is common, and the earlier onsets an episode found now takes back.
   */
  judge(family: number, onset: Onset | null, district: string, at: number): CommonVerdict {
    const fleet = this.scope(FLEET);
    const local = this.scope(district);
    const fleetFamily = this.tracked(fleet, family);
    const localFamily = this.tracked(local, family);
    if (!fleetFamily || !localFamily) return { common: false, withdraw: [] };
    const withdraw: Onset[] = [];
    if (onset) {
      const fleetWas = fleetFamily.inEpisode(at);
      const localWas = localFamily.inEpisode(at);
      // The window's earlier onsets are copied only when an episode begins.
      if (localFamily.onset(onset, local.members) && !localWas) withdraw.push(...localFamily.window(at, onset));
      if (fleetFamily.onset(onset, fleet.members) && !fleetWas) {
        const earlier = fleetFamily.window(at, onset);
        withdraw.push(...earlier.filter((before) => this.share(family, before.district, at)));
      }
    }
    this.share(family, district, at);
    return { common: localFamily.covers(at), withdraw: dedupe(withdraw) };
  }

  /**
   * Whether an event of the family in the district at `at` is common, as far as is known `now`
   * (when the district may have come to share in a fleet's episode).
   */
  covers(family: number, district: string, at: number, now: number): boolean {
    this.share(family, district, now);
    return this.tracked(this.scope(district), family)?.covers(at) ?? false;
  }

  /**
   * While the fleet is in an episode, a district that shares in it (ScopeFamily.shares) has its
   * events from the episode's start common. Whether it does.
   */
  private share(family: number, district: string, at: number): boolean {
    const fleetFamily = this.tracked(this.scope(FLEET), family);
    const scope = this.scope(district);
    const localFamily = this.tracked(scope, family);
    if (!fleetFamily || !localFamily || !fleetFamily.inEpisode(at)) return false;
    if (!localFamily.inEpisode(at) && !localFamily.shares(at, scope.members)) return false;
    localFamily.cover(fleetFamily.current.from, fleetFamily.current.until);
    return true;
  }

  private scope(name: string | typeof FLEET) {
    let scope = this.scopes.get(name);
    if (!scope) this.scopes.set(name, (scope = { members: 0, families: [] }));
    return scope;
  }

  private tracked(scope: { families: Array<ScopeFamily | undefined> }, family: number): ScopeFamily | undefined {
    const prior = this.priors[family];
    if (prior === undefined) return undefined;
    return (scope.families[family] ??= new ScopeFamily(prior, this.options));
  }
}

function dedupe(onsets: readonly Onset[]): Onset[] {
  const seen = new Set<string>();
  return onsets.filter((onset) => {
    const key = `${onset.elevator}@${onset.at}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
