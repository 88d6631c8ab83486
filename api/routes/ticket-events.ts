import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deliveryListQuerySchema,
  deliveryPageSchema,
  deliverySchema,
  ticketEventPageSchema,
  ticketEventQuerySchema,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { principalOf, scopeOf, type Auth } from '../auth.js';

export interface TicketEventRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  /** How often the live feed looks for new ticket events (they may come from another process). */
  readonly liveFeedPollMs: number;
}

/** A comment line now and then keeps proxies from closing a quiet feed. */
const KEEPALIVE_MS = 15_000;
const LIVE_BATCH = 500;

/**
 * The ticket journal: `GET /api/ticket-events?after=` for polling, `GET /api/ticket-events/live`
 * as server-sent events; and the webhook outbox: `GET /api/deliveries`, retry by hand.
 */
export const ticketEventRoutes: FastifyPluginAsyncZod<TicketEventRouteOptions> = async (
  app,
  { store, auth, liveFeedPollMs },
) => {
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');
  // Open feeds would hold the server open forever: closing the API ends them.
  const feeds = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of feeds) end();
  });

  app.get(
    '/api/ticket-events',
    { onRequest: readers, schema: { querystring: ticketEventQuerySchema, response: { 200: ticketEventPageSchema } } },
    async (request) => store.deliveries.events(request.query, scopeOf(principalOf(request))),
  );

  app.get(
    '/api/ticket-events/live',
    {
      onRequest: readers,
      schema: {
        querystring: z.object({
          after: z.coerce.number().int().min(0).optional().describe('Resume after this event id; default: from now'),
        }),
      },
    },
    async (request, reply) => {
      const scope = scopeOf(principalOf(request));
      let after = request.query.after ?? store.deliveries.lastEventId();
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      out.write(`retry: ${liveFeedPollMs}\n\n`);
      const send = () => {
        for (;;) {
          const page = store.deliveries.events({ after, limit: LIVE_BATCH }, scope);
          for (const event of page.items)
            out.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
          after = page.items.at(-1)?.id ?? after;
          if (page.next === null) return;
        }
      };
      const poll = setInterval(() => {
        try {
          send();
        } catch (error) {
          request.log.error({ err: error }, 'live ticket feed failed');
          out.end();
        }
      }, liveFeedPollMs);
      const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
      const end = () => {
        clearInterval(poll);
        clearInterval(keepalive);
        feeds.delete(end);
        out.end();
      };
      feeds.add(end);
      out.on('close', end);
      send();
    },
  );

  app.get(
    '/api/deliveries',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer'),
      schema: { querystring: deliveryListQuerySchema, response: { 200: deliveryPageSchema } },
    },
    async (request) => store.deliveries.list(request.query, scopeOf(principalOf(request))),
  );

  app.post(
    '/api/deliveries/:id/retry',
    {
      onRequest: auth.allow('admin', 'insurer'),
      schema: { params: z.object({ id: z.string() }), response: { 200: deliverySchema } },
    },
    async (request) => {
      const delivery = store.deliveries.retry(request.params.id, scopeOf(principalOf(request)), Date.now());
      if (!delivery) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No delivery ${request.params.id}`);
      return delivery;
    },
  );
};
