import { z } from 'zod';
import { FAULT_SEVERITIES } from './fault-codes.js';
import { elevatorIdSchema } from './topics.js';

export const DEFAULT_RECENT_DAYS = 7;
/** Door figures are one row a day: a quarter of a year is as far as a page of them stays readable. */
export const MAX_RECENT_DAYS = 92;
/** The newest faults returned; an elevator with more in the window is better read in Grafana. */
export const MAX_RECENT_FAULTS = 100;

/** `GET /api/elevators/:id/recent?days=`. */
export const elevatorRecentQuerySchema = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RECENT_DAYS)
    .default(DEFAULT_RECENT_DAYS)
    .describe('Today and the days before it, in Asia/Shanghai'),
});

export const recentFaultSchema = z.object({
  at: z.iso.datetime(),
  code: z.int(),
  floor: z.int().nullable(),
  severity: z.enum(FAULT_SEVERITIES),
});
export type RecentFault = z.infer<typeof recentFaultSchema>;

export const doorDaySchema = z.object({
  day: z.iso.date().describe('The Asia/Shanghai date'),
  cycles: z.int().describe('Door cycles the controller reported on its doors topic'),
  meanCloseMs: z.number().nullable().describe('Mean door close time; null on a day without door cycles'),
  reopens: z.int(),
  obstructed: z.int().describe('Cycles in which something blocked the door'),
});
export type DoorDay = z.infer<typeof doorDaySchema>;

export const elevatorRecentSchema = z.object({
  elevator: elevatorIdSchema,
  from: z.iso.datetime().describe('Midnight (Asia/Shanghai) at the start of the first day'),
  to: z.iso.datetime(),
  faults: z.array(recentFaultSchema).describe(`Newest first, at most ${MAX_RECENT_FAULTS}`),
  doors: z.array(doorDaySchema).describe('One row a day, oldest first'),
});
export type ElevatorRecent = z.infer<typeof elevatorRecentSchema>;
