import { z } from 'zod';
import { MAINTENANCE_KINDS } from './payloads.js';
import { elevatorIdSchema } from './topics.js';

/**
 * Paperless maintenance (issue 8, items 3 and 4): check-in/check-out messages paired into visits,
 * overdue elevators per use unit, and the contractor league table. JSON keys are English; the
 * league's CSV carries the Chinese headers below, defined here once.
 */

/** The legal maximum between two check-outs (特种设备安全监察条例 Art. 31: half-monthly). */
export const MAINTENANCE_MAX_DAYS = 15;
/** Visits shorter than this (LW_MIN_VISIT_MINUTES) are flagged for the insurer's spot check. */
export const DEFAULT_MIN_VISIT_MINUTES = 20;

const time = z.iso.datetime();
const period = {
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive'),
};

export const visitQuerySchema = z.object({
  elevator: elevatorIdSchema.optional(),
  contractor: z.string().optional().describe("The visit's contractor, as the technician checked in"),
  ...period,
  flagged: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only visits flagged for a spot check'),
});
export type VisitQuery = z.infer<typeof visitQuerySchema>;

export const VISIT_STATUSES = ['open', 'closed'] as const;

export const visitSchema = z.object({
  elevator: elevatorIdSchema,
  useUnit: z.string(),
  insurer: z.string(),
  technician: z.string(),
  contractor: z.string(),
  kind: z.enum(MAINTENANCE_KINDS),
  items: z.array(z.string()),
  status: z.enum(VISIT_STATUSES).describe('open: checked in, no check-out yet'),
  checkInAt: time,
  checkOutAt: time.nullable(),
  durationMinutes: z.number().nullable().describe('To a tenth; null while open'),
  flagged: z.boolean().describe('Shorter than the minimum visit: for the insurer to spot-check'),
  flagReason: z.string().nullable(),
});
export type Visit = z.infer<typeof visitSchema>;

export const visitListSchema = z.object({
  minVisitMinutes: z.number(),
  items: z.array(visitSchema),
});

export const overdueQuerySchema = z.object({
  useUnit: z.string().optional(),
  asOf: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
});

export const overdueElevatorSchema = z.object({
  elevator: elevatorIdSchema,
  contractor: z.string(),
  lastCheckOutAt: time.nullable().describe(`null: no check-out in the last ${2 * MAINTENANCE_MAX_DAYS} days`),
  daysSince: z.number().nullable().describe('Whole days since the last check-out'),
});
export type OverdueElevator = z.infer<typeof overdueElevatorSchema>;

export const overdueUseUnitSchema = z.object({
  useUnit: z.string(),
  elevators: z.array(overdueElevatorSchema),
});
export const overdueListSchema = z.object({
  asOf: time,
  maxDays: z.int(),
  useUnits: z.array(overdueUseUnitSchema),
});
export type OverdueList = z.infer<typeof overdueListSchema>;

export const LEAGUE_FORMATS = ['json', 'csv', 'xlsx'] as const;

export const contractorScoreQuerySchema = z.object({
  ...period,
  format: z.enum(LEAGUE_FORMATS).default('json'),
});

export const contractorScoreSchema = z.object({
  contractor: z.string(),
  lifts: z.int().describe('Registered elevators it maintains (in the caller’s scope)'),
  visits: z.int().describe('Check-outs in the period'),
  visitsOnTime: z.int().describe(`Check-outs within ${MAINTENANCE_MAX_DAYS} days of the previous one`),
  overdue: z.int().describe('maintenance-overdue tickets created in the period'),
  repeatsAfterMaintenance: z.int().describe('repeat-after-maintenance tickets created in the period'),
  entrapmentsPer100Lifts: z.number(),
  responseMinutes: z.number().nullable().describe('Mean created -> acknowledged of its tickets; null: none'),
  onSiteMinutes: z.number().nullable().describe('Mean created -> arrived of its tickets; null: none'),
  score: z.number().describe('0-100, see docs/contractors.md'),
});
export type ContractorScore = z.infer<typeof contractorScoreSchema>;

export const contractorLeagueSchema = z.object({
  from: time,
  to: time,
  contractors: z.array(contractorScoreSchema),
});
export type ContractorLeague = z.infer<typeof contractorLeagueSchema>;

/** The league table's CSV and XLSX headers, in column order. */
export const CONTRACTOR_SCORE_HEADERS: Readonly<Record<keyof ContractorScore, string>> = {
  contractor: '维保单位',
  lifts: '维保电梯数量（台）',
  visits: '维保次数',
  visitsOnTime: '按时维保次数',
  overdue: '超期维保次数',
  repeatsAfterMaintenance: '维保后72小时内复发故障数',
  entrapmentsPer100Lifts: '每百台困人次数',
  responseMinutes: '平均响应时间（分钟）',
  onSiteMinutes: '平均到场时间（分钟）',
  score: '综合评分',
};
/** The XLSX's sheet, named as the Grafana dashboard of the league is. */
export const LEAGUE_SHEET = '维保单位排行';
