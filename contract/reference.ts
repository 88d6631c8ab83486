import { z } from 'zod';
import { FAULT_CATEGORIES, FAULT_SEVERITIES } from './fault-codes.js';
import { TICKET_ACTION_NAMES, TICKET_STATUSES } from './tickets.js';

/**
 * The contract's lookup tables as the API serves them, so clients (the web console) show codes
 * by name and offer only legal ticket steps without keeping copies of the tables.
 */

/** One row of `GET /api/fault-codes`. */
export const faultCodeInfoSchema = z.object({
  code: z.int(),
  name: z.string(),
  nameZh: z.string(),
  severity: z.enum(FAULT_SEVERITIES),
  category: z.enum(FAULT_CATEGORIES),
});

/** One row of `GET /api/ticket-actions`: `POST /api/tickets/:id/{action}` is legal from `from` and leads to `to`. */
export const ticketActionInfoSchema = z.object({
  action: z.enum(TICKET_ACTION_NAMES),
  from: z.array(z.enum(TICKET_STATUSES)),
  to: z.enum(TICKET_STATUSES),
});
