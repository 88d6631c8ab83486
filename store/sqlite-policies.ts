import type Database from 'better-sqlite3';
import { FEN_PER_YUAN, type Policy, type PolicyInput, type PolicyListQuery } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type Page, type PolicyStore, type Scope } from './types.js';

interface Row {
  id: number;
  elevator: string;
  insurer: string;
  valid_from: string;
  valid_to: string;
  premium_fen: number;
  premium_source: Policy['premiumSource'];
  created_at: number;
}

const toPolicy = (row: Row): Policy => ({
  id: String(row.id),
  elevator: row.elevator,
  insurer: row.insurer,
  from: row.valid_from,
  to: row.valid_to,
  premiumYuan: row.premium_fen / FEN_PER_YUAN,
  premiumSource: row.premium_source,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The dates of a calendar year, for "overlaps the year" (both ends covered). */
const yearDates = (year: number) => ({ yearFirst: `${year}-01-01`, yearLast: `${year}-12-31` });

export class SqlitePolicyStore implements PolicyStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO policies (elevator, insurer, valid_from, valid_to, premium_fen, premium_source, created_at)
         VALUES (@elevator, @insurer, @from, @to, @premiumFen, @premiumSource, @createdAt)`,
      ),
      overlap: db.prepare<{ elevator: string; from: string; to: string }, Row>(
        'SELECT * FROM policies WHERE elevator = @elevator AND valid_from <= @to AND valid_to >= @from LIMIT 1',
      ),
      get: db.prepare<[number], Row>('SELECT * FROM policies WHERE id = ?'),
      covering: db.prepare<[string, string, string], Row>(
        'SELECT * FROM policies WHERE elevator = ? AND valid_from <= ? AND valid_to >= ?',
      ),
      ofYear: db.prepare<{ yearFirst: string; yearLast: string }, Row>(
        `SELECT * FROM policies WHERE valid_from <= @yearLast AND valid_to >= @yearFirst
         ORDER BY elevator, valid_from`,
      ),
    };
  }

  private insert(policy: PolicyInput, now: Date): Policy | LiftwatchError {
    const clash = this.statements.overlap.get(policy);
    if (clash) {
      return new LiftwatchError(
        'LW_ERR_POLICY_OVERLAP',
        `from/to: elevator ${policy.elevator} already has policy ${clash.id} for ${clash.valid_from} to ${clash.valid_to}`,
      );
    }
    const { lastInsertRowid } = this.statements.insert.run({
      ...policy,
      premiumFen: Math.round(policy.premiumYuan * FEN_PER_YUAN),
      createdAt: now.getTime(),
    });
    return toPolicy(this.statements.get.get(Number(lastInsertRowid)) as Row);
  }

  addMany(policies: readonly PolicyInput[], now: Date): Array<Policy | LiftwatchError> {
    return this.db.transaction(() => policies.map((policy) => this.insert(policy, now))).immediate();
  }

  covering(elevator: string, date: string): Policy | undefined {
    const row = this.statements.covering.get(elevator, date, date);
    return row && toPolicy(row);
  }

  ofYear(year: number): Policy[] {
    return this.statements.ofYear.all(yearDates(year)).map(toPolicy);
  }

  list(query: PolicyListQuery, scope: Scope = {}): Page<Policy> {
    const where = ['p.id > @after'];
    if (query.elevator !== undefined) where.push('p.elevator = @elevator');
    if (query.insurer !== undefined) where.push('p.insurer = @insurer');
    if (query.district !== undefined) where.push('e.district = @district');
    if (query.year !== undefined) where.push('p.valid_from <= @yearLast AND p.valid_to >= @yearFirst');
    if (scope.insurer !== undefined) where.push('p.insurer = @scopeInsurer');
    if (scope.useUnit !== undefined) where.push('e.use_unit = @scopeUseUnit');
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `SELECT p.* FROM policies p JOIN elevators e ON e.id = p.elevator
         WHERE ${where.join(' AND ')} ORDER BY p.id LIMIT @limit`,
      )
      .all({
        ...query,
        ...(query.year === undefined ? {} : yearDates(query.year)),
        after: Number(query.after ?? 0),
        limit: query.limit + 1,
        scopeInsurer: scope.insurer,
        scopeUseUnit: scope.useUnit,
      });
    return pageOf(rows, query.limit, toPolicy);
  }
}
