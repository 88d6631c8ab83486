import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  FAULT_CODES,
  TICKET_ACTIONS,
  TICKET_ACTION_NAMES,
  faultCodeInfoSchema,
  ticketActionInfoSchema,
} from '../../contract/index.js';
import type { Auth } from '../auth.js';

export interface ReferenceRouteOptions {
  readonly auth: Auth;
}

/** `GET /api/fault-codes` and `GET /api/ticket-actions`: the contract's tables, for clients to show and offer. */
export const referenceRoutes: FastifyPluginAsyncZod<ReferenceRouteOptions> = async (app, { auth }) => {
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');
  const faultCodes = [...FAULT_CODES.values()];
  const ticketActions = TICKET_ACTION_NAMES.map((action) => ({
    action,
    from: [...TICKET_ACTIONS[action].from],
    to: TICKET_ACTIONS[action].to,
  }));

  app.get(
    '/api/fault-codes',
    { preHandler: readers, schema: { response: { 200: z.array(faultCodeInfoSchema) } } },
    async () => faultCodes,
  );

  app.get(
    '/api/ticket-actions',
    { preHandler: readers, schema: { response: { 200: z.array(ticketActionInfoSchema) } } },
    async () => ticketActions,
  );
};
