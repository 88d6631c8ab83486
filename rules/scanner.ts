import type { Elevator } from '../contract/index.js';
import type { Series, TelemetryStore } from '../influx/types.js';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Store } from '../store/types.js';
import { applyDecisions } from './actions.js';
import { RuleConfigs } from './config.js';
import { SCHEDULED_RULES } from './registry.js';
import type { ScheduledRule } from './types.js';

export interface ScanReport {
  readonly rule: string;
  readonly asOf: string;
  readonly findings: number;
  readonly opened: number;
  readonly resolved: number;
}

export interface ScannerOptions {
  readonly store: Store;
  readonly telemetry: TelemetryStore;
  readonly logger: Logger;
  /** Told when a scan opens a ticket (the engine then resolves it when the elevator speaks again). */
  readonly onOpened?: (rule: string, elevator: string) => void;
  readonly rules?: readonly ScheduledRule<unknown>[];
  readonly metrics?: Metrics;
}

/** The most scans one backfill may run: a year of daily scans for every scheduled rule. */
const MAX_BACKFILL_SCANS = 366 * 8;

/**
 * Runs scheduled rules as of a time: asks InfluxDB what each rule asks, lets the rule find its
 * conditions, opens tickets for new findings, and resolves active tickets of that rule whose
 * condition is gone. A scan of the past (a backfill) judges the past as it was then.
 */
export class Scanner {
  private readonly configs: RuleConfigs;
  readonly rules: readonly ScheduledRule<unknown>[];

  constructor(private readonly options: ScannerOptions) {
    this.configs = new RuleConfigs(options.store.ruleConfigs);
    this.rules = options.rules ?? SCHEDULED_RULES;
  }

  ruleNamed(id: string): ScheduledRule<unknown> {
    const rule = this.rules.find((candidate) => candidate.id === id);
    if (!rule) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No scheduled rule ${id}`);
    return rule;
  }

  async scan(rule: ScheduledRule<unknown>, asOf: number, now = new Date()): Promise<ScanReport> {
    const { store, telemetry } = this.options;
    const general = this.configs.general(rule);
    const queries = Object.entries(rule.queries(asOf, general.config));
    const answers: Record<string, Series[]> = {};
    await Promise.all(
      queries.map(async ([name, { influxql, params }]) => (answers[name] = await telemetry.query(influxql, params))),
    );

    const elevators = new Map<string, Elevator | undefined>();
    const registered = (id: string) => {
      if (!elevators.has(id)) elevators.set(id, store.elevators.get(id));
      return elevators.get(id);
    };
    const configOf = (id: string) => {
      const elevator = registered(id);
      return elevator ? this.configs.effective(rule, elevator).config : general.config;
    };
    const findings = rule.evaluate(answers, asOf, configOf);
    let opened = 0;
    const found = new Set<string>();
    for (const { elevator: id, ...spec } of findings) {
      const elevator = registered(id);
      if (!elevator) continue;
      found.add(id);
      if (store.tickets.active(id, rule.id)) continue;
      const trigger = { at: asOf, seq: null, code: null, floor: null, external: false };
      const { version } = this.configs.effective(rule, elevator);
      const decisions = [{ type: 'open' as const, occurrences: [trigger], ...spec }];
      const applied = applyDecisions(store.tickets, { elevator, rule, configVersion: version, decisions, now });
      opened += applied.opened;
      if (applied.opened > 0) this.options.metrics?.ticketsOpened.inc({ rule: rule.id }, applied.opened);
      this.options.onOpened?.(rule.id, id);
    }
    let resolved = 0;
    for (const ticket of store.tickets.activeFor(rule.id)) {
      if (found.has(ticket.elevator)) continue;
      if (
        store.tickets.resolveActive(
          ticket.elevator,
          rule.id,
          `no longer found as of ${new Date(asOf).toISOString()}`,
          now,
        )
      )
        resolved++;
    }
    const report = { rule: rule.id, asOf: new Date(asOf).toISOString(), findings: findings.length, opened, resolved };
    this.options.logger.debug(report, 'scan done');
    return report;
  }

  /** Runs the rules (all, or those named) as of each step from `from` to `to`, oldest first. */
  async backfill(ruleIds: readonly string[] | null, from: number, to: number, everyMs: number): Promise<ScanReport[]> {
    const rules = ruleIds ? ruleIds.map((id) => this.ruleNamed(id)) : this.rules;
    const steps = Math.floor((to - from) / everyMs) + 1;
    if (steps * rules.length > MAX_BACKFILL_SCANS) {
      throw new LiftwatchError(
        'LW_ERR_VALIDATION',
        `That is ${steps * rules.length} scans; at most ${MAX_BACKFILL_SCANS} at once`,
      );
    }
    const reports: ScanReport[] = [];
    for (let asOf = from; asOf <= to; asOf += everyMs) {
      for (const rule of rules) reports.push(await this.scan(rule, asOf));
    }
    return reports;
  }
}
