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
import { callerKey, principalOf, scopeOf, type Auth } from '../auth.js';

export interface TicketEventRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  /** How often the live feed looks for new ticket events (they may come from another process). */
  readonly liveFeedPollMs: number;
  /** Live feeds one key's owner (all its keys together, so a rotation adds none) may hold open at once. */
  readonly liveFeedsPerKey: number;
}

/** A comment line now and then keeps proxies from closing a quiet feed. */
const KEEPALIVE_MS = 15_000;
/**
 * How often an open feed's key is checked again (revoked in any process, or past its grace
 * after a rotation): the feed ends within about this long of its key.
 */
const KEY_CHECK_MS = 500;
const LIVE_BATCH = 500;

/**
 * The ticket journal: `GET /api/ticket-events?after=` for polling, `GET /api/ticket-events/live`
 * as server-sent events; and the webhook outbox: `GET /api/deliveries`, retry by hand.
 */
export const ticketEventRoutes: FastifyPluginAsyncZod<TicketEventRouteOptions> = async (
  app,
  { store, auth, liveFeedPollMs, liveFeedsPerKey },
) => {
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');
  /** Open feeds per key owner (callerKey), for the cap. */
  const openFeeds = new Map<string, number>();
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
      const caller = auth.caller(request);
      if (!caller) throw new LiftwatchError('LW_ERR_UNAUTHORIZED');
      const owner = callerKey(caller);
      const opened = openFeeds.get(owner) ?? 0;
      if (opened >= liveFeedsPerKey) {
        throw new LiftwatchError(
          'LW_ERR_TOO_MANY_FEEDS',
          `This key's owner may keep ${liveFeedsPerKey} live feeds open at once: close one, or poll GET /api/ticket-events`,
        );
      }
      let after = request.query.after ?? store.deliveries.lastEventId();
      // Counted once the store has answered: a failure before would otherwise hold its place for good.
      openFeeds.set(owner, opened + 1);
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
      // A key revoked or past its grace ends the feed; the client's reconnect then gets the 401.
      const keyCheck = setInterval(() => {
        if (!auth.stillValid(caller)) end();
      }, KEY_CHECK_MS);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(poll);
        clearInterval(keepalive);
        clearInterval(keyCheck);
        feeds.delete(end);
        const left = (openFeeds.get(owner) ?? 1) - 1;
        if (left > 0) openFeeds.set(owner, left);
        else openFeeds.delete(owner);
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
