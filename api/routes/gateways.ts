import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createdGatewaySchema,
  gatewayIdSchema,
  gatewayInputSchema,
  gatewayPageSchema,
  listQuerySchema,
} from '../../contract/index.js';
import type { TokenReplacementNotice } from '../../lib/token-replacements.js';
import type { Store } from '../../store/types.js';
import type { Auth } from '../auth.js';
import { deleteGateway, registerGateway, reissueGatewayToken } from '../elevator-registry.js';

export interface GatewayRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly tokenReplacements?: TokenReplacementNotice | undefined;
}

const idParams = z.object({ id: gatewayIdSchema });

/**
 * Building gateways, provisioned by the admin: register (token shown once), list, reissue the
 * token (the old one stops at once: that is also how a token is revoked), delete.
 */
export const gatewayRoutes: FastifyPluginAsyncZod<GatewayRouteOptions> = async (
  app,
  { store, auth, tokenReplacements },
) => {
  const adminOnly = auth.allow('admin');

  app.post(
    '/api/gateways',
    { onRequest: adminOnly, schema: { body: gatewayInputSchema, response: { 201: createdGatewaySchema } } },
    async (request, reply) => reply.status(201).send(await registerGateway(store.gateways, request.body)),
  );

  app.get(
    '/api/gateways',
    { onRequest: adminOnly, schema: { querystring: listQuerySchema, response: { 200: gatewayPageSchema } } },
    async (request) => store.gateways.list(request.query),
  );

  app.post(
    '/api/gateways/:id/token',
    { onRequest: adminOnly, schema: { params: idParams, response: { 200: createdGatewaySchema } } },
    async (request) => reissueGatewayToken(store.gateways, request.params.id, tokenReplacements),
  );

  app.delete('/api/gateways/:id', { onRequest: adminOnly, schema: { params: idParams } }, async (request, reply) => {
    deleteGateway(store.gateways, request.params.id, tokenReplacements);
    return reply.status(204).send();
  });
};
