import { z } from 'zod';
import { ticketSchema } from './tickets.js';

/**
 * What can happen to a ticket, as announced to insurers (webhook), to the console (live feed)
 * and to pollers (`GET /api/ticket-events?after=`). Transitions are named by the status reached.
 */
export const TICKET_EVENT_TYPES = [
  'ticket.opened',
  'ticket.occurrence_added',
  'ticket.deadline_near',
  'ticket.acknowledged',
  'ticket.dispatched',
  'ticket.on_site',
  'ticket.resolved',
  'ticket.false_alarm',
] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

export const ticketEventSchema = z.object({
  id: z.int().describe('Grows with every event: pass the last one seen as `after`'),
  type: z.enum(TICKET_EVENT_TYPES),
  at: z.iso.datetime(),
  /** The ticket as it was right after the change. */
  ticket: ticketSchema,
  actor: z.string().nullable(),
  note: z.string().nullable(),
});
export type TicketEvent = z.infer<typeof ticketEventSchema>;

export const ticketEventQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0).describe('Cursor: the last event id seen'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type TicketEventQuery = z.infer<typeof ticketEventQuerySchema>;

export const ticketEventPageSchema = z.object({
  items: z.array(ticketEventSchema),
  next: z.string().nullable(),
});

/** The JSON body POSTed to an insurer's webhook. */
export const webhookBodySchema = z.object({
  deliveryId: z.string().describe('The same on every attempt of one delivery: receivers deduplicate by it'),
  event: ticketEventSchema,
});
export type WebhookBody = z.infer<typeof webhookBodySchema>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const deliverySchema = z.object({
  id: z.string(),
  eventId: z.int(),
  eventType: z.enum(TICKET_EVENT_TYPES),
  ticketId: z.string(),
  insurer: z.string(),
  url: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  createdAt: z.iso.datetime(),
  nextAttemptAt: z.iso.datetime().nullable(),
  lastAttemptAt: z.iso.datetime().nullable(),
  lastStatus: z.int().nullable().describe('The HTTP status of the last attempt; null when it got no answer'),
  lastError: z.string().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryListQuerySchema = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  ticket: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('Cursor: the last id of the previous page'),
});
export type DeliveryListQuery = z.infer<typeof deliveryListQuerySchema>;

export const deliveryPageSchema = z.object({ items: z.array(deliverySchema), next: z.string().nullable() });
