import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deadLetterSchema, listQuerySchema } from '../../contract/index.js';
import type { Store } from '../../store/types.js';
import type { Auth } from '../auth.js';

export interface DeadLetterRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

/** `GET /api/dead-letters`: what ingest refused and why, newest first. */
export const deadLetterRoutes: FastifyPluginAsyncZod<DeadLetterRouteOptions> = async (app, { store, auth }) => {
  app.get(
    '/api/dead-letters',
    {
      onRequest: auth.allow('admin'),
      schema: {
        querystring: z.object({
          limit: listQuerySchema.shape.limit,
          before: z.coerce.number().int().optional().describe('Cursor: the last id of the previous page'),
        }),
        response: { 200: z.object({ items: z.array(deadLetterSchema), total: z.int() }) },
      },
    },
    async (request) => ({ items: store.deadLetters.list(request.query), total: store.deadLetters.count() }),
  );
};
