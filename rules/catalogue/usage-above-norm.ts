import { z } from 'zod';
import type { ScheduledRule } from '../types.js';
import { WITHIN, windowParams } from '../../influx/params.js';
import { DAY_MS, byElevator, lastCheckoutQuery } from './scan-helpers.js';

const configSchema = z.strictObject({
  /** Runs per day since the last check-out, as a multiple of the elevator's usual, that ask for a visit. */
  factor: z.number().min(1).max(20),
  /** Days since the check-out before the comparison means anything. */
  minDays: z.number().positive().max(30),
  /** Days of history that make a usual: whole weeks, or weekends skew it (an office is quiet on Sunday). */
  minBaselineDays: z.number().positive().max(90),
  /** The days whose runs make the elevator's usual. */
  baselineDays: z.number().positive().max(90),
});
type Config = z.infer<typeof configSchema>;

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Used far more than usual since the last maintenance: wear comes sooner, schedule a visit. */
export const usageAboveNorm = {
  id: 'usage-above-norm',
  version: 1,
  kind: 'scheduled',
  description: "Runs per day since the last maintenance far above the elevator's usual: schedule maintenance sooner",
  schedule: '10 7 * * *',
  configSchema,
  defaults: { factor: 1.8, minDays: 3, minBaselineDays: 14, baselineDays: 30 },
  queries: (asOf, config) => ({
    checkouts: lastCheckoutQuery(asOf, config.baselineDays),
    daily: {
      influxql: `SELECT spread(runs) AS runs FROM telemetry WHERE ${WITHIN} GROUP BY time(1d), elevator`,
      params: windowParams(asOf - config.baselineDays * DAY_MS, asOf),
    },
  }),
  evaluate(answers, asOf, configOf) {
    const checkouts = byElevator(answers.checkouts);
    return (answers.daily ?? []).flatMap((series) => {
      const elevator = series.tags.elevator;
      const checkout = elevator ? Number(checkouts.get(elevator)?.time) : NaN;
      if (!elevator || Number.isNaN(checkout)) return [];
      const config = configOf(elevator);
      // Whole days only: the day of the check-out belongs to neither side.
      const days = series.rows
        .filter((row) => row.runs !== null)
        .map((row) => ({ at: Number(row.time), runs: Number(row.runs) }));
      const before = days.filter((day) => day.at + DAY_MS <= checkout).map((day) => day.runs);
      const after = days.filter((day) => day.at > checkout && day.at + DAY_MS <= asOf).map((day) => day.runs);
      if (before.length < config.minBaselineDays || after.length < config.minDays) return [];
      const usual = mean(before);
      const since = mean(after);
      if (usual <= 0 || since < usual * config.factor) return [];
      const ratio = (since / usual).toFixed(1);
      return [
        {
          elevator,
          severity: 'minor',
          category: 'maintenance',
          title: `${ratio}× its usual runs per day since the last maintenance`,
          external: false,
          deadlineMinutes: null,
        },
      ];
    });
  },
} satisfies ScheduledRule<Config>;
