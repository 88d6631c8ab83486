import { z } from 'zod';
import type { ScheduledRule } from '../types.js';
import { WITHIN, windowParams } from '../../influx/params.js';
import { DAY_MS, byElevator, lastCheckoutQuery } from './scan-helpers.js';

const configSchema = z.strictObject({
  /** The legal maximum between two half-monthly visits. */
  maxDays: z.number().positive().max(60),
  /** How far back the scan looks for a check-out and for the terminal's first telemetry. */
  watchDays: z.number().positive().max(90),
});
type Config = z.infer<typeof configSchema>;

/**
 * Maintenance overdue: more than 15 days since the last check-out (特种设备安全监察条例 Art. 31).
 * An elevator watched for longer than that with no check-out at all is overdue too.
 */
export const maintenanceOverdue = {
  id: 'maintenance-overdue',
  version: 1,
  kind: 'scheduled',
  description: 'More than 15 days since the last maintenance check-out (the legal limit for half-monthly visits)',
  schedule: '0 7 * * *',
  configSchema,
  defaults: { maxDays: 15, watchDays: 30 },
  queries: (asOf, config) => ({
    checkouts: lastCheckoutQuery(asOf, config.watchDays),
    watched: {
      influxql: `SELECT first(runs) FROM telemetry WHERE ${WITHIN} GROUP BY elevator`,
      params: windowParams(asOf - config.watchDays * DAY_MS, asOf),
    },
  }),
  evaluate(answers, asOf, configOf) {
    const checkouts = byElevator(answers.checkouts);
    return [...byElevator(answers.watched)].flatMap(([elevator, firstSeen]) => {
      const since = Number(checkouts.get(elevator)?.time ?? firstSeen.time);
      const days = (asOf - since) / DAY_MS;
      if (days <= configOf(elevator).maxDays) return [];
      const what = checkouts.has(elevator)
        ? `${Math.floor(days)} days since the last maintenance`
        : `No maintenance in ${Math.floor(days)} days`;
      return [
        {
          elevator,
          severity: 'minor',
          category: 'maintenance',
          title: `${what} (limit ${configOf(elevator).maxDays})`,
          external: false,
          deadlineMinutes: null,
        },
      ];
    });
  },
} satisfies ScheduledRule<Config>;
