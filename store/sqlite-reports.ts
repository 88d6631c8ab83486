import type Database from 'better-sqlite3';
import type { PilotDraft, PilotDraftInfo, PilotDraftListQuery, PilotReport } from '../contract/index.js';
import { pageOf, type Page, type ReportStore } from './types.js';

interface Row {
  id: number;
  year: number;
  /** Empty for a report of every district. */
  district: string;
  as_of: string;
  created_at: number;
  body: string;
}

const PILOT = 'pilot';

const toInfo = (row: Row): PilotDraftInfo => ({
  id: String(row.id),
  year: row.year,
  district: row.district || null,
  asOf: row.as_of,
  createdAt: new Date(row.created_at).toISOString(),
});

export class SqliteReportStore implements ReportStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      upsert: db.prepare(
        `INSERT INTO reports (kind, year, district, as_of, created_at, body)
         VALUES (@kind, @year, @district, @asOf, @createdAt, @body)
         ON CONFLICT (kind, year, district) DO UPDATE SET as_of = excluded.as_of,
           created_at = excluded.created_at, body = excluded.body`,
      ),
      byScope: db.prepare<[string, number, string], Row>(
        'SELECT * FROM reports WHERE kind = ? AND year = ? AND district = ?',
      ),
      get: db.prepare<[string, number], Row>('SELECT * FROM reports WHERE kind = ? AND id = ?'),
    };
  }

  putPilot(report: PilotReport, now: Date): PilotDraft {
    const district = report.district ?? '';
    this.statements.upsert.run({
      kind: PILOT,
      year: report.year,
      district,
      asOf: report.asOf,
      createdAt: now.getTime(),
      body: JSON.stringify(report),
    });
    return this.getPilot(String(this.statements.byScope.get(PILOT, report.year, district)?.id)) as PilotDraft;
  }

  getPilot(id: string): PilotDraft | undefined {
    const row = this.statements.get.get(PILOT, Number(id));
    return row && { ...toInfo(row), report: JSON.parse(row.body) as PilotReport };
  }

  listPilot(query: PilotDraftListQuery): Page<PilotDraftInfo> {
    const where = ['kind = @kind', 'id > @after'];
    if (query.year !== undefined) where.push('year = @year');
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `SELECT id, year, district, as_of, created_at FROM reports WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`,
      )
      .all({ ...query, kind: PILOT, after: Number(query.after ?? 0), limit: query.limit + 1 });
    return pageOf(rows, query.limit, toInfo);
  }
}
