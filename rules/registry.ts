import { entrapment, overrun, overspeed, unintendedMovement } from './catalogue/critical.js';
import {
  brakeRecurring,
  doorFaultsRecurring,
  doorLockRecurring,
  levellingRecurring,
  positionRecurring,
  runtimeLimiterRecurring,
  safetyCircuitRecurring,
} from './catalogue/recurring.js';
import { repeatAfterMaintenance } from './catalogue/repeat-after-maintenance.js';
import type { StreamRule } from './types.js';

/** Every rule evaluated on faults as they arrive. Adding a rule: one file in catalogue/, one line here, its tests. */
export const STREAM_RULES: readonly StreamRule<unknown>[] = [
  entrapment,
  unintendedMovement,
  overrun,
  overspeed,
  doorLockRecurring,
  safetyCircuitRecurring,
  positionRecurring,
  brakeRecurring,
  runtimeLimiterRecurring,
  doorFaultsRecurring,
  levellingRecurring,
  repeatAfterMaintenance,
];
