import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  TICKET_ACTION_NAMES,
  ticketDetailSchema,
  ticketListQuerySchema,
  ticketPageSchema,
  ticketSchema,
  ticketTransitionBodySchema,
  type Principal,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { inScope, principalOf, scopeOf, type Auth } from '../auth.js';

export interface TicketRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

const idParams = z.object({ id: z.string() });

/** `GET /api/tickets`, `GET /api/tickets/:id` and the lifecycle steps `POST /api/tickets/:id/{action}`. */
export const ticketRoutes: FastifyPluginAsyncZod<TicketRouteOptions> = async (app, { store, auth }) => {
  /** Another insurer's ticket does not exist for this one: a 404, never a 403 that would confirm it. */
  const ticketFor = (principal: Principal, id: string) => {
    const ticket = store.tickets.get(id);
    if (!ticket || !inScope(principal, ticket)) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No ticket ${id}`);
    return ticket;
  };

  app.get(
    '/api/tickets',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer', 'use-unit'),
      schema: { querystring: ticketListQuerySchema, response: { 200: ticketPageSchema } },
    },
    async (request) => store.tickets.list(request.query, scopeOf(principalOf(request))),
  );

  app.get(
    '/api/tickets/:id',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer', 'use-unit'),
      schema: { params: idParams, response: { 200: ticketDetailSchema } },
    },
    async (request) => ticketFor(principalOf(request), request.params.id),
  );

  app.post(
    '/api/tickets/:id/:action',
    {
      onRequest: auth.allow('admin', 'insurer'),
      schema: {
        params: idParams.extend({ action: z.enum(TICKET_ACTION_NAMES) }),
        body: ticketTransitionBodySchema,
        response: { 200: ticketSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const ticket = ticketFor(principal, request.params.id);
      const actor = principal.kind === 'admin' ? 'admin' : `${principal.kind}:${principal.id}`;
      return store.tickets.transition(ticket.id, request.params.action, actor, request.body?.note ?? null, new Date());
    },
  );
};
