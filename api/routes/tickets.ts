import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  TICKET_ACTION_NAMES,
  ticketDetailSchema,
  ticketListQuerySchema,
  ticketPageSchema,
  ticketSchema,
  ticketTransitionBodySchema,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { requireAdmin } from '../auth.js';

export interface TicketRouteOptions {
  readonly store: Store;
  readonly adminToken: string;
}

/** Who did a step: the admin key for now (scoped principals come with insurer keys). */
const ADMIN_ACTOR = 'admin';

/** `GET /api/tickets`, `GET /api/tickets/:id` and the lifecycle steps `POST /api/tickets/:id/{action}`. */
export const ticketRoutes: FastifyPluginAsyncZod<TicketRouteOptions> = async (app, { store, adminToken }) => {
  app.addHook('preHandler', requireAdmin(adminToken));

  app.get(
    '/api/tickets',
    { schema: { querystring: ticketListQuerySchema, response: { 200: ticketPageSchema } } },
    async (request) => store.tickets.list(request.query),
  );

  app.get(
    '/api/tickets/:id',
    { schema: { params: z.object({ id: z.string() }), response: { 200: ticketDetailSchema } } },
    async (request) => {
      const ticket = store.tickets.get(request.params.id);
      if (!ticket) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No ticket ${request.params.id}`);
      return ticket;
    },
  );

  app.post(
    '/api/tickets/:id/:action',
    {
      schema: {
        params: z.object({ id: z.string(), action: z.enum(TICKET_ACTION_NAMES) }),
        body: ticketTransitionBodySchema,
        response: { 200: ticketSchema },
      },
    },
    async (request) =>
      store.tickets.transition(
        request.params.id,
        request.params.action,
        ADMIN_ACTOR,
        request.body?.note ?? null,
        new Date(),
      ),
  );
};
