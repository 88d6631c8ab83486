import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { elevatorIdSchema, elevatorSymptomsQuerySchema, elevatorSymptomsSchema } from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { LiftwatchError } from '../../lib/errors.js';
import { Gate } from '../../lib/gate.js';
import type { Logger } from '../../lib/logger.js';
import { symptomsOf } from '../../rules/symptoms.js';
import type { Store } from '../../store/types.js';
import { inScope, principalOf, type Auth } from '../auth.js';

export interface ElevatorSymptomsRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
  readonly logger: Logger;
}

/**
 * Replays run at once in this process: each reads InfluxDB a day at a time, about five queries a
 * day over REBUILD_DAYS and the window; more requests wait their turn rather than crowd out ingest.
 */
export const SYMPTOM_REPLAYS_AT_ONCE = 2;

/**
 * `GET /api/elevators/:id/symptoms?days=`: each symptom family's counted events a day against the
 * detector's baseline, for the console's ticket page. The engine runs in ingest's process, so the
 * elevator's history is replayed through the detectors here (rules/symptoms.ts).
 */
export const elevatorSymptomsRoutes: FastifyPluginAsyncZod<ElevatorSymptomsRouteOptions> = async (
  app,
  { store, auth, telemetry, logger },
) => {
  const gate = new Gate(SYMPTOM_REPLAYS_AT_ONCE);
  app.get(
    '/api/elevators/:id/symptoms',
    {
      preHandler: auth.allow('admin', 'regulator', 'insurer', 'use-unit'),
      schema: {
        params: z.object({ id: elevatorIdSchema }),
        querystring: elevatorSymptomsQuerySchema,
        response: { 200: elevatorSymptomsSchema },
      },
    },
    async (request) => {
      const elevator = store.elevators.get(request.params.id);
      if (!elevator || !inScope(principalOf(request), elevator)) {
        throw new LiftwatchError('LW_ERR_NOT_FOUND', `No elevator ${request.params.id}`);
      }
      const { days } = request.query;
      return gate.run(() => symptomsOf({ store, telemetry, logger }, elevator, days, Date.now()));
    },
  );
};
