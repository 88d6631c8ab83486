import { z } from 'zod';
import { listQuerySchema } from './api.js';
import { PREMIUM_SOURCES, yearSchema } from './pilot-data.js';
import { plainText } from './text.js';

/**
 * The regulator's yearly pilot report (DESIGN.md, "Pilot report"): Attachment 1 sums it up per
 * district, Attachment 2 has a row per elevator insured in the year. JSON keys are English;
 * CSV and XLSX print the forms of the pilot's notice (seed/pilot-notice-2023-70.txt in the shared
 * folder), in its words, defined here once.
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
  useUnit: z.string().describe("The use unit's id, as the registry names it"),
  useUnitName: z.string().describe("The use unit's name (POST /api/use-units); its id when it has none"),
  elevator: z.string(),
  ageYears: z.int().describe('Whole years from installedOn to the report date'),
  residentsServed: z.int(),
  insurer: z.string().describe("The insurer's id, from the policy of the year"),
  insurerName: z.string().describe("The insurer's name (POST /api/insurers); its id when it has none"),
  premiumYuan: z.number().describe('Yuan a year, from the policy of the year'),
  claimsWanYuan: z.number(),
  payHoursMin: z.number().nullable().describe('Shortest reported -> paid of the claims paid in the year; null: none'),
  payHoursMax: z.number().nullable(),
});
export type InsuredElevatorRow = z.infer<typeof insuredElevatorRowSchema>;

/**
 * The column headers of each table, in column order: first the notice's own columns, in its order
 * and its words (渝市监发〔2023〕70号, 附件1 and 附件2; the line breaks and spaces its layout puts
 * inside a header left out), then ours after them, so a clerk copies the notice's columns into
 * the official form as they stand: 区县, since one report may hold several districts.
 */
export const DISTRICT_SUMMARY_HEADERS: Readonly<Record<keyof DistrictSummary, string>> = {
  premiumSources: '保费来源',
  insuredElevators: '试点电梯（台）',
  useUnits: '涉及使用单位（家）',
  insurers: '参与试点保险公司（家）',
  premiumMinYuan: '单台保费最低（元/年）',
  premiumMaxYuan: '单台保费最高（元/年）',
  claimsPaidWanYuan: '年度理赔金额（万元）',
  satisfactionPercent: '群众满意度（%）',
  district: '区县',
};

/** The form names the use unit and the insurer; their ids follow in columns of ours. */
export const INSURED_ELEVATOR_HEADERS: Readonly<Record<keyof InsuredElevatorRow, string>> = {
  useUnitName: '使用单位',
  elevator: '电梯编号',
  ageYears: '梯龄（年）',
  residentsServed: '服务居民人数（人/台）',
  insurerName: '保险机构',
  premiumYuan: '单台保费（元/年）',
  claimsWanYuan: '年度理赔金额（万元）',
  payHoursMin: '费用最短支付时间（小时）',
  payHoursMax: '费用最长支付时间（小时）',
  district: '区县',
  useUnit: '使用单位编号',
  insurer: '保险机构编号',
};

/** The notice's two forms: the attachment each is and its title, as the notice words them. */
export const PILOT_FORMS = {
  '1': { attachment: '附件1', title: '重庆市电梯综合保险试点推进表' },
  '2': { attachment: '附件2', title: '电梯综合保险试点明细表' },
} as const satisfies Record<ReportTable, { attachment: string; title: string }>;

/** Sheet names of the XLSX: the attachments. */
export const REPORT_SHEETS = { summary: PILOT_FORMS['1'].attachment, elevators: PILOT_FORMS['2'].attachment } as const;

/**
 * The fields Attachment 1 has around its table, by query parameter, as the form labels them: the
 * CSV and XLSX print `填报单位：` and the value given, or the label alone for the clerk to fill in.
 */
export const PILOT_FORM_FIELDS = {
  filledBy: '填报单位',
  filledOn: '填报时间',
  contact: '联系人',
  phone: '联系电话',
} as const;
/** A form field is a line of the form, not a document. */
const FORM_FIELD_MAX_CHARS = 128;
const formText = plainText(FORM_FIELD_MAX_CHARS).trim().optional();

const formFields = {
  filledBy: formText.describe(`${PILOT_FORM_FIELDS.filledBy} (the reporting bureau); absent: blank to fill in`),
  filledOn: z.iso.date().optional().describe(`${PILOT_FORM_FIELDS.filledOn} (YYYY-MM-DD); absent: blank`),
  contact: formText.describe(`${PILOT_FORM_FIELDS.contact}; absent: blank`),
  phone: formText.describe(`${PILOT_FORM_FIELDS.phone}; absent: blank`),
};
export type PilotFormFields = z.infer<z.ZodObject<typeof formFields>>;

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

/** How to print the report: the format, the table of a CSV, and Attachment 1's fields (CSV and XLSX). */
const fileQuery = {
  format: z.enum(REPORT_FORMATS).default('json'),
  table: z.enum(REPORT_TABLES).optional().describe('With format=csv (required there): 1 the summary, 2 per elevator'),
  ...formFields,
};

/** `GET /api/reports/pilot`. */
export const pilotReportQuerySchema = z.object({ ...reportScope, ...fileQuery });
export type PilotReportQuery = z.infer<typeof pilotReportQuerySchema>;

/** `POST /api/reports/pilot`: draft now and keep it. */
export const pilotDraftRequestSchema = z.object(reportScope);
export type PilotDraftRequest = z.infer<typeof pilotDraftRequestSchema>;

/** `GET /api/reports/pilot/drafts/:id`. */
export const pilotDraftDownloadQuerySchema = z.object(fileQuery);
export type PilotFileQuery = z.infer<typeof pilotDraftDownloadQuerySchema>;

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
