import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DIGEST_KINDS, digestListQuerySchema, digestSchema } from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { draftDigests } from '../../rules/digests.js';
import type { Store } from '../../store/types.js';
import { requireAdmin } from '../auth.js';

export interface DigestRouteOptions {
  readonly store: Store;
  readonly adminToken: string;
  readonly telemetry: TelemetryStore;
}

/** `GET /api/digests?useUnit=&kind=` and `POST /api/digests` to draft one now. */
export const digestRoutes: FastifyPluginAsyncZod<DigestRouteOptions> = async (
  app,
  { store, adminToken, telemetry },
) => {
  app.addHook('preHandler', requireAdmin(adminToken));

  app.get(
    '/api/digests',
    {
      schema: {
        querystring: digestListQuerySchema,
        response: { 200: z.object({ items: z.array(digestSchema), next: z.string().nullable() }) },
      },
    },
    async (request) => store.digests.list(request.query),
  );

  app.post(
    '/api/digests',
    {
      schema: {
        body: z.object({
          kind: z.enum(DIGEST_KINDS),
          /** Drafts the last complete period before this time (default now). */
          at: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 200: z.object({ items: z.array(digestSchema) }) },
      },
    },
    async (request) => {
      const at = request.body.at === undefined ? Date.now() : Date.parse(request.body.at);
      return { items: await draftDigests(request.body.kind, at, { store, telemetry }) };
    },
  );
};
