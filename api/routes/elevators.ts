import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  elevatorCredentialsSchema,
  elevatorIdSchema,
  elevatorImportReportSchema,
  elevatorPageSchema,
  elevatorRegistrationSchema,
  elevatorSchema,
  elevatorUpdateSchema,
  listQuerySchema,
  registeredElevatorSchema,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { TokenReplacementNotice } from '../../lib/token-replacements.js';
import type { Store } from '../../store/types.js';
import { inScope, principalOf, scopeOf, type Auth } from '../auth.js';
import { acceptCsv, csvBody } from '../csv-import.js';
import { importElevators, registerElevator, reissueToken } from '../elevator-registry.js';

export interface ElevatorRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly tokenReplacements?: TokenReplacementNotice | undefined;
}

const idParams = z.object({ id: elevatorIdSchema });

/** The registry: register (token shown once), import CSV, list, read, set the gateway, reissue a token. */
export const elevatorRoutes: FastifyPluginAsyncZod<ElevatorRouteOptions> = async (
  app,
  { store, auth, tokenReplacements },
) => {
  const adminOnly = auth.allow('admin');
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');
  acceptCsv(app);

  app.post(
    '/api/elevators',
    { onRequest: adminOnly, schema: { body: elevatorRegistrationSchema, response: { 201: registeredElevatorSchema } } },
    async (request, reply) => reply.status(201).send(await registerElevator(store.elevators, request.body)),
  );

  app.post(
    '/api/elevators/import',
    { onRequest: adminOnly, schema: { response: { 200: elevatorImportReportSchema } } },
    async (request) => importElevators(store.elevators, csvBody(request)),
  );

  app.get(
    '/api/elevators',
    {
      onRequest: readers,
      schema: {
        querystring: listQuerySchema.extend({ district: z.string().optional() }),
        response: { 200: elevatorPageSchema },
      },
    },
    async (request) => store.elevators.list(request.query, scopeOf(principalOf(request))),
  );

  app.get(
    '/api/elevators/:id',
    { onRequest: readers, schema: { params: idParams, response: { 200: elevatorSchema } } },
    async (request) => {
      const elevator = store.elevators.get(request.params.id);
      if (!elevator || !inScope(principalOf(request), elevator))
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${request.params.id}`);
      return elevator;
    },
  );

  app.patch(
    '/api/elevators/:id',
    {
      onRequest: adminOnly,
      schema: { params: idParams, body: elevatorUpdateSchema, response: { 200: elevatorSchema } },
    },
    async (request) => {
      if (!store.elevators.setGateway(request.params.id, request.body.gateway))
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${request.params.id}`);
      return store.elevators.get(request.params.id);
    },
  );

  app.post(
    '/api/elevators/:id/token',
    { onRequest: adminOnly, schema: { params: idParams, response: { 200: elevatorCredentialsSchema } } },
    async (request) => reissueToken(store.elevators, request.params.id, tokenReplacements),
  );
};
