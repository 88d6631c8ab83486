import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createdGatewaySchema, gatewayInputSchema, gatewayPageSchema, listQuerySchema } from '../../contract/index.js';
import type { Store } from '../../store/types.js';
import type { Auth } from '../auth.js';
import { registerGateway } from '../elevator-registry.js';

export interface GatewayRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

/** Building gateways, provisioned by the admin: register (token shown once) and list. */
export const gatewayRoutes: FastifyPluginAsyncZod<GatewayRouteOptions> = async (app, { store, auth }) => {
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
};
