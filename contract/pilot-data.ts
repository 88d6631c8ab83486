import { z } from 'zod';
import { listQuerySchema, registryLabel } from './api.js';
import { elevatorIdSchema } from './topics.js';

/**
 * What the yearly pilot report is made of beyond the registry: insurance policies, the claims
 * paid on them and the satisfaction surveys (DESIGN.md, "Pilot report"). Money is in yuan with
 * at most two decimals (fen); the store keeps fen as integers so that sums are exact.
 */

/** Who pays the premium, as the pilot's notice lists the sources. */
export const PREMIUM_SOURCES = [
  'self-funded',
  'property-special-maintenance-fund',
  'fund-interest',
  'community-public-income',
  'donation',
  'government',
] as const;
export type PremiumSource = (typeof PREMIUM_SOURCES)[number];

/** Each source as the notice's Attachment 1 words it, and so as the report's CSV and XLSX print it. */
export const PREMIUM_SOURCE_NAMES_ZH: Readonly<Record<PremiumSource, string>> = {
  'self-funded': '自筹',
  'property-special-maintenance-fund': '物业专项维修资金',
  'fund-interest': '专项维修资金增值收益',
  'community-public-income': '小区公共收益',
  donation: '捐赠',
  government: '政府财政支持',
};
/** Attachment 1 lists the sources in one cell, separated by this. */
export const PREMIUM_SOURCE_SEPARATOR = '/';

export const FEN_PER_YUAN = 100;
/** Far above any elevator's premium or claim, and low enough that fen stay exact integers. */
export const MAX_YUAN = 1_000_000_000;
/** A policy longer than this is a typing error, not a contract. */
export const MAX_POLICY_YEARS = 5;
/** Years the data and the report may be about: the same bounds as message timestamps. */
export const EARLIEST_YEAR = 2000;
export const LATEST_YEAR = 2099;
/** How far `12.34 * 100` may be from an integer through binary floating point alone. */
const FLOAT_TOLERANCE = 1e-6;

const hasWholeFen = (yuan: number) => Math.abs(yuan * FEN_PER_YUAN - Math.round(yuan * FEN_PER_YUAN)) < FLOAT_TOLERANCE;

export const yearSchema = z.coerce.number().int().min(EARLIEST_YEAR).max(LATEST_YEAR);

/** An amount in yuan: positive, at most two decimals. Strings are read as numbers (CSV). */
export const yuanSchema = z.coerce
  .number()
  .positive()
  .max(MAX_YUAN)
  .refine(hasWholeFen, 'must have at most two decimals (fen)');

const dateSchema = z.iso
  .date()
  .refine((date) => Number(date.slice(0, 4)) >= EARLIEST_YEAR, `must not be before ${EARLIEST_YEAR}`);
/** A moment with its offset (`+08:00`) or in UTC (`Z`). */
const momentSchema = z.iso.datetime({ offset: true });

const policyFields = {
  elevator: elevatorIdSchema,
  insurer: registryLabel.describe('The insurer id, as in the registry'),
  from: dateSchema.describe('First day covered (Asia/Shanghai)'),
  to: dateSchema.describe('Last day covered, inclusive'),
  premiumYuan: yuanSchema.describe('Premium in yuan a year'),
  premiumSource: z.enum(PREMIUM_SOURCES),
};

/** `POST /api/policies` and each row of its CSV import. Both dates are covered: 2026-01-01 to 2026-12-31 is one year. */
export const policyInputSchema = z.object(policyFields).superRefine((policy, context) => {
  const limit = new Date(policy.from);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_POLICY_YEARS);
  if (policy.to < policy.from) context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  else if (Date.parse(policy.to) >= limit.getTime())
    context.addIssue({ code: 'custom', path: ['to'], message: `must be within ${MAX_POLICY_YEARS} years of from` });
});
export type PolicyInput = z.infer<typeof policyInputSchema>;

export const policySchema = z.object({
  id: z.string(),
  elevator: z.string(),
  insurer: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  premiumYuan: z.number(),
  premiumSource: z.enum(PREMIUM_SOURCES),
  createdAt: z.iso.datetime(),
});
export type Policy = z.infer<typeof policySchema>;

const claimFields = {
  elevator: elevatorIdSchema,
  amountYuan: yuanSchema.describe('Paid to the claimant, in yuan'),
  occurredAt: momentSchema.describe('When the accident happened'),
  reportedAt: momentSchema.describe('When it was reported to the insurer'),
  paidAt: momentSchema.describe('When the insurer paid'),
};

/** `POST /api/claims` and each row of its CSV import: occurred <= reported <= paid. */
export const claimInputSchema = z.object(claimFields).superRefine((claim, context) => {
  if (Date.parse(claim.reportedAt) < Date.parse(claim.occurredAt))
    context.addIssue({ code: 'custom', path: ['reportedAt'], message: 'must not be before occurredAt' });
  if (Date.parse(claim.paidAt) < Date.parse(claim.reportedAt))
    context.addIssue({ code: 'custom', path: ['paidAt'], message: 'must not be before reportedAt' });
});
export type ClaimInput = z.infer<typeof claimInputSchema>;

export const claimSchema = z.object({
  id: z.string(),
  elevator: z.string(),
  amountYuan: z.number(),
  occurredAt: z.iso.datetime(),
  reportedAt: z.iso.datetime(),
  paidAt: z.iso.datetime(),
  policy: z.string().describe('The policy that covered the elevator when the accident happened'),
  insurer: z.string().describe("That policy's insurer"),
  createdAt: z.iso.datetime(),
});
export type Claim = z.infer<typeof claimSchema>;

/** A year, a half (`2026-H2`), a quarter (`2026-Q4`) or a month (`2026-11`). */
export const SURVEY_PERIOD_PATTERN = /^(\d{4})(?:-H([12])|-Q([1-4])|-(0[1-9]|1[0-2]))?$/;
export const MAX_PERCENT = 100;
const MONTHS_PER_HALF = 6;
const MONTHS_PER_QUARTER = 3;

/** The first day of a survey period, `2026-Q4` -> `2026-10-01`; undefined for no period. */
export function surveyPeriodStart(period: string): string | undefined {
  const match = SURVEY_PERIOD_PATTERN.exec(period);
  if (!match) return undefined;
  const [, year, half, quarter, month] = match;
  const firstMonth = half
    ? (Number(half) - 1) * MONTHS_PER_HALF + 1
    : quarter
      ? (Number(quarter) - 1) * MONTHS_PER_QUARTER + 1
      : Number(month ?? 1);
  return `${year}-${String(firstMonth).padStart(2, '0')}-01`;
}

const satisfactionFields = {
  district: registryLabel,
  useUnit: registryLabel.optional().describe('Absent: a survey of the whole district'),
  period: z
    .string()
    .regex(SURVEY_PERIOD_PATTERN, 'must be a year (2026), half (2026-H2), quarter (2026-Q4) or month (2026-11)')
    .refine((period) => Number(period.slice(0, 4)) >= EARLIEST_YEAR, `must not be before ${EARLIEST_YEAR}`)
    .describe('The period surveyed'),
  percent: z.coerce.number().min(0).max(MAX_PERCENT).describe('Satisfied respondents, in percent'),
};

/** `POST /api/satisfaction` and each row of its CSV import. */
export const satisfactionInputSchema = z.object(satisfactionFields);
export type SatisfactionInput = z.infer<typeof satisfactionInputSchema>;

export const satisfactionSchema = z.object({
  id: z.string(),
  district: z.string(),
  useUnit: z.string().nullable(),
  period: z.string(),
  percent: z.number(),
  createdAt: z.iso.datetime(),
});
export type Satisfaction = z.infer<typeof satisfactionSchema>;

/** The CSV imports' headers, in this order (`useUnit` may be left empty). */
export const POLICY_CSV_COLUMNS = Object.keys(policyFields);
export const CLAIM_CSV_COLUMNS = Object.keys(claimFields);
export const SATISFACTION_CSV_COLUMNS = Object.keys(satisfactionFields);

/** Why a row of a policy, claim or satisfaction import was not stored. */
export const RECORD_IMPORT_CODES = [
  'LW_ERR_VALIDATION',
  'LW_ERR_NOT_FOUND',
  'LW_ERR_FORBIDDEN',
  'LW_ERR_POLICY_OVERLAP',
  'LW_ERR_NOT_INSURED',
  'LW_ERR_DUPLICATE',
] as const;

export const recordImportReportSchema = z.object({
  created: z.array(z.object({ line: z.int(), id: z.string() })),
  rejected: z.array(z.object({ line: z.int(), code: z.enum(RECORD_IMPORT_CODES), reason: z.string() })),
});
export type RecordImportReport = z.infer<typeof recordImportReportSchema>;

const yearFilter = yearSchema.optional();

export const policyListQuerySchema = listQuerySchema.extend({
  elevator: elevatorIdSchema.optional(),
  insurer: z.string().optional(),
  district: z.string().optional(),
  year: yearFilter.describe('Policies whose period overlaps this calendar year'),
});
export type PolicyListQuery = z.infer<typeof policyListQuerySchema>;

export const claimListQuerySchema = listQuerySchema.extend({
  elevator: elevatorIdSchema.optional(),
  insurer: z.string().optional(),
  district: z.string().optional(),
  year: yearFilter.describe('Claims paid in this calendar year (Asia/Shanghai)'),
});
export type ClaimListQuery = z.infer<typeof claimListQuerySchema>;

export const satisfactionListQuerySchema = listQuerySchema.extend({
  district: z.string().optional(),
  useUnit: z.string().optional(),
  year: yearFilter.describe('Surveys of a period in this year'),
});
export type SatisfactionListQuery = z.infer<typeof satisfactionListQuerySchema>;

const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });
export const policyPageSchema = pageOf(policySchema);
export const claimPageSchema = pageOf(claimSchema);
export const satisfactionPageSchema = pageOf(satisfactionSchema);
