import { SERVICE_MODES, type DecodedMessage, type Elevator } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { SYSTEM_ACTOR } from '../store/sqlite-tickets.js';
import type { ElevatorStore, RuleConfigStore } from '../store/types.js';
import { applyDecisions, type Ledger } from './actions.js';
import { counts, type DoorTimingConfig } from './catalogue/detectors.js';
import { RuleConfigs, type RuleVariant, type ShadowScope } from './config.js';
import { PeerRates } from './detectors/baseline.js';
import { CommonCause, type Onset } from './detectors/common-cause.js';
import { absoluteEvidence, daysBetween, rateEvidence, titleOf, type Window } from './detectors/explain.js';
import { FAMILIES, FAMILY_OF_CODE, type SymptomFamily } from './detectors/families.js';
import { NOMINAL_RUNS_PER_DAY, RateDetectors, type RateConfig, type Release, type Signal } from './detectors/rate.js';
import { DetectorState } from './detectors/state.js';
import { appended, EMPTY_FAULT_LOG, faultsIn, lastCounted, markCommon, type FaultLog } from './fault-log.js';
import { DETECTOR_RULES, STREAM_RULES } from './registry.js';
import {
  HISTORY_DAYS,
  type Decision,
  type DetectorRule,
  type RuleFault,
  type StreamInput,
  type StreamRule,
  type Trigger,
} from './types.js';

const DAY_MS = 86_400_000;
/** Faults kept per elevator at most, whatever the window: a flood must not take the memory. */
const MAX_HISTORY = 500;
/** The window a rate warning shows its count over. */
const EXPLAIN_DAYS = 7;
/** What the fleet's documented rates weigh against its pooled data, in events; and a group's against the fleet's. */
const PEER_PRIOR_EVENTS = 2;
/** Half-life of the fleet's pooled data, days: as an elevator's own. */
const PEER_HALF_LIFE_DAYS = 60;
/**
 * A day's rate varies around an elevator's usual by about 30 % (weekdays and weekends, the day's
 * swing): the squared coefficient of variation a new fleet starts from, worth 14 elevator-days.
 */
const FLEET_SPREAD = 0.1;
const FLEET_SPREAD_PRIOR_DAYS = 14;
/** The family counted from the doors topic. */
const DOOR_TIMING = FAMILIES.find((family) => family.codes.length === 0) as SymptomFamily;
/**
 * Elevators per page of detector state: pages are made as elevators first speak, each its own
 * typed arrays, so a city's memory is its elevators' slots (the last page sized to the registry)
 * with no room kept for registrations to come and no copy as they come.
 */
const PAGE_SLOTS = 4096;
/** A visit lasts at most this long without its check-out: an annual inspection takes a few hours, not a working day. */
const MAX_VISIT_MS = 8 * 3_600_000;
/** How often (wall clock, ms) the engine asks the store whether any rule runs in shadow: not at every message. */
const SHADOW_CHECK_MS = 1000;

/** Fault codes that change the circumstances rules see. */
const CODES = { backToNormal: 40, mainsOff: 41, inspection: 43 } as const;

/** What the engine needs of a message: a fault, a maintenance step, the service mode and runs, a door cycle. */
export type EngineEvent =
  | { readonly type: 'fault'; readonly at: number; readonly seq: number; readonly code: number; readonly floor: number }
  | { readonly type: 'checkin' | 'checkout'; readonly at: number }
  | { readonly type: 'mode'; readonly at: number; readonly mode: number; readonly runs?: number }
  | {
      readonly type: 'door';
      readonly at: number;
      readonly seq: number;
      readonly floor: number;
      readonly closeMs: number;
      readonly reopens: number;
    }
  /** A day of door cycles, summed (a rebuild's past): cycles with a reopen, and the others' median close. */
  | {
      readonly type: 'doors-day';
      readonly at: number;
      readonly reopened: number;
      readonly closeMs: number | null;
      readonly closes: number;
    };

export function toEngineEvent(message: DecodedMessage): EngineEvent | null {
  switch (message.kind) {
    case 'faults': {
      const { ts, seq, code, floor } = message.payload;
      return { type: 'fault', at: ts, seq, code, floor };
    }
    case 'maintenance':
      return { type: message.payload.action, at: message.payload.ts };
    case 'telemetry':
      return { type: 'mode', at: message.payload.ts, mode: message.payload.mode, runs: message.payload.runs };
    case 'doors': {
      const { ts, seq, floor, closeMs, reopens } = message.payload;
      return { type: 'door', at: ts, seq, floor, closeMs, reopens };
    }
    default:
      return null;
  }
}

/**
 * Tickets a scan opens that the elevator itself settles: any sign of life ends "offline", a
 * maintenance check-out ends "overdue" and "heavy use".
 */
const SETTLED_BY: Readonly<Record<string, (event: EngineEvent) => boolean>> = {
  'terminal-offline': () => true,
  'maintenance-overdue': (event) => event.type === 'checkout',
  'usage-above-norm': (event) => event.type === 'checkout',
};

/** The circumstances an elevator is in, as bits of one number. */
const CIRCUMSTANCE = { powerOff: 1, inMaintenance: 2, inspection: 4 } as const;

/**
 * What the engine remembers of one elevator, in as few fields as it takes (a city has 300,000 of
 * them); the detectors' numbers are in its slot of its page's arrays.
 */
class ElevatorState {
  /** The faults a rule may read later: not suppressed ones, which none reads. */
  faults: FaultLog = EMPTY_FAULT_LOG;
  lastCheckoutAt: number | null = null;
  /** When the visit under way was checked in (event time). */
  checkinAt = 0;
  private circumstances = 0;

  constructor(
    /** Its page's detectors, and its slot there. */
    readonly detectors: RateDetectors,
    readonly slot: number,
    /**
     * The day (epoch ms / day, event time) of its last daily look, as its detectors keep it: most
     * messages come on the same day, and this spares them a read of the detectors' arrays.
     */
    public lookedDay: number,
  ) {}

  get powerOff(): boolean {
    return this.is(CIRCUMSTANCE.powerOff);
  }
  set powerOff(on: boolean) {
    this.mark(CIRCUMSTANCE.powerOff, on);
  }
  get inMaintenance(): boolean {
    return this.is(CIRCUMSTANCE.inMaintenance);
  }
  set inMaintenance(on: boolean) {
    this.mark(CIRCUMSTANCE.inMaintenance, on);
  }
  get inspection(): boolean {
    return this.is(CIRCUMSTANCE.inspection);
  }
  set inspection(on: boolean) {
    this.mark(CIRCUMSTANCE.inspection, on);
  }

  private is(bit: number): boolean {
    return (this.circumstances & bit) !== 0;
  }
  private mark(bit: number, on: boolean): void {
    this.circumstances = on ? this.circumstances | bit : this.circumstances & ~bit;
  }
}

/** A detector's warning waiting out the common-cause hold: which rule, the fault that made it, its signal (null: the absolute rule's). */
interface Held {
  readonly elevator: Elevator;
  readonly rule: DetectorRule;
  readonly trigger: RuleFault;
  readonly signal: Signal | null;
  readonly due: number;
}

/** What the engine needs of the store: the configs, and where its decisions go. */
export interface EngineStore {
  readonly elevators: Pick<ElevatorStore, 'count'>;
  readonly ruleConfigs: RuleConfigStore;
  /** The tickets; a shadow engine's are its shadow records. */
  readonly tickets: Ledger;
  /** Where the rules in shadow record what they would have opened; a shadow engine has none. */
  readonly shadows?: Ledger;
}

export interface EngineOptions {
  readonly store: EngineStore;
  readonly logger: Logger;
  /** Counts tickets opened and occurrences added; a backtest leaves it out. */
  readonly metrics?: Metrics;
  readonly rules?: readonly StreamRule<unknown>[];
  readonly detectors?: readonly DetectorRule[];
  /** The wall clock, for ticket creation times. */
  readonly now?: () => Date;
  /** The elevators registered (default: the registry's count): the last page of detector state is made to fit. */
  readonly elevators?: number;
  /** Which instance of each rule it runs (default live); the live engine makes its shadow engine itself. */
  readonly variant?: RuleVariant;
  /**
   * Told of each symptom event the detectors count (neither suppressed nor external), as they
   * count it: the symptoms API's replay draws its daily counts from it.
   */
  readonly onCounted?: (elevator: Elevator, family: SymptomFamily, events: number, at: number) => void;
}

export interface EngineStats {
  readonly elevators: number;
  readonly faultsEvaluated: number;
  /** Elevators the shadow engine keeps a memory of (those the overrides running rules in shadow cover). */
  readonly shadowElevators: number;
}

/**
 * Evaluates the stream rules and the detectors on each message as it arrives, per elevator,
 * with the circumstances each fault happened in (a power cut, a maintenance visit, inspection
 * mode), and hands the decisions to the action layer. Windows run on event time, so a replayed
 * or accelerated timeline is judged as it happened.
 */
export class RulesEngine {
  private readonly states = new Map<string, ElevatorState>();
  private readonly configs: RuleConfigs;
  private readonly rules: readonly StreamRule<unknown>[];
  /** Each family's detector rule, where it is run. */
  private readonly detectorOf: ReadonlyArray<DetectorRule | undefined>;
  private readonly detectorRules: readonly DetectorRule[];
  /** The detectors of each page of PAGE_SLOTS elevators, over the fleet's peer rates. */
  private readonly pages: RateDetectors[] = [];
  private readonly peers: PeerRates;
  /** Rises on many elevators of one place at once: the fault families' common causes. */
  private readonly commonCause: CommonCause;
  /** Per elevator, the warnings waiting out the common-cause hold. */
  private readonly held = new Map<string, Held[]>();
  /**
   * Per elevator, what an episode found since its last message takes back (each family's counted
   * faults from a time on): done at its next message, where its overrides are known.
   */
  private readonly withdrawals = new Map<string, Array<{ readonly rule: DetectorRule; readonly since: number }>>();
  private readonly registered: number;
  /**
   * The rules in shadow (docs/rules.md, "Shadow mode"): the same rules on a memory of their own,
   * with their shadow configs, recording into the shadow store; made while any override asks for one.
   */
  private shadow: RulesEngine | undefined;
  private shadowScope: ShadowScope | null = null;
  private nextShadowCheck = 0;
  private readonly now: () => Date;
  /** Elevators with a ticket that one of their own messages will settle, and which rules. */
  private readonly awaiting = new Map<string, Set<string>>();
  /** Detector tickets active at start (family index to when each opened), taken up as each elevator speaks. */
  private readonly activeAtStart = new Map<string, Map<number, number>>();
  /**
   * The codes the rules evaluate: a rule reads only those from history, so only those are kept.
   * Most faults are mode changes (40-44); keeping them too took two thirds of each elevator's memory.
   */
  private readonly historyCodes: ReadonlySet<number>;
  private faultsEvaluated = 0;

  constructor(private readonly options: EngineOptions) {
    const { store } = options;
    this.configs = new RuleConfigs(store.ruleConfigs, options.variant);
    this.rules = options.rules ?? STREAM_RULES;
    const detectors = options.detectors ?? DETECTOR_RULES;
    this.detectorRules = detectors;
    this.detectorOf = FAMILIES.map((family) => detectors.find((rule) => rule.family.index === family.index));
    this.historyCodes = new Set([...this.rules, ...detectors].flatMap((rule) => [...rule.codes]));
    this.now = options.now ?? (() => new Date());
    this.registered = options.elevators ?? store.elevators.count();
    this.peers = new PeerRates({
      fleetPriors: FAMILIES.map((family) => family.fleetPrior / NOMINAL_RUNS_PER_DAY),
      dayExposure: NOMINAL_RUNS_PER_DAY,
      priorEvents: PEER_PRIOR_EVENTS,
      halfLifeDays: PEER_HALF_LIFE_DAYS,
      fleetSpread: FLEET_SPREAD,
      spreadPriorDays: FLEET_SPREAD_PRIOR_DAYS,
    });
    this.commonCause = new CommonCause(
      FAMILIES.map((family) =>
        family.codes.length > 0 && this.detectorOf[family.index] ? family.fleetPrior : undefined,
      ),
    );
    for (const rule of Object.keys(SETTLED_BY)) {
      for (const ticket of store.tickets.activeFor(rule)) this.expectSettlement(rule, ticket.elevator);
    }
    for (const rule of detectors) {
      for (const ticket of store.tickets.activeFor(rule.id)) {
        const families = this.activeAtStart.get(ticket.elevator) ?? new Map<number, number>();
        families.set(rule.family.index, Date.parse(ticket.openedAt));
        this.activeAtStart.set(ticket.elevator, families);
      }
    }
  }

  /** A scan opened a ticket that the elevator's next fitting message settles. */
  expectSettlement(rule: string, elevator: string): void {
    if (!(rule in SETTLED_BY)) return;
    const rules = this.awaiting.get(elevator) ?? new Set<string>();
    rules.add(rule);
    this.awaiting.set(elevator, rules);
  }

  stats(): EngineStats {
    return {
      elevators: this.states.size,
      faultsEvaluated: this.faultsEvaluated,
      shadowElevators: this.shadow?.states.size ?? 0,
    };
  }

  /** Judges one validated message of a registered elevator. */
  onMessage(message: DecodedMessage, elevator: Elevator): void {
    const event = toEngineEvent(message);
    if (event) this.judge(event, elevator);
  }

  judge(event: EngineEvent, elevator: Elevator): void {
    this.settle(event, elevator.id);
    this.take(event, elevator, true);
    this.shadowFor(elevator)?.judge(event, elevator);
  }

  /**
   * Rebuilds an elevator's memory from stored history (after a restart) without judging it
   * again: its tickets are already in the store. The detectors learn and test as they did.
   */
  replayHistory(event: EngineEvent, elevator: Elevator): void {
    this.take(event, elevator, false);
    this.shadowFor(elevator)?.replayHistory(event, elevator);
  }

  /**
   * The shadow engine for an elevator an override running a rule in shadow covers (the others
   * take no memory there), while any does: made when one first does (its memory starts then, or
   * with the rebuild after a restart), dropped when none does any more.
   */
  private shadowFor(elevator: Elevator): RulesEngine | undefined {
    const shadow = this.shadowEngine();
    const scope = this.shadowScope;
    if (!shadow || !scope) return undefined;
    const covered = scope.everyone || scope.insurers.has(elevator.insurer) || scope.elevators.has(elevator.id);
    return covered ? shadow : undefined;
  }

  private shadowEngine(): RulesEngine | undefined {
    const { store, logger, elevators } = this.options;
    if (!store.shadows) return undefined;
    const wall = performance.now();
    if (wall < this.nextShadowCheck) return this.shadow;
    this.nextShadowCheck = wall + SHADOW_CHECK_MS;
    this.shadowScope = this.configs.shadowScope([...this.rules, ...this.detectorRules]);
    if (!this.shadowScope) {
      this.shadow = undefined;
      return undefined;
    }
    this.shadow ??= new RulesEngine({
      store: { elevators: store.elevators, ruleConfigs: store.ruleConfigs, tickets: store.shadows },
      logger,
      rules: this.rules,
      detectors: this.detectorRules,
      now: this.now,
      ...(elevators === undefined ? {} : { elevators }),
      variant: 'shadow',
    });
    return this.shadow;
  }

  /**
   * Every held warning whose hold is over by `at` (event time) opens or is dropped, as the
   * elevator's next message would do: a backtest's end, where no later message comes.
   */
  settleHeldBy(at: number): void {
    for (const [id, list] of [...this.held]) {
      const state = this.states.get(id);
      const first = list[0];
      if (state && first) this.settleHeld(state, first.elevator, at);
    }
  }

  /** The family's usual rate for an elevator, per counted day at its usual use (for tests and tools). */
  baselineOf(elevator: Elevator, familyId: string): { mean: number; tested: number } | undefined {
    const state = this.states.get(elevator.id);
    const family = FAMILIES.find((candidate) => candidate.id === familyId);
    const rule = family && this.detectorOf[family.index];
    if (!state || !family || !rule) return undefined;
    const { mean, tested } = state.detectors.baseline(state.slot, family, this.configOf(rule, elevator));
    const perDay = state.detectors.exposurePerDay(state.slot);
    return { mean: mean * perDay, tested: tested * perDay };
  }

  /** The elevator's exposure up to `at`, in runs (rules/detectors/rate.ts), for tools. */
  exposureOf(elevator: Elevator, at: number): number | undefined {
    const state = this.states.get(elevator.id);
    return state && state.detectors.exposure(state.slot, at);
  }

  /** The elevator's days of its own history (a day it barely ran counts for little), for tools. */
  ownDaysOf(elevator: Elevator): number | undefined {
    const state = this.states.get(elevator.id);
    return state && state.detectors.ownDays(state.slot);
  }

  /** The elevator's counted days up to `at` (time outside visits, inspection and power cuts), for tools. */
  countedDaysOf(elevator: Elevator, at: number): number | undefined {
    const state = this.states.get(elevator.id);
    return state && state.detectors.countedDays(state.slot, at);
  }

  private take(event: EngineEvent, elevator: Elevator, live: boolean): void {
    const state = this.stateOf(elevator, event);
    this.dailyLook(state, elevator, event.at, live);
    const pending = this.withdrawals.size > 0 ? this.withdrawals.get(elevator.id) : undefined;
    if (pending) {
      this.withdrawals.delete(elevator.id);
      for (const { rule, since } of pending) this.withdraw(state, elevator, rule, since);
    }
    const observed = this.observe(state, event);
    const fault = observed && this.judgeCommon(state, elevator, observed);
    if (live && this.held.size > 0) this.settleHeld(state, elevator, event.at);
    if (event.type === 'door' || event.type === 'doors-day') this.doorCycles(state, elevator, event, live);
    if (!fault) return;
    if (live) {
      this.faultsEvaluated++;
      const { tickets } = this.options.store;
      let history: readonly RuleFault[] | undefined;
      for (const rule of this.rules) {
        if (!rule.codes.has(fault.code)) continue;
        const { config, version, runs } = this.configs.effective(rule, elevator);
        if (!runs) continue;
        // Most rules return before reading their history or ticket: unpacked, or asked of the store, only if read.
        const input: StreamInput = {
          elevator: elevator.id,
          fault,
          get history() {
            return (history ??= faultsIn(state.faults));
          },
          lastCheckoutAt: state.lastCheckoutAt,
          get active() {
            return tickets.active(elevator.id, rule.id) !== undefined;
          },
        };
        this.apply(elevator, rule, version, rule.evaluate(input, config));
      }
    }
    this.familyFault(state, elevator, fault, live);
    this.remember(state, fault);
  }

  // ---- detectors --------------------------------------------------------------------------

  private configOf<C extends RateConfig>(rule: DetectorRule<C>, elevator: Elevator): C {
    return this.configs.effective(rule, elevator).config as C;
  }

  /** The rule's config for this elevator where it runs in this engine (live, or in its shadow); else undefined. */
  private runningConfig<C extends RateConfig>(rule: DetectorRule<C>, elevator: Elevator): C | undefined {
    const { config, runs } = this.configs.effective(rule, elevator);
    return runs ? (config as C) : undefined;
  }

  private configsFor(elevator: Elevator) {
    return (family: SymptomFamily) => {
      const rule = this.detectorOf[family.index];
      return rule && this.runningConfig(rule, elevator);
    };
  }

  /**
   * The elevator's first message of a day: the detectors learn and bring their charts up to
   * date; live, a warning whose evidence has faded, that nobody acted on, resolves itself, and
   * one closed meanwhile lets its family learn again (or forget what it held, after a repair).
   */
  private dailyLook(state: ElevatorState, elevator: Elevator, at: number, live: boolean): void {
    const day = Math.floor(at / DAY_MS);
    if (day <= state.lookedDay) return;
    state.lookedDay = day;
    if (!state.detectors.dailyLook(state.slot, at, elevator.installedOn, this.configsFor(elevator)) || !live) return;
    for (const index of state.detectors.alarmedFamilies(state.slot)) {
      const rule = this.detectorOf[index];
      if (!rule || this.isHeld(elevator.id, rule)) continue;
      const active = this.options.store.tickets.active(elevator.id, rule.id);
      if (!active) {
        state.detectors.release(state.slot, index, this.releaseOf(elevator.id, rule));
        continue;
      }
      const config = this.configOf(rule, elevator);
      if (active.status !== 'open' || at - state.detectors.lastSignal(state.slot, index) < config.quietDays * DAY_MS) {
        continue;
      }
      const note = this.fadedNote(state, rule, config, at);
      this.apply(elevator, rule, 0, [{ type: 'resolve', note, unlessActedOn: true }]);
      if (!this.options.store.tickets.active(elevator.id, rule.id)) state.detectors.release(state.slot, index, 'learn');
    }
  }

  /** A closed warning: dropped data after a person resolved it (a repair), learned after a false alarm or by itself. */
  private releaseOf(elevatorId: string, rule: DetectorRule): Release {
    const [last] = this.options.store.tickets.list({
      elevator: elevatorId,
      rule: rule.id,
      order: 'newest',
      limit: 1,
    }).items;
    return !last || last.status === 'false_alarm' || last.closed.by === SYSTEM_ACTOR ? 'learn' : 'discard';
  }

  private fadedNote(state: ElevatorState, rule: DetectorRule, config: RateConfig, at: number) {
    const quiet = `No renewed rise in ${config.quietDays} days`;
    if (rule.family === DOOR_TIMING) return `${quiet}; resolved by liftwatch, nobody had acted on it`;
    const baseline = state.detectors.baseline(state.slot, rule.family, config);
    const window = {
      ...this.recentWindow(state, rule, at, null),
      usualPerWeek: state.detectors.usualPerWeek(state.slot, baseline),
    };
    return `${quiet}: ${titleOf(rule.family, window, null)}; resolved by liftwatch, nobody had acted on it`;
  }

  /** The family's counted faults in the last EXPLAIN_DAYS (and the one now, if given). */
  private recentWindow(state: ElevatorState, rule: DetectorRule, at: number, fault: RuleFault | null) {
    const since = at - EXPLAIN_DAYS * DAY_MS;
    const faults = faultsIn(state.faults).filter(
      (earlier) => rule.codes.has(earlier.code) && counts(earlier) && earlier.at > since && earlier.at <= at,
    );
    if (fault) faults.push(fault);
    return { faults, count: faults.length, days: EXPLAIN_DAYS };
  }

  /**
   * A counted fault of a family with a detector, as the common-cause tracker judges it: common
   * when many elevators of its place show the family at once. An episode found now takes back
   * what its earlier onsets counted.
   */
  private judgeCommon(state: ElevatorState, elevator: Elevator, fault: RuleFault): RuleFault {
    const family = FAMILY_OF_CODE.get(fault.code);
    const rule = family && this.detectorOf[family.index];
    if (!family || !rule || !counts(fault)) return fault;
    const last = lastCounted(state.faults, rule.codes);
    const onset: Onset | null =
      last === null || last <= fault.at - this.commonCause.windowMs
        ? { elevator: elevator.id, district: elevator.district, at: fault.at }
        : null;
    const verdict = this.commonCause.judge(family.index, onset, elevator.district, fault.at);
    for (const earlier of verdict.withdraw) {
      if (earlier.elevator === elevator.id) {
        this.withdraw(state, elevator, rule, earlier.at);
        continue;
      }
      const pending = this.withdrawals.get(earlier.elevator) ?? [];
      pending.push({ rule, since: earlier.at });
      this.withdrawals.set(earlier.elevator, pending);
    }
    return verdict.common ? { ...fault, common: true } : fault;
  }

  /** The elevator's counted faults of the rule's family from `since` on are common: set aside, and taken back from its detector. */
  private withdraw(state: ElevatorState, elevator: Elevator, rule: DetectorRule, since: number): void {
    const marked = markCommon(state.faults, rule.codes, since);
    const config = this.runningConfig(rule, elevator);
    if (config) state.detectors.withdraw(state.slot, rule.family, marked, config);
  }

  private familyFault(state: ElevatorState, elevator: Elevator, fault: RuleFault, live: boolean): void {
    const family = FAMILY_OF_CODE.get(fault.code);
    const rule = family && this.detectorOf[family.index];
    if (!family || !rule || !counts(fault)) return;
    this.options.onCounted?.(elevator, family, 1, fault.at);
    const config = this.runningConfig(rule, elevator);
    if (!config) return;
    state.detectors.advance(state.slot, fault.at, this.configsFor(elevator));
    const active = live ? this.activeWarning(state, elevator, rule) : false;
    const signal = state.detectors.observe(state.slot, family, 1, fault.at, config);
    if (!live) return;
    if (active) {
      this.apply(elevator, rule, 0, [{ type: 'occurrence', occurrences: [fault] }]);
      return;
    }
    if (this.isHeld(elevator.id, rule)) return;
    const open = this.decide(state, rule, fault, signal, faultsIn(state.faults), config);
    if (!open) return;
    if (!signal) state.detectors.markAlarmed(state.slot, family.index, fault.at);
    const held: Held = { elevator, rule, trigger: fault, signal, due: fault.at + this.commonCause.holdMs };
    this.held.set(elevator.id, [...(this.held.get(elevator.id) ?? []), held]);
  }

  /**
   * The opening a detector's signal, or its absolute rule on the fault and the elevator's earlier
   * counted faults, makes; null when neither holds.
   */
  private decide(
    state: ElevatorState,
    rule: DetectorRule,
    fault: RuleFault,
    signal: Signal | null,
    history: readonly RuleFault[],
    config: RateConfig,
  ): Extract<Decision, { type: 'open' }> | null {
    const { family } = rule;
    const absolute = signal ? null : (rule.absolute?.({ fault, history }, config) ?? null);
    if (!signal && !absolute) return null;
    const baseline = state.detectors.baseline(state.slot, family, config);
    const usual = state.detectors.usualPerWeek(state.slot, baseline);
    if (signal) {
      const recent = this.recentWindow(state, rule, fault.at, null);
      const window: Window = { count: recent.count, days: recent.days, usualPerWeek: usual };
      return this.opening(rule, recent.faults, titleOf(family, window, signal.risingSince), {
        evidence: rateEvidence(signal, window, config.falseAlarmYears),
      });
    }
    const found = absolute as NonNullable<typeof absolute>;
    const window: Window = { count: found.occurrences.length, days: found.windowDays, usualPerWeek: usual };
    return this.opening(rule, found.occurrences, titleOf(family, window, null, found.floor), {
      evidence: absoluteEvidence(family, window, found.floor, baseline.peerShare),
    });
  }

  /**
   * The elevator's held warnings whose hold is over: the faults a common cause was found to
   * cover since are set aside and withdrawn; a warning whose fault was one of them, or whose
   * absolute rule no longer holds without them, is dropped (its family learns again); the others open.
   */
  private settleHeld(state: ElevatorState, elevator: Elevator, at: number): void {
    const list = this.held.get(elevator.id);
    if (!list || (list[0] as Held).due > at) return;
    const waiting = list.filter((held) => held.due > at);
    if (waiting.length > 0) this.held.set(elevator.id, waiting);
    else this.held.delete(elevator.id);
    for (const held of list.filter((candidate) => candidate.due <= at)) {
      const { rule, trigger } = held;
      const family = rule.family;
      const config = this.runningConfig(rule, elevator);
      const covered = (time: number) => this.commonCause.covers(family.index, elevator.district, time, at);
      const marked = markCommon(state.faults, rule.codes, at - HISTORY_DAYS * DAY_MS, covered);
      if (config && marked > 0) state.detectors.withdraw(state.slot, family, marked, config);
      const history = faultsIn(state.faults).filter((earlier) => earlier.at < trigger.at);
      const open = config && !covered(trigger.at) && this.decide(state, rule, trigger, held.signal, history, config);
      if (!open) {
        state.detectors.release(state.slot, family.index, 'learn');
        continue;
      }
      // Opened by its trigger (openedAt is that event's time); what the family showed during the hold joins it.
      const later = faultsIn(state.faults).filter(
        (fault) => fault.at > trigger.at && rule.codes.has(fault.code) && counts(fault),
      );
      const decisions: Decision[] = later.length > 0 ? [open, { type: 'occurrence', occurrences: later }] : [open];
      this.apply(elevator, rule, this.configs.effective(rule, elevator).version, decisions);
    }
  }

  /** Door cycles with a reopen or a slow close: the door-timing detector. */
  private doorCycles(
    state: ElevatorState,
    elevator: Elevator,
    event: Extract<EngineEvent, { type: 'door' | 'doors-day' }>,
    live: boolean,
  ): void {
    const rule = this.detectorOf[DOOR_TIMING.index] as DetectorRule<DoorTimingConfig> | undefined;
    if (!rule || !this.counting(state)) return;
    const config = this.runningConfig(rule, elevator);
    if (!config) return;
    const { detectors, slot } = state;
    const trouble =
      event.type === 'door'
        ? detectors.doorCycle(slot, event.closeMs, event.reopens, config.slowClosePercent)
        : detectors.doorDay(slot, event.reopened, event.closeMs, event.closes);
    if (trouble === 0) return;
    this.options.onCounted?.(elevator, DOOR_TIMING, trouble, event.at);
    detectors.advance(slot, event.at, this.configsFor(elevator));
    const active = live ? this.activeWarning(state, elevator, rule) : false;
    const signal = detectors.observe(slot, DOOR_TIMING, trouble, event.at, config);
    if (!live || (!active && !signal)) return;
    const trigger: Trigger = {
      at: event.at,
      seq: event.type === 'door' ? event.seq : null,
      code: null,
      floor: event.type === 'door' ? event.floor : null,
      external: false,
    };
    if (active || !signal) {
      this.apply(elevator, rule, 0, [{ type: 'occurrence', occurrences: [trigger] }]);
      return;
    }
    const window: Window = {
      count: Math.round(signal.sinceEvents),
      days: daysBetween(signal.risingSince ?? event.at, event.at),
      usualPerWeek: detectors.usualPerWeek(slot, signal.baseline),
    };
    const open = this.opening(rule, [trigger], titleOf(DOOR_TIMING, window, signal.risingSince), {
      evidence: rateEvidence(signal, window, config.falseAlarmYears),
    });
    this.apply(elevator, rule, this.configs.effective(rule, elevator).version, [open]);
  }

  /**
   * Whether the family's warning is still active; one closed since the detector last looked
   * lets the family learn again (or forget, after a repair). A warning held for a common cause
   * keeps its family alarmed: it is not open yet, nor closed.
   */
  private activeWarning(state: ElevatorState, elevator: Elevator, rule: DetectorRule): boolean {
    const active = this.options.store.tickets.active(elevator.id, rule.id) !== undefined;
    if (!active && state.detectors.isAlarmed(state.slot, rule.family.index) && !this.isHeld(elevator.id, rule)) {
      state.detectors.release(state.slot, rule.family.index, this.releaseOf(elevator.id, rule));
    }
    return active;
  }

  private isHeld(elevatorId: string, rule: DetectorRule): boolean {
    return this.held.size > 0 && (this.held.get(elevatorId)?.some((held) => held.rule === rule) ?? false);
  }

  private opening(
    rule: DetectorRule,
    occurrences: readonly Trigger[],
    title: string,
    extra: Pick<Extract<Decision, { type: 'open' }>, 'evidence'>,
  ): Extract<Decision, { type: 'open' }> {
    return {
      type: 'open',
      occurrences,
      severity: rule.severity,
      category: 'hazard',
      title,
      external: false,
      deadlineMinutes: null,
      ...extra,
    };
  }

  private apply(
    elevator: Elevator,
    rule: StreamRule<unknown> | DetectorRule,
    configVersion: number,
    decisions: readonly Decision[],
  ) {
    if (decisions.length === 0) return;
    const applied = applyDecisions(this.options.store.tickets, {
      elevator,
      rule,
      configVersion,
      decisions,
      now: this.now(),
    });
    if (applied.opened > 0) this.options.metrics?.ticketsOpened.inc({ rule: rule.id }, applied.opened);
    if (applied.added > 0) this.options.metrics?.occurrencesAdded.inc({ rule: rule.id }, applied.added);
  }

  // ---- circumstances ----------------------------------------------------------------------

  private settle(event: EngineEvent, elevatorId: string): void {
    const rules = this.awaiting.get(elevatorId);
    if (!rules) return;
    for (const rule of rules) {
      if (!SETTLED_BY[rule]?.(event)) continue;
      const note = event.type === 'checkout' ? 'maintenance checked out' : 'the terminal reports again';
      this.options.store.tickets.resolveActive(elevatorId, rule, note, this.now());
      rules.delete(rule);
    }
    if (rules.size === 0) this.awaiting.delete(elevatorId);
  }

  private stateOf(elevator: Elevator, event: EngineEvent): ElevatorState {
    let state = this.states.get(elevator.id);
    if (!state) {
      const alarmed = this.activeAtStart.get(elevator.id) ?? new Map<number, number>();
      this.activeAtStart.delete(elevator.id);
      const { detectors, slot } = this.slotFor(event.at, elevator.installedOn, alarmed);
      state = new ElevatorState(detectors, slot, Math.floor(event.at / DAY_MS));
      this.states.set(elevator.id, state);
      this.commonCause.join(elevator.district);
    }
    return state;
  }

  /** A detector slot for a new elevator, on the page it falls in (made when its first elevator speaks). */
  private slotFor(at: number, installedOn: string, alarmed: ReadonlyMap<number, number>) {
    const page = Math.floor(this.states.size / PAGE_SLOTS);
    const detectors = (this.pages[page] ??= new RateDetectors(
      new DetectorState(Math.min(PAGE_SLOTS, Math.max(1, this.registered - page * PAGE_SLOTS))),
      this.peers,
    ));
    return { detectors, slot: detectors.begin(at, true, installedOn, alarmed) };
  }

  /** Outside visits, inspection and power cuts: what the detectors count. */
  private counting(state: ElevatorState): boolean {
    return !state.inMaintenance && !state.inspection && !state.powerOff;
  }

  /** Updates the circumstances (and the detectors' counted time and runs); for a fault, returns it as the rules see it. */
  private observe(state: ElevatorState, event: EngineEvent): RuleFault | null {
    const fault = this.circumstances(state, event);
    state.detectors.setCounting(state.slot, this.counting(state), event.at);
    if (event.type === 'mode' && event.runs !== undefined) {
      state.detectors.runs(state.slot, event.runs, this.counting(state), event.at);
    }
    return fault;
  }

  private circumstances(state: ElevatorState, event: EngineEvent): RuleFault | null {
    // A check-in never checked out (a technician who forgot, a lost message) must not silence the
    // elevator's faults, entrapments first, for days: the visit ends after MAX_VISIT_MS.
    if (state.inMaintenance && event.at - state.checkinAt > MAX_VISIT_MS) state.inMaintenance = false;
    switch (event.type) {
      case 'mode':
        state.inspection = event.mode === SERVICE_MODES.inspection;
        return null;
      case 'checkin':
        state.inMaintenance = true;
        state.checkinAt = event.at;
        return null;
      case 'checkout':
        state.inMaintenance = false;
        state.lastCheckoutAt = event.at;
        return null;
      case 'door':
      case 'doors-day':
        return null;
      case 'fault': {
        const { code, at, seq, floor } = event;
        if (code === CODES.mainsOff) state.powerOff = true;
        if (code === CODES.inspection) state.inspection = true;
        const fault = {
          at,
          seq,
          code,
          floor,
          external: state.powerOff,
          suppressed: state.inMaintenance || state.inspection,
        };
        if (code === CODES.backToNormal) {
          state.powerOff = false;
          state.inspection = false;
        }
        return fault;
      }
    }
  }

  private remember(state: ElevatorState, fault: RuleFault): void {
    if (fault.suppressed || !this.historyCodes.has(fault.code)) return;
    state.faults = appended(state.faults, fault, fault.at - HISTORY_DAYS * DAY_MS, MAX_HISTORY);
  }
}
