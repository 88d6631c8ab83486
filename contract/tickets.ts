import { z } from 'zod';
import { FAULT_SEVERITIES } from './fault-codes.js';
import { plainText } from './text.js';
import { elevatorIdSchema } from './topics.js';

/** DESIGN.md "Tickets": open -> acknowledged -> dispatched -> on site -> resolved | false alarm. */
export const TICKET_STATUSES = ['open', 'acknowledged', 'dispatched', 'on_site', 'resolved', 'false_alarm'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const CLOSED_STATUSES: readonly TicketStatus[] = ['resolved', 'false_alarm'];

/** Each action of `POST /api/tickets/:id/{action}`: the statuses it may start from and where it leads. */
export const TICKET_ACTIONS = {
  ack: { from: ['open'], to: 'acknowledged' },
  dispatch: { from: ['open', 'acknowledged'], to: 'dispatched' },
  arrive: { from: ['dispatched'], to: 'on_site' },
  resolve: { from: ['open', 'acknowledged', 'dispatched', 'on_site'], to: 'resolved' },
  'false-alarm': { from: ['open', 'acknowledged', 'dispatched', 'on_site'], to: 'false_alarm' },
} as const satisfies Record<string, { from: readonly TicketStatus[]; to: TicketStatus }>;
export type TicketAction = keyof typeof TICKET_ACTIONS;
export const TICKET_ACTION_NAMES = Object.keys(TICKET_ACTIONS) as [TicketAction, ...TicketAction[]];

/** hazard: equipment heading for a failure; critical: act now; maintenance: overdue or heavy use; data-quality: the terminal. */
export const TICKET_CATEGORIES = ['critical', 'hazard', 'maintenance-quality', 'maintenance', 'data-quality'] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

const time = z.iso.datetime();

export const occurrenceSchema = z.object({
  /** The event time (the message's ts). */
  at: time,
  seq: z.int().nullable(),
  code: z.int().nullable(),
  floor: z.int().nullable(),
  /** During a mains power cut: caused from outside. */
  external: z.boolean(),
});
export type Occurrence = z.infer<typeof occurrenceSchema>;

const stamp = { at: time.nullable(), by: z.string().nullable() };

/** What opened a warning, in numbers an insurer can check (docs/rules.md, "How the detectors work"). */
export const TICKET_EVIDENCE_TESTS = ['rate-rise', 'landing-repeat'] as const;

export const ticketEvidenceSchema = z.object({
  family: z.string().describe('The symptom family (docs/rules.md)'),
  test: z
    .enum(TICKET_EVIDENCE_TESTS)
    .describe(
      "rate-rise: the sequential test found a rise over this elevator's usual rate; landing-repeat: the door-lock circuit opened repeatedly at one landing",
    ),
  count: z.int().describe('Counted events (neither during a visit or inspection nor in a power cut) in the window'),
  windowDays: z.number().describe('The days up to openedAt the count covers'),
  usualPerWeek: z.number().describe("This elevator's usual rate (its baseline), events a week"),
  rateRatio: z.number().nullable().describe('The count over what the usual rate gives in the window'),
  risingSince: time.nullable().describe('Since when the test has been finding the rise; null when it came at once'),
  floor: z.int().nullable().describe('landing-repeat: the landing'),
  testedRatio: z
    .number()
    .nullable()
    .describe('The rise the signalling chart looks for, as a multiple of the usual rate'),
  statistic: z.number().nullable().describe("The chart's statistic when it signalled"),
  threshold: z.number().nullable().describe("The chart's threshold, set by falseAlarmYears"),
  falseAlarmYears: z
    .number()
    .nullable()
    .describe('On a healthy elevator, at most one false ticket of this family per this many elevator-years'),
  peerShare: z
    .number()
    .describe("The share of the usual rate taken from the elevator's peers (0: all its own history)"),
});
export type TicketEvidence = z.infer<typeof ticketEvidenceSchema>;

export const ticketSchema = z.object({
  id: z.string(),
  elevator: elevatorIdSchema,
  rule: z.string(),
  ruleVersion: z.int(),
  configVersion: z.int(),
  severity: z.enum(FAULT_SEVERITIES),
  category: z.enum(TICKET_CATEGORIES),
  status: z.enum(TICKET_STATUSES),
  title: z.string(),
  external: z.boolean(),
  district: z.string(),
  useUnit: z.string(),
  insurer: z.string(),
  contractor: z.string(),
  /** Event time of the occurrence that opened it. */
  openedAt: time,
  firstOccurrenceAt: time,
  lastOccurrenceAt: time,
  occurrenceCount: z.int(),
  /** A deadline the rule sets (30 minutes to reach trapped passengers). */
  deadlineAt: time.nullable(),
  createdAt: time,
  acknowledged: z.object(stamp),
  dispatched: z.object(stamp),
  arrived: z.object(stamp),
  closed: z.object({ ...stamp, note: z.string().nullable() }),
  /** Why a detector's warning opened (null for the other rules). */
  evidence: ticketEvidenceSchema.nullable(),
});
export type Ticket = z.infer<typeof ticketSchema>;

export const ticketHistorySchema = z.object({
  at: time,
  action: z.string(),
  actor: z.string(),
  note: z.string().nullable(),
});

export const ticketDetailSchema = ticketSchema.extend({
  occurrences: z.array(occurrenceSchema),
  history: z.array(ticketHistorySchema),
});
export type TicketDetail = z.infer<typeof ticketDetailSchema>;

export const ticketListQuerySchema = z.object({
  elevator: elevatorIdSchema.optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  rule: z.string().optional(),
  severity: z.enum(FAULT_SEVERITIES).optional(),
  district: z.string().optional(),
  useUnit: z.string().optional(),
  insurer: z.string().optional(),
  order: z.enum(['oldest', 'newest']).default('oldest').describe('By id: oldest first (default) or newest first'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('Cursor: the last id of the previous page'),
});
export type TicketListQuery = z.infer<typeof ticketListQuerySchema>;

export const ticketPageSchema = z.object({ items: z.array(ticketSchema), next: z.string().nullable() });

/** Optional: a step may come with no body at all. */
export const ticketTransitionBodySchema = z.object({ note: plainText(1000).optional() }).nullish();
