import type Database from 'better-sqlite3';
import type { Digest, DigestListQuery } from '../contract/index.js';
import { pageOf, type DigestBody, type DigestStore, type Page } from './types.js';

interface Row {
  id: number;
  use_unit: string;
  kind: Digest['kind'];
  period_start: number;
  period_end: number;
  created_at: number;
  body: string;
}

const toDigest = (row: Row): Digest => ({
  id: String(row.id),
  useUnit: row.use_unit,
  kind: row.kind,
  periodStart: new Date(row.period_start).toISOString(),
  periodEnd: new Date(row.period_end).toISOString(),
  createdAt: new Date(row.created_at).toISOString(),
  ...(JSON.parse(row.body) as DigestBody),
});

export class SqliteDigestStore implements DigestStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      upsert: db.prepare(
        `INSERT INTO digests (use_unit, kind, period_start, period_end, created_at, body) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (use_unit, kind, period_start) DO UPDATE SET period_end = excluded.period_end,
           created_at = excluded.created_at, body = excluded.body`,
      ),
      byPeriod: db.prepare<[string, string, number], Row>(
        'SELECT * FROM digests WHERE use_unit = ? AND kind = ? AND period_start = ?',
      ),
    };
  }

  put(digest: Omit<Digest, 'id'>): Digest {
    const { useUnit, kind, periodStart, periodEnd, createdAt, ...body } = digest;
    const start = Date.parse(periodStart);
    this.statements.upsert.run(
      useUnit,
      kind,
      start,
      Date.parse(periodEnd),
      Date.parse(createdAt),
      JSON.stringify(body),
    );
    return toDigest(this.statements.byPeriod.get(useUnit, kind, start) as Row);
  }

  list(query: DigestListQuery): Page<Digest> {
    const where = ['id > @after'];
    if (query.useUnit !== undefined) where.push('use_unit = @useUnit');
    if (query.kind !== undefined) where.push('kind = @kind');
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `SELECT * FROM digests WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`,
      )
      .all({ ...query, after: Number(query.after ?? 0), limit: query.limit + 1 });
    return pageOf(rows, query.limit, toDigest);
  }
}
