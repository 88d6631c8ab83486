import { z } from 'zod';
import { faultInfo, type FaultCode } from '../../contract/index.js';
import type { StreamRule } from '../types.js';

const configSchema = z.strictObject({
  /** Minutes to reach the car; null sets no deadline. */
  deadlineMinutes: z
    .int()
    .min(1)
    .max(24 * 60)
    .nullable(),
});
type CriticalConfig = z.infer<typeof configSchema>;

/** Rescue must arrive within 30 minutes of an entrapment (国家规定的30分钟). */
const ENTRAPMENT_RESCUE_MINUTES = 30;

function critical(id: string, codes: readonly FaultCode[], description: string, deadlineMinutes: number | null) {
  return {
    id,
    version: 1,
    kind: 'stream',
    description,
    codes: new Set<number>(codes),
    configSchema,
    defaults: { deadlineMinutes },
    evaluate({ fault, active }, config) {
      if (fault.suppressed) return [];
      if (active) return [{ type: 'occurrence', occurrences: [fault] }];
      const name = faultInfo(fault.code as FaultCode).name;
      return [
        {
          type: 'open',
          occurrences: [fault],
          severity: 'critical',
          category: 'critical',
          title: `${name[0]?.toUpperCase()}${name.slice(1)} at floor ${fault.floor}${fault.external ? ' (mains power off)' : ''}`,
          external: fault.external,
          deadlineMinutes: config.deadlineMinutes,
        },
      ];
    },
  } satisfies StreamRule<CriticalConfig>;
}

/** Critical at once: people trapped, the car moving when it must not, overruns, overspeed. */
export const entrapment = critical(
  'critical-entrapment',
  [93],
  'Passengers trapped (93): a critical ticket at once, with the 30-minute rescue deadline',
  ENTRAPMENT_RESCUE_MINUTES,
);
export const unintendedMovement = critical(
  'critical-unintended-movement',
  [5],
  'Unintended car movement or moving with doors open (5): a critical ticket at once',
  null,
);
export const overrun = critical(
  'critical-overrun',
  [91, 92],
  'Bottom (91) or top (92) overrun: a critical ticket at once',
  null,
);
export const overspeed = critical('critical-overspeed', [101], 'Overspeed (101): a critical ticket at once', null);
