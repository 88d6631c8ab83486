import type { PilotDraft, PilotDraftRequest } from '../contract/index.js';
import { shanghaiDate } from '../lib/shanghai.js';
import type { Job } from '../rules/scheduler.js';
import type { Store } from '../store/types.js';
import { buildPilotReport } from './pilot.js';

/** 1 December, 08:00 Asia/Shanghai: districts report before 20 December, so this leaves them the weeks between. */
export const PILOT_DRAFT_SCHEDULE = '0 8 1 12 *';

/** Drafts the report (as of today unless `asOf` says otherwise) and keeps it, replacing the year's and district's earlier draft. */
export function draftPilotReport(store: Store, request: PilotDraftRequest, now: Date): PilotDraft {
  const report = buildPilotReport(store, { ...request, asOf: request.asOf ?? shanghaiDate(now.getTime()) });
  return store.reports.putPilot(report, now);
}

/** The December draft of the current year, every district in one report. */
export function pilotReportJobs(store: Store): Job[] {
  return [
    {
      name: 'pilot report draft',
      schedule: PILOT_DRAFT_SCHEDULE,
      run: async (now: Date) => draftPilotReport(store, { year: Number(shanghaiDate(now.getTime()).slice(0, 4)) }, now),
    },
  ];
}
