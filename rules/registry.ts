import { entrapment, overrun, overspeed, unintendedMovement } from './catalogue/critical.js';
import {
  brakeRecurring,
  doorFaultsRecurring,
  doorLockRecurring,
  doorTrend,
  levellingRecurring,
  positionRecurring,
  runtimeLimiterRecurring,
  safetyCircuitRecurring,
} from './catalogue/detectors.js';
import { maintenanceOverdue } from './catalogue/maintenance-overdue.js';
import { repeatAfterMaintenance } from './catalogue/repeat-after-maintenance.js';
import { terminalOffline } from './catalogue/terminal-offline.js';
import { usageAboveNorm } from './catalogue/usage-above-norm.js';
import type { DetectorRule, Rule, ScheduledRule, StreamRule } from './types.js';

/** Every rule evaluated on faults as they arrive. Adding a rule: one file in catalogue/, one line here, its tests. */
export const STREAM_RULES: readonly StreamRule<unknown>[] = [
  entrapment,
  unintendedMovement,
  overrun,
  overspeed,
  repeatAfterMaintenance,
];

/** One detector per symptom family, judged with the stream rules: each elevator against its own normal. */
export const DETECTOR_RULES: readonly DetectorRule[] = [
  doorFaultsRecurring,
  doorLockRecurring,
  safetyCircuitRecurring,
  positionRecurring,
  brakeRecurring,
  runtimeLimiterRecurring,
  levellingRecurring,
  doorTrend,
] as readonly DetectorRule[];

/** Every rule evaluated on a schedule over what InfluxDB holds. */
export const SCHEDULED_RULES: readonly ScheduledRule<unknown>[] = [maintenanceOverdue, usageAboveNorm, terminalOffline];

export const ALL_RULES: readonly Rule[] = [...STREAM_RULES, ...DETECTOR_RULES, ...SCHEDULED_RULES];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.id === id);
}
