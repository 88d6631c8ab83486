import { SERVICE_MODES, type DecodedMessage, type Elevator } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Store } from '../store/types.js';
import { applyDecisions } from './actions.js';
import { RuleConfigs } from './config.js';
import { STREAM_RULES } from './registry.js';
import { HISTORY_DAYS, type RuleFault, type StreamRule } from './types.js';

const DAY_MS = 86_400_000;
/** Faults kept per elevator at most, whatever the window: a flood must not take the memory. */
const MAX_HISTORY = 500;

/** Fault codes that change the circumstances rules see. */
const CODES = { backToNormal: 40, mainsOff: 41, inspection: 43 } as const;

/** What the engine needs of a message: a fault, a maintenance step, or the service mode. */
export type EngineEvent =
  | { readonly type: 'fault'; readonly at: number; readonly seq: number; readonly code: number; readonly floor: number }
  | { readonly type: 'checkin' | 'checkout'; readonly at: number }
  | { readonly type: 'mode'; readonly at: number; readonly mode: number };

export function toEngineEvent(message: DecodedMessage): EngineEvent | null {
  switch (message.kind) {
    case 'faults': {
      const { ts, seq, code, floor } = message.payload;
      return { type: 'fault', at: ts, seq, code, floor };
    }
    case 'maintenance':
      return { type: message.payload.action, at: message.payload.ts };
    case 'telemetry':
      return { type: 'mode', at: message.payload.ts, mode: message.payload.mode };
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

/** What the engine remembers of one elevator. */
interface ElevatorState {
  faults: RuleFault[];
  powerOff: boolean;
  inMaintenance: boolean;
  inspection: boolean;
  lastCheckoutAt: number | null;
}

export interface EngineOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Counts tickets opened and occurrences added; a backtest leaves it out. */
  readonly metrics?: Metrics;
  readonly rules?: readonly StreamRule<unknown>[];
  /** The wall clock, for ticket creation times. */
  readonly now?: () => Date;
}

export interface EngineStats {
  readonly elevators: number;
  readonly faultsEvaluated: number;
}

/**
 * Evaluates the stream rules on each message as it arrives, per elevator, with the
 * circumstances each fault happened in (a power cut, a maintenance visit, inspection mode),
 * and hands the decisions to the action layer. Windows run on event time, so a replayed or
 * accelerated timeline is judged as it happened.
 */
export class RulesEngine {
  private readonly states = new Map<string, ElevatorState>();
  private readonly configs: RuleConfigs;
  private readonly rules: readonly StreamRule<unknown>[];
  private readonly now: () => Date;
  /** Elevators with a ticket that one of their own messages will settle, and which rules. */
  private readonly awaiting = new Map<string, Set<string>>();
  /**
   * The codes the rules evaluate: a rule reads only those from history, so only those are kept.
   * Most faults are mode changes (40-44); keeping them too took two thirds of each elevator's memory.
   */
  private readonly historyCodes: ReadonlySet<number>;
  private faultsEvaluated = 0;

  constructor(private readonly options: EngineOptions) {
    this.configs = new RuleConfigs(options.store.ruleConfigs);
    this.rules = options.rules ?? STREAM_RULES;
    this.historyCodes = new Set(this.rules.flatMap((rule) => [...rule.codes]));
    this.now = options.now ?? (() => new Date());
    for (const rule of Object.keys(SETTLED_BY)) {
      for (const ticket of options.store.tickets.activeFor(rule)) this.expectSettlement(rule, ticket.elevator);
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
    };
  }

  /** Judges one validated message of a registered elevator. */
  onMessage(message: DecodedMessage, elevator: Elevator): void {
    const event = toEngineEvent(message);
    if (event) this.judge(event, elevator);
  }

  judge(event: EngineEvent, elevator: Elevator): void {
    this.settle(event, elevator.id);
    const state = this.stateOf(elevator.id);
    const fault = this.observe(state, event);
    if (!fault) return;
    this.faultsEvaluated++;
    for (const rule of this.rules) {
      if (!rule.codes.has(fault.code)) continue;
      const { config, version } = this.configs.effective(rule, elevator);
      const active = this.options.store.tickets.active(elevator.id, rule.id) !== undefined;
      const decisions = rule.evaluate(
        { elevator: elevator.id, fault, history: state.faults, lastCheckoutAt: state.lastCheckoutAt, active },
        config,
      );
      const applied = applyDecisions(this.options.store.tickets, {
        elevator,
        rule,
        configVersion: version,
        decisions,
        now: this.now(),
      });
      if (applied.opened > 0) this.options.metrics?.ticketsOpened.inc({ rule: rule.id }, applied.opened);
      if (applied.added > 0) this.options.metrics?.occurrencesAdded.inc({ rule: rule.id }, applied.added);
    }
    this.remember(state, fault);
  }

  /**
   * Rebuilds an elevator's memory from stored history (after a restart) without judging it
   * again: its tickets are already in the store.
   */
  replayHistory(event: EngineEvent, elevatorId: string): void {
    const state = this.stateOf(elevatorId);
    const fault = this.observe(state, event);
    if (fault) this.remember(state, fault);
  }

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

  private stateOf(elevatorId: string): ElevatorState {
    let state = this.states.get(elevatorId);
    if (!state) {
      state = { faults: [], powerOff: false, inMaintenance: false, inspection: false, lastCheckoutAt: null };
      this.states.set(elevatorId, state);
    }
    return state;
  }

  /** Updates the circumstances; for a fault, returns it as the rules see it. */
  private observe(state: ElevatorState, event: EngineEvent): RuleFault | null {
    switch (event.type) {
      case 'mode':
        state.inspection = event.mode === SERVICE_MODES.inspection;
        return null;
      case 'checkin':
        state.inMaintenance = true;
        return null;
      case 'checkout':
        state.inMaintenance = false;
        state.lastCheckoutAt = event.at;
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
    if (!this.historyCodes.has(fault.code)) return;
    state.faults.push(fault);
    const horizon = fault.at - HISTORY_DAYS * DAY_MS;
    let drop = 0;
    while (drop < state.faults.length && (state.faults[drop] as RuleFault).at < horizon) drop++;
    if (state.faults.length - drop > MAX_HISTORY) drop = state.faults.length - MAX_HISTORY;
    if (drop > 0) state.faults.splice(0, drop);
  }
}
