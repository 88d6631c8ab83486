import { z } from 'zod';
import { FAULT_CODES } from '../../contract/index.js';
import { HISTORY_DAYS, type StreamRule } from '../types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const configSchema = z.strictObject({
  /** A fault this soon after a check-out counts against the visit. */
  withinHours: z
    .number()
    .positive()
    .max(24 * 14),
  /** The days before the visit in which the fault must have been seen... */
  lookbackDays: z.number().positive().max(HISTORY_DAYS),
  /** ...at least this often: a problem the visit should have dealt with, not one stray fault. */
  minBefore: z.int().min(1).max(100),
});
type RepeatConfig = z.infer<typeof configSchema>;

const hazardCodes = [...FAULT_CODES.values()].filter((info) => info.category === 'hazard').map((info) => info.code);

/**
 * The same fault again within 72 hours after a maintenance check-out: the visit did not fix
 * what it should have. A spot check for the insurer, counted against the contractor.
 */
export const repeatAfterMaintenance = {
  id: 'repeat-after-maintenance',
  version: 1,
  kind: 'stream',
  description:
    'The same hazard fault within 72 h after a maintenance check-out: a quality spot check, against the contractor',
  codes: new Set(hazardCodes),
  configSchema,
  defaults: { withinHours: 72, lookbackDays: 7, minBefore: 2 },
  // Reads its history and ticket only for a fault soon after a visit (the engine unpacks or asks for them when read).
  evaluate(input, config) {
    const { fault, lastCheckoutAt } = input;
    if (fault.suppressed || fault.external || lastCheckoutAt === null) return [];
    if (fault.at < lastCheckoutAt || fault.at - lastCheckoutAt > config.withinHours * HOUR_MS) return [];
    const before = input.history.filter(
      (earlier) =>
        earlier.code === fault.code &&
        !earlier.suppressed &&
        earlier.at < lastCheckoutAt &&
        earlier.at > lastCheckoutAt - config.lookbackDays * DAY_MS,
    );
    if (before.length < config.minBefore) return [];
    if (input.active) return [{ type: 'occurrence', occurrences: [fault] }];
    const hours = Math.round((fault.at - lastCheckoutAt) / HOUR_MS);
    return [
      {
        type: 'open',
        occurrences: [...before, fault],
        severity: 'minor',
        category: 'maintenance-quality',
        title: `Fault ${fault.code} again ${hours} h after the maintenance visit that should have fixed it`,
        external: false,
        deadlineMinutes: null,
      },
    ];
  },
} satisfies StreamRule<RepeatConfig>;
