import { z } from 'zod';
import { ticketSchema } from './tickets.js';
import { elevatorIdSchema } from './topics.js';

/**
 * How a rule runs (docs/rules.md, "Shadow mode"): live opens tickets; shadow only records what it
 * would have opened. An override sets it with `mode`; a rule runs live unless one says shadow.
 */
export const RULE_MODES = ['live', 'shadow'] as const;
export type RuleMode = (typeof RULE_MODES)[number];
export const DEFAULT_RULE_MODE: RuleMode = 'live';

/** A shadow warning is open until its evidence fades, as a live one nobody acted on. */
export const SHADOW_STATUSES = ['open', 'resolved'] as const;

const time = z.iso.datetime();

/** What a rule in shadow would have opened: a ticket nobody sees (no webhook, no feed event). */
export const shadowRecordSchema = ticketSchema
  .pick({
    id: true,
    elevator: true,
    rule: true,
    ruleVersion: true,
    configVersion: true,
    severity: true,
    category: true,
    title: true,
    external: true,
    openedAt: true,
    lastOccurrenceAt: true,
    occurrenceCount: true,
    createdAt: true,
    closed: true,
    evidence: true,
  })
  .extend({ status: z.enum(SHADOW_STATUSES) });
export type ShadowRecord = z.infer<typeof shadowRecordSchema>;

export const shadowListQuerySchema = z.object({
  rule: z.string().optional(),
  elevator: elevatorIdSchema.optional(),
  /** Opened (event time) at or after this... */
  from: z.iso.datetime({ offset: true }).optional(),
  /** ...and before this. */
  to: z.iso.datetime({ offset: true }).optional(),
  order: z.enum(['oldest', 'newest']).default('oldest').describe('By id: oldest first (default) or newest first'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('Cursor: the last id of the previous page'),
});
export type ShadowListQuery = z.infer<typeof shadowListQuerySchema>;

export const shadowPageSchema = z.object({ items: z.array(shadowRecordSchema), next: z.string().nullable() });

/** How the live tickets a comparison touches ended: resolved by a person (a repair), false alarms, the rest. */
const outcomesSchema = z.object({
  real: z.int().describe('Resolved by a person'),
  falseAlarm: z.int().describe('Closed as a false alarm'),
  unconfirmed: z.int().describe('Still active, or resolved by liftwatch itself when its evidence faded'),
});

/** One figure set of `liftwatch score` (simulators/score.ts) for one side's tickets of a rule. */
const truthScoreSchema = z.object({
  tickets: z.int(),
  truePositives: z.int(),
  falsePositives: z.int(),
  recall: z.number().nullable(),
  medianLeadHours: z.number().nullable(),
});

/** A rule in shadow against its live tickets over a period (docs/rules.md, "Shadow mode"). */
export const shadowRuleReportSchema = z.object({
  rule: z.string(),
  wouldOpen: z.int().describe('Shadow records opened in the period'),
  liveTickets: z.int().describe('Live tickets of the rule opened in the period'),
  coinciding: z.int().describe('Shadow records active at the same time as a live ticket of the elevator and rule'),
  coincidingLive: outcomesSchema.describe('How the live tickets they coincide with ended'),
  shadowOnly: z.int().describe('Shadow records with no live ticket at the time: new tickets, had it been live'),
  liveOnly: z.int().describe('Live tickets opened in the period with no shadow record at the time: what it would miss'),
  liveOnlyOutcomes: outcomesSchema.describe('How those live tickets ended'),
  medianLeadHours: z
    .number()
    .nullable()
    .describe(
      'Median of live opening minus shadow opening over coinciding pairs: positive when the shadow warned first',
    ),
  truth: z.object({ shadow: truthScoreSchema, live: truthScoreSchema }).optional(),
});
export type ShadowRuleReport = z.infer<typeof shadowRuleReportSchema>;

export const shadowReportSchema = z.object({
  from: time,
  to: time,
  rules: z.array(shadowRuleReportSchema),
});
export type ShadowReport = z.infer<typeof shadowReportSchema>;

export const shadowReportQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** One rule; else each rule an override runs in shadow and each with records in the period. */
  rule: z.string().optional(),
});
