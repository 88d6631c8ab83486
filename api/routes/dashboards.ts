import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  VARIABLE_PARAM_PREFIX,
  dashboardPreviewQuerySchema,
  dashboardPreviewSchema,
  dashboardSummarySchema,
} from '../../contract/index.js';
import { loadDashboards, previewDashboard, previewRange, queryWith, summaryOf } from '../../dashboards/preview.js';
import type { TelemetryStore } from '../../influx/types.js';
import { LiftwatchError } from '../../lib/errors.js';
import type { Auth } from '../auth.js';

export interface DashboardRouteOptions {
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
}

/** `var-NAME=value` (repeated for several) from the query string, by variable name. */
function requestedVariables(query: Readonly<Record<string, unknown>>): Record<string, string[]> {
  const requested: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!key.startsWith(VARIABLE_PARAM_PREFIX)) continue;
    const values = [value].flat();
    if (!values.every((one) => typeof one === 'string'))
      throw new LiftwatchError('LW_ERR_VALIDATION', `${key} takes text values`);
    requested[key.slice(VARIABLE_PARAM_PREFIX.length)] = values;
  }
  return requested;
}

const epochMs = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/**
 * The Grafana dashboards' figures without Grafana (the console's /console/dashboards). Admin and
 * regulator only: the dashboards show the whole city, and most have no insurer variable that could
 * hold an insurer to its own elevators.
 */
export const dashboardRoutes: FastifyPluginAsyncZod<DashboardRouteOptions> = async (app, { auth, telemetry }) => {
  const readers = auth.allow('admin', 'regulator');
  const dashboards = loadDashboards();
  const query = queryWith(telemetry);

  app.get(
    '/api/dashboards',
    { onRequest: readers, schema: { response: { 200: z.array(dashboardSummarySchema) } } },
    async () => dashboards.map(summaryOf),
  );

  app.get(
    '/api/dashboards/:uid',
    {
      onRequest: readers,
      schema: {
        params: z.object({ uid: z.string() }),
        querystring: dashboardPreviewQuerySchema,
        response: { 200: dashboardPreviewSchema },
      },
    },
    async (request) => {
      const dashboard = dashboards.find(({ uid }) => uid === request.params.uid);
      if (!dashboard) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No dashboard ${request.params.uid}`);
      const { from, to } = request.query;
      const range = previewRange(epochMs(from), epochMs(to));
      return previewDashboard(dashboard, query, range, requestedVariables(request.query));
    },
  );
};
