import { z } from 'zod';
import { listQuerySchema } from './api.js';
import { PREMIUM_SOURCES, yearSchema } from './pilot-data.js';

/**
 * The regulator's yearly pilot report (DESIGN.md, "Pilot report"): Attachment 1 sums it up per
 * district, Attachment 2 has a row per elevator insured in the year. JSON keys are English;
 * CSV and XLSX carry the Chinese headers below, defined here once.
 */

export const REPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** CSV holds one table: `table=1` the summary, `table=2` the rows per elevator. */
export const REPORT_TABLES = ['1', '2'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

export const districtSummarySchema = z.object({
  district: z.string(),
  premiumSources: z.array(z.enum(PREMIUM_SOURCES)),
  insuredElevators: z.int(),
  useUnits: z.int(),
  insurers: z.int(),
  premiumMinYuan: z.number(),
  premiumMaxYuan: z.number(),
  claimsPaidWanYuan: z.number().describe('Claims paid in the year, in 10,000 yuan (万元)'),
  satisfactionPercent: z.number().nullable().describe('null: no survey of the year'),
});
export type DistrictSummary = z.infer<typeof districtSummarySchema>;

export const insuredElevatorRowSchema = z.object({
  district: z.string(),
  useUnit: z.string(),
  elevator: z.string(),
  ageYears: z.int().describe('Whole years from installedOn to the report date'),
  residentsServed: z.int(),
  insurer: z.string(),
  premiumYuan: z.number().describe('Yuan a year, from the policy of the year'),
  claimsWanYuan: z.number(),
  payHoursMin: z.number().nullable().describe('Shortest reported -> paid of the claims paid in the year; null: none'),
  payHoursMax: z.number().nullable(),
});
export type InsuredElevatorRow = z.infer<typeof insuredElevatorRowSchema>;

/** The column headers of each table, in column order, as the pilot's notice words them. */
export const DISTRICT_SUMMARY_HEADERS: Readonly<Record<keyof DistrictSummary, string>> = {
  district: '区县',
  premiumSources: '保费来源',
  insuredElevators: '参保电梯数量（台）',
  useUnits: '使用单位数量（家）',
  insurers: '承保机构数量（家）',
  premiumMinYuan: '单台电梯最低保费（元/年）',
  premiumMaxYuan: '单台电梯最高保费（元/年）',
  claimsPaidWanYuan: '年度赔付金额（万元）',
  satisfactionPercent: '满意度（%）',
};

export const INSURED_ELEVATOR_HEADERS: Readonly<Record<keyof InsuredElevatorRow, string>> = {
  district: '区县',
  useUnit: '使用单位',
  elevator: '电梯注册代码',
  ageYears: '梯龄（年）',
  residentsServed: '服务居民人数（人）',
  insurer: '承保机构',
  premiumYuan: '保费（元/年）',
  claimsWanYuan: '年度赔付金额（万元）',
  payHoursMin: '最短赔付时长（小时）',
  payHoursMax: '最长赔付时长（小时）',
};

/** Sheet names of the XLSX, and the titles of the two tables. */
export const REPORT_SHEETS = { summary: '附件1 汇总表', elevators: '附件2 参保电梯明细表' } as const;

export const pilotReportSchema = z.object({
  year: z.int(),
  district: z.string().nullable().describe('null: every district'),
  asOf: z.iso.date().describe('The report date (Asia/Shanghai): ages are counted to it'),
  summary: z.array(districtSummarySchema),
  elevators: z.array(insuredElevatorRowSchema),
});
export type PilotReport = z.infer<typeof pilotReportSchema>;

const reportScope = {
  year: yearSchema,
  district: z.string().min(1).optional().describe('Only this district'),
  asOf: z.iso.date().optional().describe('The report date; default today (Asia/Shanghai)'),
};

const formatQuery = {
  format: z.enum(REPORT_FORMATS).default('json'),
  table: z.enum(REPORT_TABLES).optional().describe('With format=csv (required there): 1 the summary, 2 per elevator'),
};

/** `GET /api/reports/pilot`. */
export const pilotReportQuerySchema = z.object({ ...reportScope, ...formatQuery });
export type PilotReportQuery = z.infer<typeof pilotReportQuerySchema>;

/** `POST /api/reports/pilot`: draft now and keep it. */
export const pilotDraftRequestSchema = z.object(reportScope);
export type PilotDraftRequest = z.infer<typeof pilotDraftRequestSchema>;

/** `GET /api/reports/pilot/drafts/:id`. */
export const pilotDraftDownloadQuerySchema = z.object(formatQuery);

export const pilotDraftInfoSchema = z.object({
  id: z.string(),
  year: z.int(),
  district: z.string().nullable(),
  asOf: z.iso.date(),
  createdAt: z.iso.datetime(),
});
export type PilotDraftInfo = z.infer<typeof pilotDraftInfoSchema>;

export const pilotDraftSchema = pilotDraftInfoSchema.extend({ report: pilotReportSchema });
export type PilotDraft = z.infer<typeof pilotDraftSchema>;

export const pilotDraftListQuerySchema = listQuerySchema.extend({ year: yearSchema.optional() });
export type PilotDraftListQuery = z.infer<typeof pilotDraftListQuerySchema>;

export const pilotDraftPageSchema = z.object({ items: z.array(pilotDraftInfoSchema), next: z.string().nullable() });
