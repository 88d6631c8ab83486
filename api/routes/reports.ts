import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  pilotDraftDownloadQuerySchema,
  pilotDraftListQuerySchema,
  pilotDraftPageSchema,
  pilotDraftRequestSchema,
  pilotDraftSchema,
  pilotReportQuerySchema,
  pilotReportSchema,
  type PilotFileQuery,
  type PilotReport,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import { shanghaiDate } from '../../lib/shanghai.js';
import { buildPilotReport } from '../../reports/pilot.js';
import { draftPilotReport } from '../../reports/pilot-drafts.js';
import { renderPilot } from '../../reports/pilot-files.js';
import type { Store } from '../../store/types.js';
import type { Auth } from '../auth.js';
import { sendDownload } from '../download.js';

export interface ReportRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

const binaryResponse = z.string().describe('format=json: the report as below; csv and xlsx: the file');

/** CSV or XLSX as a download. */
const sendFile = async (reply: FastifyReply, report: PilotReport, query: PilotFileQuery) =>
  sendDownload(reply, await renderPilot(report, query));

/**
 * The yearly pilot report for the regulator: computed on request, drafted on demand or by the
 * December job, as JSON, CSV or XLSX. Use units and insurers are refused (403).
 */
export const reportRoutes: FastifyPluginAsyncZod<ReportRouteOptions> = async (app, { store, auth }) => {
  const readers = auth.allow('admin', 'regulator');

  app.get(
    '/api/reports/pilot',
    {
      onRequest: readers,
      schema: { querystring: pilotReportQuerySchema, response: { 200: pilotReportSchema.or(binaryResponse) } },
    },
    async (request, reply) => {
      const { year, district, asOf, ...file } = request.query;
      const report = buildPilotReport(store, { year, district, asOf: asOf ?? shanghaiDate(Date.now()) });
      return file.format === 'json' ? report : sendFile(reply, report, file);
    },
  );

  app.post(
    '/api/reports/pilot',
    { onRequest: auth.allow('admin'), schema: { body: pilotDraftRequestSchema, response: { 201: pilotDraftSchema } } },
    async (request, reply) => reply.status(201).send(draftPilotReport(store, request.body, new Date())),
  );

  app.get(
    '/api/reports/pilot/drafts',
    {
      onRequest: readers,
      schema: { querystring: pilotDraftListQuerySchema, response: { 200: pilotDraftPageSchema } },
    },
    async (request) => store.reports.listPilot(request.query),
  );

  app.get(
    '/api/reports/pilot/drafts/:id',
    {
      onRequest: readers,
      schema: {
        params: z.object({ id: z.string() }),
        querystring: pilotDraftDownloadQuerySchema,
        response: { 200: pilotDraftSchema.or(binaryResponse) },
      },
    },
    async (request, reply) => {
      const draft = store.reports.getPilot(request.params.id);
      if (!draft) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No pilot report draft ${request.params.id}`);
      return request.query.format === 'json' ? draft : sendFile(reply, draft.report, request.query);
    },
  );
};
