import { z } from 'zod';
import { elevatorIdSchema } from './topics.js';

/** The ticket page's window: the last two months, day by day. */
export const DEFAULT_SYMPTOM_DAYS = 60;
/** A quarter of a year, as the recent figures: each day asked replays a day of history through the detectors. */
export const MAX_SYMPTOM_DAYS = 92;

/** `GET /api/elevators/:id/symptoms?days=`. */
export const elevatorSymptomsQuerySchema = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_SYMPTOM_DAYS)
    .default(DEFAULT_SYMPTOM_DAYS)
    .describe('Today and the days before it, in Asia/Shanghai'),
});

export const symptomDaySchema = z.object({
  day: z.iso.date().describe('The Asia/Shanghai date'),
  countedShare: z
    .number()
    .min(0)
    .max(1)
    .describe(
      'The share of the day the detectors counted: less than 1 on a day with a maintenance visit, inspection or power cut (set aside), 0 before the elevator first spoke',
    ),
});
export type SymptomDay = z.infer<typeof symptomDaySchema>;

export const symptomFamilySeriesSchema = z.object({
  family: z.string().describe("The symptom family (docs/rules.md), as in a ticket's evidence"),
  counted: z
    .array(z.int())
    .describe("Each day's events the detector counted: not during a visit or inspection, not in a power cut"),
  setAside: z
    .array(z.int())
    .describe("Each day's events of the family the detector did not count (a visit, inspection or power cut)"),
  usualPerDay: z
    .array(z.number().nullable())
    .describe("The detector's baseline at each day's end, events per counted day; null before the elevator spoke"),
});
export type SymptomFamilySeries = z.infer<typeof symptomFamilySeriesSchema>;

export const elevatorSymptomsSchema = z.object({
  elevator: elevatorIdSchema,
  from: z.iso.datetime().describe('Midnight (Asia/Shanghai) at the start of the first day'),
  to: z.iso.datetime(),
  days: z.array(symptomDaySchema).describe("One row a day, oldest first; each family's arrays follow it"),
  families: z.array(symptomFamilySeriesSchema).describe('Every symptom family, in the order of docs/rules.md'),
});
export type ElevatorSymptoms = z.infer<typeof elevatorSymptomsSchema>;
