import { z } from 'zod';
import { FAULT_SEVERITIES } from './fault-codes.js';

/**
 * SAMR Order 74: use units run daily risk control (日管控), weekly inspection (周排查) and monthly
 * scheduling (月调度). A digest per use unit feeds each.
 */
export const DIGEST_KINDS = ['daily', 'weekly', 'monthly'] as const;
export type DigestKind = (typeof DIGEST_KINDS)[number];

const bySeverity = z.partialRecord(z.enum(FAULT_SEVERITIES), z.int());

export const digestSchema = z.object({
  id: z.string(),
  useUnit: z.string(),
  kind: z.enum(DIGEST_KINDS),
  periodStart: z.iso.datetime(),
  periodEnd: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  elevators: z.int(),
  ticketsOpened: bySeverity,
  ticketsOpen: bySeverity,
  /** Fault counts in the period by code. */
  faults: z.record(z.string(), z.int()),
  maintenanceOverdue: z.array(z.string()),
  offline: z.array(z.string()),
});
export type Digest = z.infer<typeof digestSchema>;

export const digestListQuerySchema = z.object({
  useUnit: z.string().optional(),
  kind: z.enum(DIGEST_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('Cursor: the last id of the previous page'),
});
export type DigestListQuery = z.infer<typeof digestListQuerySchema>;
