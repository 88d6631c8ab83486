import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  contractorLeagueSchema,
  contractorScoreQuerySchema,
  overdueListSchema,
  overdueQuerySchema,
  visitListSchema,
  visitQuerySchema,
} from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import { shanghaiMonthStart } from '../../lib/shanghai.js';
import { contractorLeague, leagueCsv, leagueXlsx } from '../../reports/contractor-league.js';
import { overdueByUseUnit } from '../../reports/overdue.js';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '../../reports/spreadsheet.js';
import { DAY_MS, elevatorsInScope, listVisits } from '../../reports/visits.js';
import type { Store } from '../../store/types.js';
import { principalOf, scopeOf, type Auth } from '../auth.js';
import { sendDownload } from '../download.js';

export interface MaintenanceRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
  readonly telemetry: TelemetryStore;
  /** Visits shorter than this are flagged for a spot check (LW_MIN_VISIT_MINUTES). */
  readonly minVisitMinutes: number;
}

/** Without `from`, the visit list covers this many days before `to`. */
const DEFAULT_VISIT_DAYS = 30;
const LEAGUE_FILE = 'contractor-league';
const optionalTime = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/**
 * Paperless maintenance: the visits, the overdue elevators per use unit and the contractor league
 * table. Insurers see their elevators, use units their own, regulators and the admin all.
 */
export const maintenanceRoutes: FastifyPluginAsyncZod<MaintenanceRouteOptions> = async (
  app,
  { store, auth, telemetry, minVisitMinutes },
) => {
  const everyone = auth.allow('admin', 'regulator', 'insurer', 'use-unit');

  app.get(
    '/api/maintenance',
    { onRequest: everyone, schema: { querystring: visitQuerySchema, response: { 200: visitListSchema } } },
    async (request) => {
      const { contractor, flagged, elevator } = request.query;
      const to = optionalTime(request.query.to) ?? Date.now();
      const from = optionalTime(request.query.from) ?? to - DEFAULT_VISIT_DAYS * DAY_MS;
      const inScope = elevatorsInScope(store, scopeOf(principalOf(request)));
      const visits = await listVisits(
        telemetry,
        new Map(inScope.map((one) => [one.id, one])),
        { from, to, elevator },
        minVisitMinutes,
      );
      const items = visits.filter(
        (visit) =>
          (contractor === undefined || visit.contractor === contractor) &&
          (flagged === undefined || visit.flagged === flagged),
      );
      return { minVisitMinutes, items };
    },
  );

  app.get(
    '/api/maintenance/overdue',
    { onRequest: everyone, schema: { querystring: overdueQuerySchema, response: { 200: overdueListSchema } } },
    async (request) => {
      const { useUnit, asOf } = request.query;
      const elevators = elevatorsInScope(store, scopeOf(principalOf(request)));
      const chosen = useUnit === undefined ? elevators : elevators.filter((one) => one.useUnit === useUnit);
      return overdueByUseUnit(telemetry, chosen, optionalTime(asOf) ?? Date.now());
    },
  );

  app.get(
    '/api/contractors/scores',
    {
      onRequest: auth.allow('admin', 'regulator', 'insurer'),
      schema: {
        querystring: contractorScoreQuerySchema,
        response: { 200: contractorLeagueSchema.or(z.string().describe('format=csv or xlsx: the table as a file')) },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const from = optionalTime(request.query.from) ?? shanghaiMonthStart(now, 1);
      const to = optionalTime(request.query.to) ?? shanghaiMonthStart(now);
      const league = await contractorLeague(telemetry, store, scopeOf(principalOf(request)), from, to);
      const { format } = request.query;
      if (format === 'json') return league;
      const file =
        format === 'csv'
          ? { body: leagueCsv(league), contentType: CSV_CONTENT_TYPE }
          : { body: await leagueXlsx(league), contentType: XLSX_CONTENT_TYPE };
      return sendDownload(reply, { ...file, fileName: `${LEAGUE_FILE}.${format}` });
    },
  );
};
