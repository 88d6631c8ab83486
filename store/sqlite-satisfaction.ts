import type Database from 'better-sqlite3';
import type { Satisfaction, SatisfactionInput, SatisfactionListQuery } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type Page, type SatisfactionStore } from './types.js';

interface Row {
  id: number;
  district: string;
  /** Empty for a survey of the whole district: NULL would escape the unique index. */
  use_unit: string;
  period: string;
  percent: number;
  created_at: number;
}

const toSatisfaction = (row: Row): Satisfaction => ({
  id: String(row.id),
  district: row.district,
  useUnit: row.use_unit || null,
  period: row.period,
  percent: row.percent,
  createdAt: new Date(row.created_at).toISOString(),
});

/** Periods start with their year: `2026`, `2026-Q4`, `2026-11`. */
const yearPrefix = (year: number) => `${year}%`;

export class SqliteSatisfactionStore implements SatisfactionStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO satisfaction (district, use_unit, period, percent, created_at)
         VALUES (@district, @useUnit, @period, @percent, @createdAt)
         ON CONFLICT (district, use_unit, period) DO NOTHING`,
      ),
      get: db.prepare<[number], Row>('SELECT * FROM satisfaction WHERE id = ?'),
      ofYear: db.prepare<[string], Row>('SELECT * FROM satisfaction WHERE period LIKE ? ORDER BY id'),
    };
  }

  private insert(result: SatisfactionInput, now: Date): Satisfaction | LiftwatchError {
    const { changes, lastInsertRowid } = this.statements.insert.run({
      ...result,
      useUnit: result.useUnit ?? '',
      createdAt: now.getTime(),
    });
    if (changes === 0) {
      const who = result.useUnit === undefined ? `district ${result.district}` : `use unit ${result.useUnit}`;
      return new LiftwatchError('LW_ERR_DUPLICATE', `period: ${who} already has a survey result for ${result.period}`);
    }
    return toSatisfaction(this.statements.get.get(Number(lastInsertRowid)) as Row);
  }

  addMany(results: readonly SatisfactionInput[], now: Date): Array<Satisfaction | LiftwatchError> {
    return this.db.transaction(() => results.map((result) => this.insert(result, now))).immediate();
  }

  ofYear(year: number): Satisfaction[] {
    return this.statements.ofYear.all(yearPrefix(year)).map(toSatisfaction);
  }

  list(query: SatisfactionListQuery): Page<Satisfaction> {
    const where = ['id > @after'];
    if (query.district !== undefined) where.push('district = @district');
    if (query.useUnit !== undefined) where.push('use_unit = @useUnit');
    if (query.year !== undefined) where.push('period LIKE @yearPrefix');
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `SELECT * FROM satisfaction WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`,
      )
      .all({
        ...query,
        yearPrefix: query.year === undefined ? undefined : yearPrefix(query.year),
        after: Number(query.after ?? 0),
        limit: query.limit + 1,
      });
    return pageOf(rows, query.limit, toSatisfaction);
  }
}
