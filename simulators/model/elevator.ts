import {
  DIRECTIONS,
  DOOR_STATES,
  OFFLINE,
  ONLINE,
  SERVICE_MODES,
  type FaultCode,
  type MaintenancePayload,
  type TopicKind,
} from '../../contract/index.js';
import {
  BURST_FAULTS,
  DEGRADATIONS,
  SUDDEN_EVENT_NAMES,
  SUDDEN_EVENTS,
  symptomShape,
  type CodeShare,
  type SuddenEventName,
} from '../degradations.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import { hourlyUsage, PROFILES } from '../profiles.js';
import { Random } from '../random.js';
import type { Scenario } from '../scenario.js';
import type { TruthRecord } from '../truth.js';
import { DEFAULT_UNLOGGED_VISIT_CHANCE } from '../scenario.js';
import {
  FIRMWARE_UPDATE_FACTORS,
  POWER_OFF_MINUTES,
  STREAMS,
  usageFactor,
  type ElevatorPlan,
  type PlannedDegradation,
  type PlannedIncident,
  type PlannedNuisance,
} from './plan.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_YEAR = 525_600;
const MINUTES_PER_MONTH = 43_200;
const MINUTES_PER_WEEK = 10_080;
const WEEK_MS = 7 * DAY_MS;

/**
 * Half-monthly maintenance: the legal maximum gap is 15 days; a slip makes it later. An on-time
 * visit's day is 12 to 14 days after the last, so its hour of that day and a repair call that
 * holds it up still keep it within 15 days.
 */
const LEGAL_VISIT_GAP_DAYS = 15;
const VISIT_GAP_DAYS = { onTime: [12, 14], slipped: [16, 21] } as const;
const WORKING_HOURS = [9, 16] as const;
const REPAIR_DELAY_HOURS = [2, 24] as const;
const REPAIR_MINUTES = [60, 240] as const;
/** A repair call the building made: how long the technician stays. */
const CALL_OUT_MINUTES = [20, 90] as const;
const ENTRAPMENT_MINUTES = [10, 45] as const;
/** A power cut traps someone this often when it comes in the car's average hour (as often as it is busier, at most always). */
const POWER_OFF_ENTRAPMENT_CHANCE = 0.25;
/** A power cut's faults come as the power drops, within this long. */
const POWER_CUT_BURST_MS = 120_000;
/** An inspection without a check-in lasts this many minutes. */
const INSPECTION_MINUTES = [10, 60] as const;
/** A technician's tests bring more faults in longer visits: this many times noise.visitFaults. */
const VISIT_BURST_FACTOR: Readonly<Record<MaintenancePayload['kind'], number>> = {
  'half-monthly': 1,
  quarterly: 1.5,
  'semi-annual': 2,
  annual: 3,
  repair: 1,
};
/**
 * How visible a degradation is to a technician: in its latent phase, and as its minor phase
 * starts; it grows as the square of its symptoms' rise to 1 (sparse symptoms are easily missed).
 * A contractor finds it with 1 - (1 - fixChance)^visibility.
 */
const LATENT_VISIBILITY = 0.03;
const SPARSE_VISIBILITY = 0.05;
/** Each day's usage swings by this much (sigma of its logarithm) around the profile's. */
const DAY_USAGE_SIGMA = 0.15;
/**
 * The weekly wander of a lift's background (a new tenant, the season): its logarithm keeps this
 * much of last week's and moves by this sigma times noise.drift.
 */
const DRIFT_KEEP = 0.85;
const DRIFT_SIGMA = 0.12;
const FIRE_TEST_MINUTES = [5, 15] as const;
const OFFLINE_MINUTES = [5, 240] as const;
const SAMPLED_DOOR_SHARE = 0.1;
const HEALTHY_REOPENS_PER_CYCLE = 0.03;
const OBSTRUCTED_CHANCE = 0.01;
/** A close slower than this multiple of the elevator's own is an anomaly worth reporting. */
const SLOW_CLOSE_FACTOR = 1.25;
const CLOSE_TIME_NOISE = 0.05;
const MAX_LOAD_PCT = 80;
const SECONDS_PER_FLOOR_AT_1MPS = 3;
const TRIP_OVERHEAD_SECONDS = 6;
/** Codes that announce a change of mode: back to normal, power off, out of service, inspection, fire return. */
const MODE_EVENT_CODES: ReadonlySet<number> = new Set([40, 41, 42, 43, 44]);

/** What the model asks of its transport, in time order. */
export type ModelEvent =
  | { readonly type: 'message'; readonly at: number; readonly kind: TopicKind; readonly payload: object | number }
  /** The terminal drops off the network without a goodbye: the broker publishes its will. */
  | { readonly type: 'disconnect'; readonly at: number }
  /** The terminal is back; an online message follows. */
  | { readonly type: 'reconnect'; readonly at: number };

interface Draft {
  readonly at: number;
  readonly kind: TopicKind;
  readonly body: Record<string, unknown>;
}

interface Period {
  readonly start: number;
  readonly end: number;
}

interface Visit extends Period {
  readonly kind: MaintenancePayload['kind'];
  readonly started: boolean;
  /** The technician checks in on the terminal and switches to inspection (unlogged: neither; Contractor.unloggedVisitChance). */
  readonly logged: boolean;
}

interface ActiveDegradation extends PlannedDegradation {
  readonly codes: Set<number>;
}

/** A nuisance under way: the times of its faults still to come, and the codes it published. */
interface Burst {
  readonly nuisance: PlannedNuisance;
  readonly times: number[];
  readonly codes: Set<number>;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const lerp = ([start, end]: readonly [number, number], progress: number) => start + (end - start) * progress;
const progressOf = (t: number, from: number, to: number) => Math.min(1, Math.max(0, (t - from) / (to - from)));

/**
 * One elevator, minute by minute in simulated time: trips from its building profile, door
 * cycles, half-monthly maintenance, fire tests, power cuts, the terminal going offline, sudden
 * critical events, and its planned degradations with their symptoms and failure. Everything
 * random comes from the elevator's own seeded generator, so a run is the same whatever else
 * runs beside it.
 */
export class ElevatorModel {
  private readonly random: Random;
  /** Draws of the unlogged visits, apart, so a fleet without them draws as it always did. */
  private readonly visitRandom: Random;
  /** The faults an unlogged visit under way brought, recorded as nuisance when it ends. */
  private unloggedCodes = new Set<number>();
  private cursor: number;
  private seq = 0;
  private floor = 1;
  private readonly counters;
  private readonly degradations: ActiveDegradation[];
  /** The plan's incidents still to come, in time order. */
  private readonly incidents: PlannedIncident[];
  private readonly truth: TruthRecord[] = [];
  private visitsDone = 0;
  private lastCheckoutAt: number | null = null;
  private visit: Visit;
  private repair: Visit | null = null;
  /** A repair call the building made after noticing faults. */
  private callOut: Visit | null = null;
  /** Inspection mode without a check-in (code 43 until 40). */
  private inspection: Period | null = null;
  private nextInspectionAt: number;
  /** The plan's nuisance bursts still to come, in time order, and those under way. */
  private readonly nuisance: PlannedNuisance[];
  private readonly bursts: Burst[] = [];
  /** Its own background faults: the plan's, until a firmware update changes what the controller reports. */
  private background: ElevatorPlan['background'];
  private backgroundPerDay: number;
  /** When its controller's firmware was updated in the run, and the codes it reports more finely published since. */
  private firmwareUpdatedAt: number | null = null;
  private readonly firmwareCodes = new Set<number>();
  /** How busy the car is this hour against its average hour, this day's swing included; recomputed hourly. */
  private usage = 0;
  private hourEnd = -Infinity;
  private dayEnd = -Infinity;
  private dayFactor = 1;
  private weekEnd = -Infinity;
  private logDrift = 0;
  private drift = 1;
  private outOfService = false;
  private trappedUntil: number | null = null;
  private powerOff: Period | null = null;
  private fireTest: Period | null = null;
  private offline: Period | null = null;
  /** When the terminal last came back online. */
  private onlineSince = -Infinity;
  private greeted = false;
  /** Messages due after the minute that produced them (a fault a few seconds after another). */
  private carried: Draft[] = [];
  /**
   * The last time used for each kind: two messages of one kind never share a millisecond, as
   * InfluxDB keeps one point per series and time (and one car cannot close its doors twice at once).
   */
  private readonly lastAt = new Map<TopicKind, number>();

  constructor(
    readonly plan: ElevatorPlan,
    private readonly scenario: Scenario,
  ) {
    this.random = Random.for(scenario.seed, plan.index, STREAMS.model);
    this.visitRandom = Random.for(scenario.seed, plan.index, STREAMS.visits);
    this.cursor = scenario.fromMs;
    this.counters = { ...plan.counters };
    this.degradations = plan.degradations.map((planned) => ({ ...planned, codes: new Set<number>() }));
    this.incidents = [...plan.incidents];
    this.nuisance = [...plan.nuisance];
    this.background = plan.background;
    this.backgroundPerDay = plan.background.reduce((sum, entry) => sum + entry.perDay, 0);
    this.visit = this.visitOn(scenario.fromMs + this.random.uniform(0, VISIT_GAP_DAYS.onTime[1]) * DAY_MS);
    this.nextInspectionAt = this.inspectionAfter(scenario.fromMs);
  }

  get id(): string {
    return this.plan.id;
  }

  /** Everything that happens in [current time, `to`), in time order. */
  advance(to: number): ModelEvent[] {
    const events: ModelEvent[] = [];
    while (this.cursor + MINUTE_MS <= to) {
      const minute: ModelEvent[] = [];
      this.minute(this.cursor, minute);
      minute.sort((a, b) => a.at - b.at);
      for (const event of minute) events.push(event);
      this.cursor += MINUTE_MS;
    }
    return events;
  }

  /** Truth records settled since the last call. */
  takeTruth(): TruthRecord[] {
    return this.truth.splice(0);
  }

  /** The presence flag an elevator sends when a run picks it up again where an earlier one stopped. */
  hello(at: number): object {
    return { ts: at, seq: this.seq++, online: ONLINE };
  }

  /** The presence flag an elevator leaving the simulation sends, timed in simulated time. */
  goodbye(at: number): object {
    return { ts: at, seq: this.seq++, online: OFFLINE };
  }

  /** Settles what is still open when the run ends: degradations under way become pending. */
  finish(): TruthRecord[] {
    for (const degradation of this.degradations) {
      if (degradation.onset < this.cursor) this.recordDegradation(degradation, 'pending', null);
    }
    for (const burst of this.bursts.splice(0)) this.recordNuisance(burst);
    const change = this.plan.usageChange;
    // A building filling or emptying is no burst of faults, but its rates change under it: the window covers the change and after.
    if (change?.kind === 'occupancy-change' && change.start < this.cursor)
      this.recordEvent(change.kind, 'nuisance', change.start, [], this.cursor);
    // Likewise a firmware update: what the controller reports changes from the visit that installed it to the end.
    if (this.firmwareUpdatedAt !== null) {
      const codes = [...this.firmwareCodes].sort((a, b) => a - b);
      this.recordEvent('firmware-update', 'nuisance', this.firmwareUpdatedAt, codes, this.cursor);
    }
    const due = this.lastCheckoutAt === null ? null : this.lastCheckoutAt + LEGAL_VISIT_GAP_DAYS * DAY_MS;
    if (due !== null && this.cursor > due) this.recordEvent('maintenance-overdue', 'maintenance', due, [], this.cursor);
    this.degradations.length = 0;
    return this.takeTruth();
  }

  private minute(start: number, events: ModelEvent[]): void {
    const end = start + MINUTE_MS;
    const drafts: Draft[] = this.carried;
    this.carried = [];
    if (!this.greeted) {
      this.greeted = true;
      drafts.push({ at: start, kind: 'online', body: { online: ONLINE } });
    }
    const wasOffline = this.offline;
    if (this.offline && this.offline.end < end) {
      events.push({ type: 'reconnect', at: this.offline.end });
      drafts.push({ at: this.offline.end, kind: 'online', body: { online: ONLINE } });
      this.onlineSince = this.offline.end;
      this.offline = null;
    }
    const modeBefore = this.mode();
    if (start >= this.hourEnd) this.clock(start);
    this.degrade(start, end, drafts);
    this.maintain(start, end, drafts);
    this.periods(start, end, drafts);
    this.planned(start, end, drafts);
    this.nuisances(start, end, drafts);
    this.suddenEvents(start, drafts);
    if (this.mode() === SERVICE_MODES.normal && this.trappedUntil === null) this.operate(start, drafts);
    // Counters are the minute's: both telemetry messages carry them, so they never go down.
    if (this.mode() !== modeBefore) this.telemetry(this.lastModeEvent(start, drafts) + SECOND_MS, drafts);
    this.telemetry(start + this.plan.telemetryOffsetMs, drafts);
    this.goOffline(start, drafts, events);
    this.carried = drafts.filter((draft) => draft.at >= end);
    this.emit(
      drafts.filter((draft) => draft.at < end),
      events,
      [wasOffline, this.offline],
    );
  }

  /** Orders the minute's messages and numbers them, leaving out what the terminal could not send while offline. */
  private emit(drafts: Draft[], events: ModelEvent[], silent: ReadonlyArray<Period | null>): void {
    drafts.sort((a, b) => a.at - b.at);
    for (const draft of drafts) {
      if (silent.some((period) => period && draft.at >= period.start && draft.at < period.end)) continue;
      const at = Math.max(draft.at, (this.lastAt.get(draft.kind) ?? -Infinity) + 1);
      this.lastAt.set(draft.kind, at);
      events.push({ type: 'message', at, kind: draft.kind, payload: { ts: at, seq: this.seq++, ...draft.body } });
    }
    events.sort((a, b) => a.at - b.at);
  }

  private fault(drafts: Draft[], at: number, code: FaultCode, floor = this.floor): void {
    drafts.push({ at, kind: 'faults', body: { code, floor } });
  }

  /** A fault the building notices (a stopped car, a door that will not close) may make it call the contractor. */
  private noticed(at: number): void {
    if (this.callOut || this.repair || this.outOfService) return;
    if (!this.random.chance(this.scenario.noise.callOutChance)) return;
    const start = at + Math.round(this.random.uniform(...REPAIR_DELAY_HOURS) * HOUR_MS);
    const minutes = Math.round(this.random.uniform(...CALL_OUT_MINUTES));
    this.callOut = { start, end: start + minutes * MINUTE_MS, kind: 'repair', started: false, logged: true };
  }

  /** A burst of `mean` faults on average from a mix, at times in [from, to), at random landings. Returns their codes. */
  private burst(
    drafts: Draft[],
    mix: readonly CodeShare[],
    mean: number,
    from: number,
    to: number,
    random = this.random,
  ): number[] {
    if (to - from < 2 * SECOND_MS) return [];
    const count = random.poisson(mean);
    const codes: number[] = [];
    for (let i = 0; i < count; i++) {
      const { code } = random.weighted(mix, (entry) => entry.share);
      this.fault(drafts, Math.round(random.uniform(from, to)), code, random.int(1, this.plan.floors));
      codes.push(code);
    }
    return codes;
  }

  /** The hour's usage (its building's hours, its weekend, the day's swing) and the week's drift of its background. */
  private clock(start: number): void {
    if (start >= this.dayEnd) {
      this.dayEnd = shanghaiMidnight(start) + DAY_MS;
      this.dayFactor = this.random.logNormal(DAY_USAGE_SIGMA);
    }
    if (start >= this.weekEnd) {
      this.weekEnd = start + WEEK_MS;
      this.logDrift = DRIFT_KEEP * this.logDrift + DRIFT_SIGMA * this.scenario.noise.drift * this.random.normal();
      this.drift = Math.exp(this.logDrift);
    }
    this.hourEnd = Math.floor(start / HOUR_MS) * HOUR_MS + HOUR_MS;
    this.usage =
      hourlyUsage(PROFILES[this.plan.profile], start, this.plan.weekendFactor) *
      this.dayFactor *
      usageFactor(this.plan.usageChange, start);
  }

  /** Whether something can happen to the car now: it runs normally and its terminal is online to tell. */
  private running(): boolean {
    return this.mode() === SERVICE_MODES.normal && this.offline === null;
  }

  private mode(): number {
    if (this.outOfService) return SERVICE_MODES.outOfService;
    if ((this.visit.started && this.visit.logged) || this.repair?.started || this.callOut?.started || this.inspection)
      return SERVICE_MODES.inspection;
    if (this.fireTest) return SERVICE_MODES.fireReturn;
    if (this.powerOff) return SERVICE_MODES.emergencyPower;
    return SERVICE_MODES.normal;
  }

  // ---- degradations ---------------------------------------------------------------------

  private degrade(start: number, end: number, drafts: Draft[]): void {
    for (const degradation of [...this.degradations]) {
      const kind = DEGRADATIONS[degradation.kind];
      // A failure falls due in normal running; in a visit, a repair or offline it waits until the car runs again.
      if (!this.running()) continue;
      if (degradation.failure < end) {
        this.fail(degradation, Math.max(start, degradation.failure), drafts);
        continue;
      }
      if (start < degradation.minorStart) continue;
      const shape = this.risen(degradation, start);
      for (const symptom of kind.symptoms) {
        const [first, peak] = [symptom.perDay[0], symptom.perDay[1] * degradation.intensity];
        const perDay = first + Math.max(0, peak - first) * shape;
        const count = this.random.poisson((perDay * this.usage) / MINUTES_PER_DAY);
        for (let i = 0; i < count; i++) {
          const floor = 'oneLanding' in symptom && symptom.oneLanding ? degradation.landing : this.randomFloor();
          const at = start + this.random.int(0, 59) * SECOND_MS;
          this.fault(drafts, at, symptom.code, floor);
          degradation.codes.add(symptom.code);
          this.noticed(at);
        }
      }
    }
  }

  private fail(degradation: ActiveDegradation, at: number, drafts: Draft[]): void {
    const kind = DEGRADATIONS[degradation.kind];
    const codes: FaultCode[] = [...kind.failure];
    const critical = 'criticalWithFailure' in kind ? kind.criticalWithFailure : undefined;
    if (critical && this.random.chance(critical.chance)) codes.push(critical.code);
    codes.forEach((code, i) => {
      this.fault(drafts, at + i * SECOND_MS, code);
      degradation.codes.add(code);
    });
    this.recordDegradation(degradation, 'failed', null, at);
    this.stopForRepair(at, drafts);
    this.drop(degradation);
  }

  /** How far its symptoms have risen (0 to 1) at `at`: 0 until its minor phase. */
  private risen(degradation: PlannedDegradation, at: number): number {
    if (at < degradation.minorStart) return 0;
    return symptomShape(progressOf(at, degradation.minorStart, degradation.failure), degradation.steepness);
  }

  private drop(degradation: ActiveDegradation): void {
    this.degradations.splice(this.degradations.indexOf(degradation), 1);
  }

  private recordDegradation(
    degradation: ActiveDegradation,
    status: 'failed' | 'fixed' | 'pending',
    fixedAt: number | null,
    failedAt = degradation.failure,
  ) {
    this.truth.push({
      elevator: this.plan.id,
      scenario: degradation.kind,
      category: 'degradation',
      onset: iso(degradation.onset),
      minorPhaseStart: iso(degradation.minorStart),
      failure: iso(failedAt),
      end: null,
      fixed: status === 'fixed',
      fixedAt: fixedAt === null ? null : iso(fixedAt),
      status,
      codes: [...degradation.codes].sort((a, b) => a - b),
      external: false,
    });
  }

  private recordNuisance({ nuisance, codes }: Burst): void {
    if (codes.size === 0) return;
    this.recordEvent(
      nuisance.kind,
      'nuisance',
      nuisance.start,
      [...codes].sort((a, b) => a - b),
      nuisance.end,
    );
  }

  private recordEvent(
    scenario: string,
    category: TruthRecord['category'],
    at: number,
    codes: number[],
    end: number | null,
    external = false,
  ) {
    this.truth.push({
      elevator: this.plan.id,
      scenario,
      category,
      onset: iso(at),
      minorPhaseStart: null,
      failure: category === 'critical' ? iso(at) : null,
      end: end === null ? null : iso(end),
      fixed: false,
      fixedAt: null,
      status: 'occurred',
      codes,
      external,
    });
  }

  // ---- maintenance ----------------------------------------------------------------------

  /** A visit on the day of `day`, in working hours (never before the run starts). */
  private visitOn(day: number): Visit {
    const hour = this.random.int(...WORKING_HOURS) * HOUR_MS + this.random.int(0, 59) * MINUTE_MS;
    const start = Math.max(this.scenario.fromMs, shanghaiMidnight(day) + hour);
    const minutes = Math.round(this.random.uniform(...this.plan.contractor.visitMinutes));
    const n = this.visitsDone + 1;
    const kind = n % 24 === 0 ? 'annual' : n % 12 === 0 ? 'semi-annual' : n % 6 === 0 ? 'quarterly' : 'half-monthly';
    const unlogged = this.plan.contractor.unloggedVisitChance ?? DEFAULT_UNLOGGED_VISIT_CHANCE;
    const logged = unlogged === 0 || !this.visitRandom.chance(unlogged);
    return { start, end: start + minutes * MINUTE_MS, kind, started: false, logged };
  }

  /** Half-monthly: the next visit 12 to 15 days after the last; a slipping contractor comes later. */
  private nextVisitAfter(previousEnd: number): Visit {
    const gap: readonly [number, number] = this.random.chance(this.plan.contractor.slipChance)
      ? VISIT_GAP_DAYS.slipped
      : VISIT_GAP_DAYS.onTime;
    return this.visitOn(previousEnd + this.random.uniform(...gap) * DAY_MS);
  }

  private maintain(start: number, end: number, drafts: Draft[]): void {
    // A technician checks in and out on the terminal: while it has no network they wait, and log as it comes back.
    const ready = (visit: Visit) => !visit.logged || this.offline === null;
    const timeOf = (visit: Visit, due: number) => Math.max(start, due, visit.logged ? this.onlineSince : start);
    const repair = this.repair;
    if (repair && !repair.started && repair.start < end && ready(repair)) {
      this.checkIn(repair, timeOf(repair, repair.start), drafts);
      this.repair = { ...repair, started: true };
    } else if (repair?.started && repair.end < end && ready(repair)) {
      this.checkOut(repair, timeOf(repair, repair.end), drafts);
      this.outOfService = false;
      this.repair = null;
      // The next technician checks in after this one has checked out: not in the same minute, before it.
      return;
    }
    if (this.outOfService || this.repair || this.inspection) return;
    const callOut = this.callOut;
    if (callOut && !this.visit.started) {
      if (!callOut.started && callOut.start < end && ready(callOut)) {
        this.checkIn(callOut, timeOf(callOut, callOut.start), drafts);
        this.callOut = { ...callOut, started: true };
      } else if (callOut.started && callOut.end < end && ready(callOut)) {
        const at = timeOf(callOut, callOut.end);
        this.fixWhatIsFound(at);
        this.checkOut(callOut, at, drafts);
        this.callOut = null;
      }
      // The half-monthly visit waits until the technician of the call has left.
      if (this.callOut?.started || this.callOut !== callOut) return;
    }
    if (!this.visit.started && this.visit.start < end && ready(this.visit)) {
      this.checkIn(this.visit, timeOf(this.visit, this.visit.start), drafts);
      this.visit = { ...this.visit, started: true };
    } else if (this.visit.started && this.visit.end < end && ready(this.visit)) {
      const at = timeOf(this.visit, this.visit.end);
      this.fixWhatIsFound(at);
      this.checkOut(this.visit, at, drafts);
      this.updateFirmware(at);
      this.visitsDone++;
      this.visit = this.nextVisitAfter(at);
      // The technician was just there: a call not yet answered is dropped.
      this.callOut = null;
    }
  }

  /** The technician installs the controller's planned firmware update at the first routine visit from its rollout. */
  private updateFirmware(at: number): void {
    const from = this.plan.firmwareUpdateFrom;
    if (from === undefined || at < from || this.firmwareUpdatedAt !== null) return;
    this.firmwareUpdatedAt = at;
    this.background = this.background.map(({ code, perDay }) => ({
      code,
      perDay: perDay * (FIRMWARE_UPDATE_FACTORS[code] ?? 1),
    }));
    this.backgroundPerDay = this.background.reduce((sum, entry) => sum + entry.perDay, 0);
  }

  private technician(): string {
    return `${this.plan.contractor.id}-T${(this.plan.index % 7) + 1}`;
  }

  private checkIn(visit: Visit, at: number, drafts: Draft[]): void {
    const mean = this.scenario.noise.visitFaults * VISIT_BURST_FACTOR[visit.kind];
    if (!visit.logged) {
      // The platform sees no visit: only the tests' faults, in normal mode, counted as any.
      const mix = BURST_FAULTS['unlogged-visit'];
      const codes = this.burst(drafts, mix, mean, at + SECOND_MS, visit.end - SECOND_MS, this.visitRandom);
      this.unloggedCodes = new Set(codes);
      return;
    }
    const due = this.lastCheckoutAt === null ? null : this.lastCheckoutAt + LEGAL_VISIT_GAP_DAYS * DAY_MS;
    if (due !== null && at > due) this.recordEvent('maintenance-overdue', 'maintenance', due, [], at);
    const common = { technician: this.technician(), contractor: this.plan.contractor.id, kind: visit.kind };
    drafts.push({ at, kind: 'maintenance', body: { action: 'checkin', ...common } });
    this.fault(drafts, at + SECOND_MS, 43);
    this.burst(drafts, BURST_FAULTS.technician, mean, at + 2 * SECOND_MS, visit.end - SECOND_MS);
  }

  private checkOut(visit: Visit, at: number, drafts: Draft[]): void {
    if (!visit.logged) {
      if (this.unloggedCodes.size > 0)
        this.recordEvent(
          'unlogged-visit',
          'nuisance',
          visit.start,
          [...this.unloggedCodes].sort((a, b) => a - b),
          at,
        );
      return;
    }
    const common = { technician: this.technician(), contractor: this.plan.contractor.id, kind: visit.kind };
    const items = visit.kind === 'repair' ? ['repair'] : ['doors', 'brake', 'ropes', 'safety circuit'];
    drafts.push({ at, kind: 'maintenance', body: { action: 'checkout', ...common, items } });
    this.lastCheckoutAt = at;
    this.fault(drafts, at + SECOND_MS, 40);
  }

  /**
   * A visit or a call finds a degradation with the contractor's skill, the more surely the
   * further it has gone: latent wear seldom, sparse symptoms sometimes, plain ones at fixChance.
   */
  private fixWhatIsFound(at: number): void {
    for (const degradation of [...this.degradations]) {
      if (degradation.onset > at) continue;
      const visibility =
        at < degradation.minorStart
          ? LATENT_VISIBILITY
          : SPARSE_VISIBILITY + (1 - SPARSE_VISIBILITY) * this.risen(degradation, at) ** 2;
      if (this.random.chance(1 - (1 - this.plan.contractor.fixChance) ** visibility)) {
        this.recordDegradation(degradation, 'fixed', at);
        this.drop(degradation);
      }
    }
  }

  private stopForRepair(at: number, drafts: Draft[]): void {
    this.outOfService = true;
    this.callOut = null;
    if (!drafts.some((draft) => draft.kind === 'faults' && draft.body.code === 42))
      this.fault(drafts, at + 5 * SECOND_MS, 42);
    const start = at + Math.round(this.random.uniform(...REPAIR_DELAY_HOURS) * HOUR_MS);
    const minutes = Math.round(this.random.uniform(...REPAIR_MINUTES));
    this.repair = { start, end: start + minutes * MINUTE_MS, kind: 'repair', started: false, logged: true };
  }

  // ---- periods and sudden events -------------------------------------------------------

  private periods(start: number, end: number, drafts: Draft[]): void {
    if (this.trappedUntil !== null && this.trappedUntil < end) {
      this.fault(drafts, Math.max(start, this.trappedUntil), 40);
      this.trappedUntil = null;
    }
    if (this.powerOff && this.powerOff.end < end) {
      this.fault(drafts, Math.max(start, this.powerOff.end), 40);
      this.powerOff = null;
    }
    if (this.fireTest && this.fireTest.end < end) {
      this.fault(drafts, Math.max(start, this.fireTest.end), 40);
      this.fireTest = null;
    }
    if (this.inspection && this.inspection.end < end) {
      const at = Math.max(start, this.inspection.end);
      this.fault(drafts, at, 40);
      this.inspection = null;
      this.nextInspectionAt = this.inspectionAfter(at);
    }
    if (!this.running()) return;
    if (start >= this.nextInspectionAt && this.trappedUntil === null) {
      // On the minute: the minute's telemetry then never reports a mode it is not yet (or no longer) in.
      this.inspect(start, drafts);
    } else if (this.random.chance(this.scenario.fireTestsPerMonth / MINUTES_PER_MONTH)) {
      const at = start + this.random.int(0, 59) * SECOND_MS;
      this.fireTest = { start: at, end: at + Math.round(this.random.uniform(...FIRE_TEST_MINUTES)) * MINUTE_MS };
      this.fault(drafts, at, 44);
    }
  }

  /** When the next inspection without a check-in comes after `at` (exponential gaps at noise.inspectionsPerYear). */
  private inspectionAfter(at: number): number {
    const rate = this.scenario.noise.inspectionsPerYear;
    if (rate <= 0) return Infinity;
    return at + Math.round((-Math.log(1 - this.random.next()) / rate) * MINUTES_PER_YEAR) * MINUTE_MS;
  }

  /** Inspection mode without a check-in: an inspector's tests or a quick adjustment, suppressed as a visit is. */
  private inspect(at: number, drafts: Draft[]): void {
    const period = { start: at, end: at + Math.round(this.random.uniform(...INSPECTION_MINUTES)) * MINUTE_MS };
    this.inspection = period;
    this.fault(drafts, at, 43);
    const mean = this.scenario.noise.visitFaults;
    this.burst(drafts, BURST_FAULTS.technician, mean, at + 2 * SECOND_MS, period.end - SECOND_MS);
  }

  /** Mains power off until `minutes` later; its faults come as the power drops, and the rules see them as external. */
  private cutPower(at: number, minutes: number, drafts: Draft[]): void {
    const period = { start: at, end: at + Math.round(minutes) * MINUTE_MS };
    this.powerOff = period;
    this.fault(drafts, at, 41);
    const mean = this.scenario.noise.powerCutFaults;
    const until = Math.min(at + POWER_CUT_BURST_MS, period.end - SECOND_MS);
    const codes = this.burst(drafts, BURST_FAULTS['power-cut'], mean, at + SECOND_MS, until);
    const published = [...new Set([41, ...codes])].sort((a, b) => a - b);
    this.recordEvent('power-off', 'external', at, published, period.end, true);
  }

  /**
   * The plan's incidents due by the end of this minute. A scenario's own waits until the car runs
   * normally (as a failure waits); a power cut of its building that finds it stopped passes it by.
   */
  private planned(start: number, end: number, drafts: Draft[]): void {
    while (this.incidents[0] && this.incidents[0].at < end) {
      const ready = this.running() && this.trappedUntil === null;
      if (!ready && !this.incidents[0].fromRates) return;
      const { kind, at: due, minutes, fromRates } = this.incidents.shift() as PlannedIncident;
      if (!ready) continue;
      const at = Math.max(start, due);
      if (kind !== 'power-off') {
        this.suddenEvent(kind, at, drafts, minutes);
        continue;
      }
      this.cutPower(at, minutes ?? this.random.uniform(...POWER_OFF_MINUTES), drafts);
      if (fromRates && this.random.chance(Math.min(1, POWER_OFF_ENTRAPMENT_CHANCE * this.usage))) {
        this.fault(drafts, at + 20 * SECOND_MS, 93);
        this.recordEvent('entrapment', 'critical', at + 20 * SECOND_MS, [93], null, true);
      }
    }
  }

  /**
   * The plan's nuisance bursts: their faults at times drawn as each begins, published while the
   * car runs normally (a car stopped for a visit is nobody's to abuse), recorded when each ends.
   */
  private nuisances(start: number, end: number, drafts: Draft[]): void {
    while (this.nuisance[0] && this.nuisance[0].start < end) {
      const nuisance = this.nuisance.shift() as PlannedNuisance;
      const from = Math.max(start, nuisance.start);
      const times =
        nuisance.times?.slice() ??
        Array.from({ length: nuisance.faults }, () => Math.round(this.random.uniform(from, nuisance.end)));
      this.bursts.push({ nuisance, times: times.sort((a, b) => a - b), codes: new Set() });
    }
    for (const burst of [...this.bursts]) {
      const { nuisance, times, codes } = burst;
      while (times[0] !== undefined && times[0] < end) {
        const at = times.shift() as number;
        if (!this.running()) continue;
        const mix = nuisance.mix ?? (BURST_FAULTS[nuisance.kind] as readonly CodeShare[]);
        const entry = this.random.weighted(mix, (e) => e.share);
        this.fault(drafts, at, entry.code, entry.oneLanding ? this.landingOf(nuisance) : this.randomFloor());
        codes.add(entry.code);
        this.noticed(at);
      }
      if (nuisance.end < end) {
        this.bursts.splice(this.bursts.indexOf(burst), 1);
        this.recordNuisance(burst);
      }
    }
  }

  /** The landing of a nuisance's one-landing fault: its one, or one of its few. */
  private landingOf(nuisance: PlannedNuisance): number {
    return nuisance.landings ? this.random.pick(nuisance.landings) : nuisance.landing;
  }

  private suddenEvents(start: number, drafts: Draft[]): void {
    if (!this.running() || this.trappedUntil !== null) return;
    const rates = this.scenario.critical;
    const total = Object.values(rates).reduce((sum, rate) => sum + rate, 0);
    if (!this.random.chance(total / MINUTES_PER_YEAR)) return;
    const name = this.random.weighted(SUDDEN_EVENT_NAMES, (candidate) => rates[candidate]);
    this.suddenEvent(name, start + this.random.int(0, 59) * SECOND_MS, drafts);
  }

  private suddenEvent(name: SuddenEventName, at: number, drafts: Draft[], minutes?: number): void {
    const code = SUDDEN_EVENTS[name];
    this.fault(drafts, at, code);
    this.recordEvent(name, 'critical', at, [code], null);
    if (name === 'entrapment') {
      this.trappedUntil = at + Math.round(minutes ?? this.random.uniform(...ENTRAPMENT_MINUTES)) * MINUTE_MS;
    } else {
      this.stopForRepair(at, drafts);
    }
  }

  private goOffline(start: number, drafts: readonly Draft[], events: ModelEvent[]): void {
    if (this.offline || !this.random.chance(this.scenario.offlinePerWeek / MINUTES_PER_WEEK)) return;
    // A technician logged this minute while the terminal was online: the network drops after the log and its mode code.
    const logged = drafts.reduce(
      (latest, d) => (d.kind === 'maintenance' ? Math.max(latest, d.at) : latest),
      -Infinity,
    );
    const at = Math.max(start + this.random.int(0, 59) * SECOND_MS, logged + 2 * SECOND_MS);
    if (at >= start + MINUTE_MS) return;
    const end = at + Math.round(this.random.uniform(...OFFLINE_MINUTES)) * MINUTE_MS;
    this.offline = { start: at, end };
    events.push({ type: 'disconnect', at });
    this.recordEvent('offline', 'data-quality', at, [], end);
  }

  // ---- normal running -------------------------------------------------------------------

  private randomFloor(): number {
    return this.random.int(1, this.plan.floors);
  }

  private operate(start: number, drafts: Draft[]): void {
    const trips = this.random.poisson((this.plan.dailyTrips * this.usage) / MINUTES_PER_DAY);
    for (let trip = 0; trip < trips; trip++) {
      const to = this.randomFloor();
      const floorsTravelled = Math.max(1, Math.abs(to - this.floor));
      this.floor = to;
      this.counters.runs++;
      this.counters.runSeconds += Math.round(
        TRIP_OVERHEAD_SECONDS + (floorsTravelled * SECONDS_PER_FLOOR_AT_1MPS) / this.plan.ratedSpeedMps,
      );
      this.counters.ropeBends += this.plan.ropeBendsPerTrip;
      this.doorCycle(start + this.random.int(0, 59) * SECOND_MS, drafts);
    }
    const count = this.random.poisson((this.backgroundPerDay * this.usage * this.drift) / MINUTES_PER_DAY);
    for (let i = 0; i < count; i++) {
      const { code } = this.random.weighted(this.background, (fault) => fault.perDay);
      const at = start + this.random.int(0, 59) * SECOND_MS;
      this.fault(drafts, at, code, this.randomFloor());
      if (this.firmwareUpdatedAt !== null && FIRMWARE_UPDATE_FACTORS[code] !== undefined) this.firmwareCodes.add(code);
      this.noticed(at);
    }
  }

  private doorCycle(at: number, drafts: Draft[]): void {
    let closeFactor = 1 + this.random.uniform(-CLOSE_TIME_NOISE, CLOSE_TIME_NOISE);
    let reopenRate = HEALTHY_REOPENS_PER_CYCLE;
    for (const degradation of this.degradations) {
      const kind = DEGRADATIONS[degradation.kind];
      if ('closeTimeDrift' in kind)
        closeFactor += kind.closeTimeDrift * progressOf(at, degradation.onset, degradation.failure);
      if ('reopensPerCycle' in kind && at >= degradation.minorStart) {
        reopenRate = Math.max(reopenRate, lerp(kind.reopensPerCycle, this.risen(degradation, at)));
      }
    }
    const reopens = this.random.poisson(reopenRate);
    const obstructed = this.random.chance(OBSTRUCTED_CHANCE);
    const closeMs = Math.round(this.plan.baseCloseMs * closeFactor);
    this.counters.doorCycles += 1 + reopens;
    const anomaly = reopens > 0 || obstructed || closeMs > this.plan.baseCloseMs * SLOW_CLOSE_FACTOR;
    const reports = this.scenario.fleet.doorReports;
    const sampled = this.random.chance(SAMPLED_DOOR_SHARE);
    if (reports === 'every-cycle' || anomaly || (reports === 'sampled' && sampled)) {
      const openMs = Math.round(this.plan.baseOpenMs * (1 + this.random.uniform(-CLOSE_TIME_NOISE, CLOSE_TIME_NOISE)));
      drafts.push({ at, kind: 'doors', body: { floor: this.floor, openMs, closeMs, reopens, obstructed } });
    }
  }

  /** When the minute's last mode event (a fault code of the mode family) happened. */
  private lastModeEvent(start: number, drafts: readonly Draft[]): number {
    return drafts.reduce(
      (latest, draft) =>
        draft.kind === 'faults' && MODE_EVENT_CODES.has(draft.body.code as number)
          ? Math.max(latest, draft.at)
          : latest,
      start,
    );
  }

  /** Telemetry every simulated minute, and once more when the mode changes (as the contract asks). */
  private telemetry(at: number, drafts: Draft[]): void {
    const mode = this.mode();
    const moving = mode === SERVICE_MODES.normal && this.random.chance(0.3);
    const occupied = moving || this.trappedUntil !== null;
    drafts.push({
      at,
      kind: 'telemetry',
      body: {
        mode,
        floor: this.floor,
        direction: moving ? this.random.pick([DIRECTIONS.up, DIRECTIONS.down]) : DIRECTIONS.none,
        doorState: moving ? DOOR_STATES.locked : DOOR_STATES.closed,
        occupied,
        loadPct: occupied ? this.random.int(5, MAX_LOAD_PCT) : 0,
        speedMps: moving ? this.plan.ratedSpeedMps : 0,
        ...this.counters,
      },
    });
  }
}
