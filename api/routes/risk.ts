import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { elevatorIdSchema, elevatorRiskSchema, riskPageSchema, riskQuerySchema } from '../../contract/index.js';
import type { Elevator } from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { LiftwatchError } from '../../lib/errors.js';
import { readFleetFigures } from '../../risk/figures.js';
import { rank, riskOf } from '../../risk/score.js';
import type { Scope, Store } from '../../store/types.js';
import { inScope, principalOf, scopeOf, type Auth } from '../auth.js';

export interface RiskRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
}

/** The registry is read in pages of the most the store's list gives at once. */
const REGISTRY_PAGE = 1000;

function elevatorsIn(store: Store, scope: Scope, district: string | undefined): Elevator[] {
  const all: Elevator[] = [];
  let after: string | undefined;
  do {
    const page = store.elevators.list({ limit: REGISTRY_PAGE, after, district }, scope);
    all.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined);
  return all;
}

/** `GET /api/elevators/:id/risk` and `GET /api/risk`: the score insurers price premiums with (docs/risk.md). */
export const riskRoutes: FastifyPluginAsyncZod<RiskRouteOptions> = async (app, { store, auth, telemetry }) => {
  const readers = auth.allow('admin', 'regulator', 'insurer', 'use-unit');

  app.get(
    '/api/elevators/:id/risk',
    {
      onRequest: readers,
      schema: { params: z.object({ id: elevatorIdSchema }), response: { 200: elevatorRiskSchema } },
    },
    async (request) => {
      const elevator = store.elevators.get(request.params.id);
      if (!elevator || !inScope(principalOf(request), elevator)) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${request.params.id}`);
      }
      return riskOf(elevator, await readFleetFigures(telemetry, store.tickets, Date.now(), elevator.id));
    },
  );

  app.get(
    '/api/risk',
    { onRequest: readers, schema: { querystring: riskQuerySchema, response: { 200: riskPageSchema } } },
    async (request) => {
      const { district, insurer, limit, after } = request.query;
      const scope = scopeOf(principalOf(request));
      // An insurer asking for another insurer's elevators sees none, as it would in the registry.
      if (insurer !== undefined && scope.insurer !== undefined && insurer !== scope.insurer) {
        return { items: [], next: null };
      }
      const elevators = elevatorsIn(store, { ...scope, insurer: insurer ?? scope.insurer }, district);
      if (elevators.length === 0) return { items: [], next: null };
      const fleet = await readFleetFigures(telemetry, store.tickets, Date.now());
      return rank(
        elevators.map((elevator) => riskOf(elevator, fleet)),
        limit,
        after,
      );
    },
  );
};
