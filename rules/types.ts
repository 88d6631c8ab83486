import type { z } from 'zod';
import type { FaultSeverity, TicketCategory, TicketEvidence } from '../contract/index.js';
import type { BoundQuery, Series } from '../influx/types.js';
import type { SymptomFamily } from './detectors/families.js';
import type { RateConfig } from './detectors/rate.js';

/** How far back the engine keeps each elevator's faults; no window may reach further. */
export const HISTORY_DAYS = 30;

/** A fault as the rules see it: when, which, where, and in what circumstances. */
export interface RuleFault {
  /** Event time (the message's ts), epoch ms. */
  readonly at: number;
  readonly seq: number;
  readonly code: number;
  readonly floor: number;
  /** During a mains power cut (41 until 40): caused from outside. */
  readonly external: boolean;
  /** During a maintenance visit or in inspection mode: a technician at work, not a hazard. */
  readonly suppressed: boolean;
  /**
   * In a common-cause episode of its family where the elevator stands (rules/detectors/common-cause.ts):
   * many elevators at once, the weather or the grid, not wear. Absent: not.
   */
  readonly common?: boolean;
}

/**
 * What a streaming rule is given for one new fault of one elevator. The engine unpacks `history`
 * and asks the store for `active` when they are read: a rule that may return without them reads
 * them after (destructuring reads them all).
 */
export interface StreamInput {
  readonly elevator: string;
  readonly fault: RuleFault;
  /**
   * Earlier faults of the same elevator, oldest first, as far back as the engine keeps; only
   * those with a code some stream rule evaluates (a rule reading other codes adds them to `codes`).
   */
  readonly history: readonly RuleFault[];
  /** The last maintenance check-out, epoch ms. */
  readonly lastCheckoutAt: number | null;
  /** Whether this rule already has an active ticket for the elevator. */
  readonly active: boolean;
}

export interface TicketSpec {
  readonly severity: FaultSeverity;
  readonly category: TicketCategory;
  readonly title: string;
  readonly external: boolean;
  /** Minutes after the opening occurrence by which someone must act (entrapment rescue). */
  readonly deadlineMinutes: number | null;
  /** Why a detector opens it, in numbers. */
  readonly evidence?: TicketEvidence | null;
}

/** What a ticket records of each thing that triggered it: a fault, or a scan's finding (no seq, no code). */
export interface Trigger {
  readonly at: number;
  readonly seq: number | null;
  readonly code: number | null;
  readonly floor: number | null;
  readonly external: boolean;
}

/** What a rule decides; acting on it (opening, adding to, resolving tickets) is the action layer's job. */
export type Decision =
  | ({ readonly type: 'open'; readonly occurrences: readonly Trigger[] } & TicketSpec)
  | { readonly type: 'occurrence'; readonly occurrences: readonly Trigger[] }
  /** `unlessActedOn`: only a ticket still open, that nobody has acknowledged or dispatched. */
  | { readonly type: 'resolve'; readonly note: string; readonly unlessActedOn?: boolean };

export interface RuleBase<C> {
  readonly id: string;
  /** Bumped when the rule's logic changes; stored on each ticket. */
  readonly version: number;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  readonly defaults: C;
}

/** Evaluated on each fault as it arrives. `codes` says which faults concern it. */
export interface StreamRule<C = unknown> extends RuleBase<C> {
  readonly kind: 'stream';
  readonly codes: ReadonlySet<number>;
  evaluate(input: StreamInput, config: C): Decision[];
}

/** A condition a scan found on one elevator. */
export interface Finding extends TicketSpec {
  readonly elevator: string;
}

/**
 * Evaluated on a schedule over what InfluxDB holds. `queries` says what to ask as of a time;
 * `evaluate` is a pure function of the answers and each elevator's config.
 */
export interface ScheduledRule<C = unknown> extends RuleBase<C> {
  readonly kind: 'scheduled';
  /** node-cron expression, in Asia/Shanghai. */
  readonly schedule: string;
  queries(asOf: number, config: C): Readonly<Record<string, BoundQuery>>;
  evaluate(answers: Readonly<Record<string, Series[]>>, asOf: number, configOf: (elevator: string) => C): Finding[];
}

/** What an absolute rule inside a detector is given: the new fault and the elevator's earlier ones. */
export interface AbsoluteInput {
  readonly fault: RuleFault;
  readonly history: readonly RuleFault[];
}

/** When an absolute rule fires: the faults that make it, and where. */
export interface AbsoluteFinding {
  readonly occurrences: readonly RuleFault[];
  readonly windowDays: number;
  readonly floor: number | null;
}

/**
 * A symptom family judged against each elevator's own normal (rules/detectors/): a sequential
 * test of its rate against its baseline, with the family's absolute rule (where one event pattern
 * matters by itself) in the same evaluation and the same ticket. Its state lives in the engine.
 */
export interface DetectorRule<C extends RateConfig = RateConfig> extends RuleBase<C> {
  readonly kind: 'detector';
  readonly family: SymptomFamily;
  readonly severity: FaultSeverity;
  /** The fault codes it counts (none for door timing, counted from the doors topic). */
  readonly codes: ReadonlySet<number>;
  /** An absolute rule evaluated with the test, on the same counted faults. */
  absolute?(input: AbsoluteInput, config: C): AbsoluteFinding | null;
}

export type Rule = StreamRule<unknown> | ScheduledRule<unknown> | DetectorRule;
