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
  BACKGROUND_FAULTS,
  DEGRADATIONS,
  SUDDEN_EVENT_NAMES,
  SUDDEN_EVENTS,
  type SuddenEventName,
} from '../degradations.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import { PROFILES, tripsPerMinute } from '../profiles.js';
import { Random } from '../random.js';
import type { Scenario } from '../scenario.js';
import type { TruthRecord } from '../truth.js';
import type { ElevatorPlan, PlannedDegradation, PlannedIncident } from './plan.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_YEAR = 525_600;
const MINUTES_PER_MONTH = 43_200;
const MINUTES_PER_WEEK = 10_080;

/** Half-monthly maintenance: the legal maximum gap is 15 days; a slip makes it later. */
const LEGAL_VISIT_GAP_DAYS = 15;
const VISIT_GAP_DAYS = { onTime: [12, 15], slipped: [16, 21] } as const;
const WORKING_HOURS = [9, 16] as const;
const REPAIR_DELAY_HOURS = [2, 24] as const;
const REPAIR_MINUTES = [60, 240] as const;
const ENTRAPMENT_MINUTES = [10, 45] as const;
const POWER_OFF_MINUTES = [10, 180] as const;
const POWER_OFF_ENTRAPMENT_CHANCE = 0.3;
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
}

interface ActiveDegradation extends PlannedDegradation {
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
  private outOfService = false;
  private trappedUntil: number | null = null;
  private powerOff: Period | null = null;
  private fireTest: Period | null = null;
  private offline: Period | null = null;
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
    this.random = Random.for(scenario.seed, plan.index, 1);
    this.cursor = scenario.fromMs;
    this.counters = { ...plan.counters };
    this.degradations = plan.degradations.map((planned) => ({ ...planned, codes: new Set<number>() }));
    this.incidents = [...plan.incidents];
    this.visit = this.visitOn(scenario.fromMs + this.random.uniform(0, VISIT_GAP_DAYS.onTime[1]) * DAY_MS);
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
      this.offline = null;
    }
    const modeBefore = this.mode();
    this.degrade(start, end, drafts);
    this.maintain(start, end, drafts);
    this.periods(start, end, drafts);
    this.planned(start, end, drafts);
    this.suddenEvents(start, drafts);
    if (this.mode() === SERVICE_MODES.normal && this.trappedUntil === null) this.operate(start, drafts);
    // Counters are the minute's: both telemetry messages carry them, so they never go down.
    if (this.mode() !== modeBefore) this.telemetry(this.lastModeEvent(start, drafts) + SECOND_MS, drafts);
    this.telemetry(start + this.plan.telemetryOffsetMs, drafts);
    this.goOffline(start, events);
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

  /** Whether something can happen to the car now: it runs normally and its terminal is online to tell. */
  private running(): boolean {
    return this.mode() === SERVICE_MODES.normal && this.offline === null;
  }

  private mode(): number {
    if (this.outOfService) return SERVICE_MODES.outOfService;
    if (this.visit.started || this.repair?.started) return SERVICE_MODES.inspection;
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
      const progress = progressOf(start, degradation.minorStart, degradation.failure);
      for (const symptom of kind.symptoms) {
        const count = this.random.poisson(lerp(symptom.perDay, progress) / MINUTES_PER_DAY);
        for (let i = 0; i < count; i++) {
          const floor = 'oneLanding' in symptom && symptom.oneLanding ? degradation.landing : this.randomFloor();
          this.fault(drafts, start + this.random.int(0, 59) * SECOND_MS, symptom.code, floor);
          degradation.codes.add(symptom.code);
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
    return { start, end: start + minutes * MINUTE_MS, kind, started: false };
  }

  /** Half-monthly: the next visit 12 to 15 days after the last; a slipping contractor comes later. */
  private nextVisitAfter(previousEnd: number): Visit {
    const gap: readonly [number, number] = this.random.chance(this.plan.contractor.slipChance)
      ? VISIT_GAP_DAYS.slipped
      : VISIT_GAP_DAYS.onTime;
    return this.visitOn(previousEnd + this.random.uniform(...gap) * DAY_MS);
  }

  private maintain(start: number, end: number, drafts: Draft[]): void {
    const repair = this.repair;
    if (repair && !repair.started && repair.start < end) {
      this.checkIn(repair, Math.max(start, repair.start), drafts);
      this.repair = { ...repair, started: true };
    } else if (repair?.started && repair.end < end) {
      this.checkOut(repair, Math.max(start, repair.end), drafts);
      this.outOfService = false;
      this.repair = null;
    }
    if (this.outOfService || this.repair) return;
    if (!this.visit.started && this.visit.start < end) {
      this.checkIn(this.visit, Math.max(start, this.visit.start), drafts);
      this.visit = { ...this.visit, started: true };
    } else if (this.visit.started && this.visit.end < end) {
      const at = Math.max(start, this.visit.end);
      this.fixWhatIsFound(at);
      this.checkOut(this.visit, at, drafts);
      this.visitsDone++;
      this.visit = this.nextVisitAfter(at);
    }
  }

  private technician(): string {
    return `${this.plan.contractor.id}-T${(this.plan.index % 7) + 1}`;
  }

  private checkIn(visit: Visit, at: number, drafts: Draft[]): void {
    const due = this.lastCheckoutAt === null ? null : this.lastCheckoutAt + LEGAL_VISIT_GAP_DAYS * DAY_MS;
    if (due !== null && at > due) this.recordEvent('maintenance-overdue', 'maintenance', due, [], at);
    const common = { technician: this.technician(), contractor: this.plan.contractor.id, kind: visit.kind };
    drafts.push({ at, kind: 'maintenance', body: { action: 'checkin', ...common } });
    this.fault(drafts, at + SECOND_MS, 43);
  }

  private checkOut(visit: Visit, at: number, drafts: Draft[]): void {
    const common = { technician: this.technician(), contractor: this.plan.contractor.id, kind: visit.kind };
    const items = visit.kind === 'repair' ? ['repair'] : ['doors', 'brake', 'ropes', 'safety circuit'];
    drafts.push({ at, kind: 'maintenance', body: { action: 'checkout', ...common, items } });
    this.lastCheckoutAt = at;
    this.fault(drafts, at + SECOND_MS, 40);
  }

  /** A visit finds a degradation in its minor phase with the contractor's skill; a latent one less often. */
  private fixWhatIsFound(at: number): void {
    for (const degradation of [...this.degradations]) {
      if (degradation.onset > at) continue;
      const chance = this.plan.contractor.fixChance * (at >= degradation.minorStart ? 1 : 1 / 3);
      if (this.random.chance(chance)) {
        this.recordDegradation(degradation, 'fixed', at);
        this.drop(degradation);
      }
    }
  }

  private stopForRepair(at: number, drafts: Draft[]): void {
    this.outOfService = true;
    if (!drafts.some((draft) => draft.kind === 'faults' && draft.body.code === 42))
      this.fault(drafts, at + 5 * SECOND_MS, 42);
    const start = at + Math.round(this.random.uniform(...REPAIR_DELAY_HOURS) * HOUR_MS);
    const minutes = Math.round(this.random.uniform(...REPAIR_MINUTES));
    this.repair = { start, end: start + minutes * MINUTE_MS, kind: 'repair', started: false };
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
    if (!this.running()) return;
    if (this.random.chance(this.scenario.powerOffsPerYear / MINUTES_PER_YEAR)) {
      const at = start + this.random.int(0, 59) * SECOND_MS;
      this.cutPower(at, this.random.uniform(...POWER_OFF_MINUTES), drafts);
      if (this.random.chance(POWER_OFF_ENTRAPMENT_CHANCE)) {
        this.fault(drafts, at + 20 * SECOND_MS, 93);
        this.recordEvent('entrapment', 'critical', at + 20 * SECOND_MS, [93], null, true);
      }
    } else if (this.random.chance(this.scenario.fireTestsPerMonth / MINUTES_PER_MONTH)) {
      const at = start + this.random.int(0, 59) * SECOND_MS;
      this.fireTest = { start: at, end: at + Math.round(this.random.uniform(...FIRE_TEST_MINUTES)) * MINUTE_MS };
      this.fault(drafts, at, 44);
    }
  }

  private cutPower(at: number, minutes: number, drafts: Draft[]): void {
    const period = { start: at, end: at + Math.round(minutes) * MINUTE_MS };
    this.powerOff = period;
    this.fault(drafts, at, 41);
    this.recordEvent('power-off', 'external', at, [41], period.end, true);
  }

  /** The plan's incidents due by the end of this minute, once the car runs normally (as a failure waits). */
  private planned(start: number, end: number, drafts: Draft[]): void {
    while (this.incidents[0] && this.incidents[0].at < end && this.running() && this.trappedUntil === null) {
      const { kind, at, minutes } = this.incidents.shift() as PlannedIncident;
      if (kind === 'power-off')
        this.cutPower(Math.max(start, at), minutes ?? this.random.uniform(...POWER_OFF_MINUTES), drafts);
      else this.suddenEvent(kind, Math.max(start, at), drafts, minutes);
    }
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

  private goOffline(start: number, events: ModelEvent[]): void {
    if (this.offline || !this.random.chance(this.scenario.offlinePerWeek / MINUTES_PER_WEEK)) return;
    const at = start + this.random.int(0, 59) * SECOND_MS;
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
    const profile = PROFILES[this.plan.profile];
    const trips = this.random.poisson(tripsPerMinute(profile, this.plan.dailyTrips, start));
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
    const background = BACKGROUND_FAULTS.reduce((sum, fault) => sum + fault.perDay, 0) * this.scenario.backgroundFaults;
    const count = this.random.poisson(background / MINUTES_PER_DAY);
    for (let i = 0; i < count; i++) {
      const { code } = this.random.weighted(BACKGROUND_FAULTS, (fault) => fault.perDay);
      this.fault(drafts, start + this.random.int(0, 59) * SECOND_MS, code, this.randomFloor());
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
        reopenRate = Math.max(
          reopenRate,
          lerp(kind.reopensPerCycle, progressOf(at, degradation.minorStart, degradation.failure)),
        );
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
