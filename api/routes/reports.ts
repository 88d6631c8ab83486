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
  type PilotReport,
  type ReportFormat,
  type ReportTable,
} from '../../contract/index.js';
import { LiftwatchError } from '../../lib/errors.js';
import { shanghaiDate } from '../../lib/shanghai.js';
import { buildPilotReport } from '../../reports/pilot.js';
import { draftPilotReport } from '../../reports/pilot-drafts.js';
import { renderPilot } from '../../reports/pilot-files.js';
import type { Store } from '../../store/types.js';
import type { Auth } from '../auth.js';

export interface ReportRouteOptions {
  readonly store: Store;
  readonly auth: Auth;
}

const binaryResponse = z.string().describe('format=json: the report as below; csv and xlsx: the file');

/** CSV or XLSX as a download (JSON goes through the response schema instead). */
async function sendFile(reply: FastifyReply, report: PilotReport, format: ReportFormat, table?: ReportTable) {
  const file = await renderPilot(report, format, table);
  // The plain filename drops what is not ASCII (a Chinese district); filename* keeps it (RFC 6266).
  const ascii = file.fileName.replace(/[^\w.-]+/g, '').replace(/-{2,}/g, '-');
  const disposition = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`;
  return reply.type(file.contentType).header('content-disposition', disposition).send(file.body);
}

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
      const { format, table, ...scope } = request.query;
      const report = buildPilotReport(store, { ...scope, asOf: scope.asOf ?? shanghaiDate(Date.now()) });
      return format === 'json' ? report : sendFile(reply, report, format, table);
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
      const { format, table } = request.query;
      return format === 'json' ? draft : sendFile(reply, draft.report, format, table);
    },
  );
};
