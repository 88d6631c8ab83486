import type Database from 'better-sqlite3';
import { FEN_PER_YUAN, type Claim, type ClaimListQuery } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { shanghaiYear } from '../lib/shanghai.js';
import { pageOf, type ClaimStore, type NewClaim, type Page, type Scope } from './types.js';

interface Row {
  id: number;
  elevator: string;
  policy_id: number;
  insurer: string;
  amount_fen: number;
  occurred_at: number;
  reported_at: number;
  paid_at: number;
  created_at: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const toClaim = (row: Row): Claim => ({
  id: String(row.id),
  elevator: row.elevator,
  amountYuan: row.amount_fen / FEN_PER_YUAN,
  occurredAt: iso(row.occurred_at),
  reportedAt: iso(row.reported_at),
  paidAt: iso(row.paid_at),
  policy: String(row.policy_id),
  insurer: row.insurer,
  createdAt: iso(row.created_at),
});

/** Each claim with its policy's insurer. */
const SELECT = 'SELECT c.*, p.insurer FROM claims c JOIN policies p ON p.id = c.policy_id';

export class SqliteClaimStore implements ClaimStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO claims (elevator, policy_id, amount_fen, occurred_at, reported_at, paid_at, created_at)
         VALUES (@elevator, @policy, @amountFen, @occurredAt, @reportedAt, @paidAt, @createdAt)
         ON CONFLICT (elevator, occurred_at, reported_at) DO NOTHING`,
      ),
      get: db.prepare<[number], Row>(`${SELECT} WHERE c.id = ?`),
      paidBetween: db.prepare<[number, number], Row>(`${SELECT} WHERE c.paid_at >= ? AND c.paid_at < ? ORDER BY c.id`),
    };
  }

  private insert(claim: NewClaim, now: Date): Claim | LiftwatchError {
    const { changes, lastInsertRowid } = this.statements.insert.run({
      elevator: claim.elevator,
      policy: Number(claim.policy),
      amountFen: Math.round(claim.amountYuan * FEN_PER_YUAN),
      occurredAt: Date.parse(claim.occurredAt),
      reportedAt: Date.parse(claim.reportedAt),
      paidAt: Date.parse(claim.paidAt),
      createdAt: now.getTime(),
    });
    if (changes === 0) {
      return new LiftwatchError(
        'LW_ERR_DUPLICATE',
        `occurredAt/reportedAt: elevator ${claim.elevator} already has a claim occurred and reported at these times`,
      );
    }
    return toClaim(this.statements.get.get(Number(lastInsertRowid)) as Row);
  }

  addMany(claims: readonly NewClaim[], now: Date): Array<Claim | LiftwatchError> {
    return this.db.transaction(() => claims.map((claim) => this.insert(claim, now))).immediate();
  }

  paidBetween(from: number, to: number): Claim[] {
    return this.statements.paidBetween.all(from, to).map(toClaim);
  }

  list(query: ClaimListQuery, scope: Scope = {}): Page<Claim> {
    const where = ['c.id > @after'];
    if (query.elevator !== undefined) where.push('c.elevator = @elevator');
    if (query.insurer !== undefined) where.push('p.insurer = @insurer');
    if (query.district !== undefined) where.push('e.district = @district');
    if (query.year !== undefined) where.push('c.paid_at >= @yearStart AND c.paid_at < @yearEnd');
    if (scope.insurer !== undefined) where.push('p.insurer = @scopeInsurer');
    if (scope.useUnit !== undefined) where.push('e.use_unit = @scopeUseUnit');
    const year = query.year === undefined ? undefined : shanghaiYear(query.year);
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `${SELECT} JOIN elevators e ON e.id = c.elevator WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT @limit`,
      )
      .all({
        ...query,
        yearStart: year?.start,
        yearEnd: year?.end,
        after: Number(query.after ?? 0),
        limit: query.limit + 1,
        scopeInsurer: scope.insurer,
        scopeUseUnit: scope.useUnit,
      });
    return pageOf(rows, query.limit, toClaim);
  }
}
