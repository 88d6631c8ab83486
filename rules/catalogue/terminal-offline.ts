import { z } from 'zod';
import type { ScheduledRule } from '../types.js';
import { WITHIN, windowParams } from '../../influx/params.js';
import { DAY_MS, MINUTE_MS, byElevator } from './scan-helpers.js';

const configSchema = z.strictObject({
  /** Silence longer than this is a data-quality problem. */
  afterMinutes: z
    .int()
    .min(2)
    .max(7 * 24 * 60),
  /** Elevators silent for longer than this are not looked at (decommissioned, not offline). */
  watchDays: z.number().positive().max(90),
});
type Config = z.infer<typeof configSchema>;

/** The terminal has sent no telemetry for too long: a data-quality ticket, not a hazard. */
export const terminalOffline = {
  id: 'terminal-offline',
  version: 1,
  kind: 'scheduled',
  description:
    'No telemetry for longer than 30 minutes: a data-quality ticket for the terminal, resolved when it reports again',
  schedule: '*/5 * * * *',
  configSchema,
  defaults: { afterMinutes: 30, watchDays: 7 },
  queries: (asOf, config) => ({
    lastSeen: {
      influxql: `SELECT last(runs) FROM telemetry WHERE ${WITHIN} GROUP BY elevator`,
      params: windowParams(asOf - config.watchDays * DAY_MS, asOf),
    },
  }),
  evaluate(answers, asOf, configOf) {
    return [...byElevator(answers.lastSeen)].flatMap(([elevator, row]) => {
      const minutes = Math.floor((asOf - Number(row.time)) / MINUTE_MS);
      if (minutes <= configOf(elevator).afterMinutes) return [];
      return [
        {
          elevator,
          severity: 'minor',
          category: 'data-quality',
          title: `No telemetry for ${minutes} minutes`,
          external: false,
          deadlineMinutes: null,
        },
      ];
    });
  },
} satisfies ScheduledRule<Config>;
