import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DIGEST_KINDS, digestListQuerySchema, digestSchema } from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { draftDigests } from '../../rules/digests.js';
import type { Store } from '../../store/types.js';
import { principalOf, type Auth } from '../auth.js';

export interface DigestRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
}

/** `GET /api/digests?useUnit=&kind=` and `POST /api/digests` to draft one now. */
export const digestRoutes: FastifyPluginAsyncZod<DigestRouteOptions> = async (app, { store, auth, telemetry }) => {
  app.get(
    '/api/digests',
    {
      onRequest: auth.allow('admin', 'regulator', 'use-unit'),
      schema: {
        querystring: digestListQuerySchema,
        response: { 200: z.object({ items: z.array(digestSchema), next: z.string().nullable() }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // A use unit reads its own digests only, whatever it asks for.
      const useUnit = principal.kind === 'use-unit' ? principal.id : request.query.useUnit;
      return store.digests.list({ ...request.query, useUnit });
    },
  );

  app.post(
    '/api/digests',
    {
      onRequest: auth.allow('admin'),
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
