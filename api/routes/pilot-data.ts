import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  claimInputSchema,
  claimListQuerySchema,
  claimPageSchema,
  claimSchema,
  policyInputSchema,
  policyListQuerySchema,
  policyPageSchema,
  policySchema,
  recordImportReportSchema,
  satisfactionInputSchema,
  satisfactionListQuerySchema,
  satisfactionPageSchema,
  satisfactionSchema,
} from '../../contract/index.js';
import type { Store } from '../../store/types.js';
import { principalOf, scopeOf, type Auth } from '../auth.js';
import { acceptCsv, csvBody, importRecords } from '../csv-import.js';
import { claimKind, enterOne, policyKind, satisfactionKind } from '../pilot-data.js';

export interface PilotDataRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

const now = () => new Date();
const imported = { response: { 200: recordImportReportSchema } };

/**
 * What the pilot report is made of: policies and claims (the admin, or an insurer for the
 * elevators it insures) and satisfaction surveys (the admin), as JSON or CSV, and their lists.
 */
export const pilotDataRoutes: FastifyPluginAsyncZod<PilotDataRouteOptions> = async (app, { store, auth }) => {
  acceptCsv(app);
  const enterers = auth.allow('admin', 'insurer');
  const adminOnly = auth.allow('admin');
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');

  app.post(
    '/api/policies',
    { onRequest: enterers, schema: { body: policyInputSchema, response: { 201: policySchema } } },
    async (request, reply) =>
      reply.status(201).send(enterOne(policyKind(store, principalOf(request), now), request.body)),
  );
  app.post('/api/policies/import', { onRequest: enterers, schema: imported }, async (request) =>
    importRecords(csvBody(request), policyKind(store, principalOf(request), now)),
  );
  app.get(
    '/api/policies',
    { onRequest: readers, schema: { querystring: policyListQuerySchema, response: { 200: policyPageSchema } } },
    async (request) => store.policies.list(request.query, scopeOf(principalOf(request))),
  );

  app.post(
    '/api/claims',
    { onRequest: enterers, schema: { body: claimInputSchema, response: { 201: claimSchema } } },
    async (request, reply) =>
      reply.status(201).send(enterOne(claimKind(store, principalOf(request), now), request.body)),
  );
  app.post('/api/claims/import', { onRequest: enterers, schema: imported }, async (request) =>
    importRecords(csvBody(request), claimKind(store, principalOf(request), now)),
  );
  app.get(
    '/api/claims',
    { onRequest: readers, schema: { querystring: claimListQuerySchema, response: { 200: claimPageSchema } } },
    async (request) => store.claims.list(request.query, scopeOf(principalOf(request))),
  );

  app.post(
    '/api/satisfaction',
    { onRequest: adminOnly, schema: { body: satisfactionInputSchema, response: { 201: satisfactionSchema } } },
    async (request, reply) => reply.status(201).send(enterOne(satisfactionKind(store, now), request.body)),
  );
  app.post('/api/satisfaction/import', { onRequest: adminOnly, schema: imported }, async (request) =>
    importRecords(csvBody(request), satisfactionKind(store, now)),
  );
  app.get(
    '/api/satisfaction',
    {
      onRequest: auth.allow('admin', 'regulator'),
      schema: { querystring: satisfactionListQuerySchema, response: { 200: satisfactionPageSchema } },
    },
    async (request) => store.satisfaction.list(request.query),
  );
};
