import { z } from 'zod';
import { listQuerySchema } from './api.js';
import { elevatorIdSchema } from './topics.js';

/** The five factors of docs/risk.md, in the order the explanation lists them. */
export const RISK_FACTORS = ['age', 'faults', 'recurring', 'usage', 'maintenance'] as const;
export type RiskFactorName = (typeof RISK_FACTORS)[number];

export const riskFactorSchema = z.object({
  factor: z.enum(RISK_FACTORS),
  points: z.number().min(0).describe('Points this factor adds to the score: weight × normalised, to one decimal'),
  weight: z.number().describe('The most points this factor can add'),
  normalised: z.number().min(0).max(1).describe('The factor on a 0-1 scale (docs/risk.md)'),
  figures: z
    .record(z.string(), z.number().nullable())
    .describe('The figures it is computed from; null where liftwatch has no data'),
  explanation: z.string(),
});
export type RiskFactor = z.infer<typeof riskFactorSchema>;

export const elevatorRiskSchema = z.object({
  elevator: elevatorIdSchema,
  district: z.string(),
  useUnit: z.string(),
  insurer: z.string(),
  score: z.number().min(0).max(100).describe('0 (lowest risk) to 100: the sum of the factors’ points'),
  from: z.iso.datetime().describe('Start of the 12 months the history factors look at'),
  to: z.iso.datetime(),
  observedDays: z.number().describe('Days between the first and last telemetry in the window; 0 without telemetry'),
  factors: z.array(riskFactorSchema),
});
export type ElevatorRisk = z.infer<typeof elevatorRiskSchema>;

/** `GET /api/risk`: the fleet ranking, highest score first. */
export const riskQuerySchema = listQuerySchema.extend({
  district: z.string().optional(),
  insurer: z.string().optional(),
  after: z.string().optional().describe('Cursor: `next` of the previous page'),
});
export type RiskQuery = z.infer<typeof riskQuerySchema>;

export const riskPageSchema = z.object({
  items: z.array(elevatorRiskSchema),
  next: z.string().nullable(),
});
export type RiskPage = z.infer<typeof riskPageSchema>;
