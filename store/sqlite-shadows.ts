import type Database from 'better-sqlite3';
import type { FaultSeverity, ShadowRecord, TicketCategory } from '../contract/index.js';
import { SYSTEM_ACTOR } from './sqlite-tickets.js';
import { pageOf, pageWhere, type NewTicket, type Page, type ShadowStore } from './types.js';

interface ShadowRow {
  id: number;
  elevator: string;
  rule: string;
  rule_version: number;
  config_version: number;
  severity: FaultSeverity;
  category: TicketCategory;
  status: ShadowRecord['status'];
  title: string;
  external: number;
  opened_at: number;
  last_occurrence_at: number;
  occurrence_count: number;
  created_at: number;
  closed_at: number | null;
  closed_by: string | null;
  close_note: string | null;
  evidence: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

const toRecord = (row: ShadowRow): ShadowRecord => ({
  id: String(row.id),
  elevator: row.elevator,
  rule: row.rule,
  ruleVersion: row.rule_version,
  configVersion: row.config_version,
  severity: row.severity,
  category: row.category,
  status: row.status,
  title: row.title,
  external: row.external === 1,
  openedAt: iso(row.opened_at),
  lastOccurrenceAt: iso(row.last_occurrence_at),
  occurrenceCount: row.occurrence_count,
  createdAt: iso(row.created_at),
  closed: {
    at: row.closed_at === null ? null : iso(row.closed_at),
    by: row.closed_by,
    note: row.close_note,
  },
  evidence: row.evidence === null ? null : (JSON.parse(row.evidence) as ShadowRecord['evidence']),
});

/** The filters of `list`, each a column compared for equality. */
const LIST_FILTERS = [
  ['rule', 'rule'],
  ['elevator', 'elevator'],
] as const;

export class SqliteShadowStore implements ShadowStore {
  private readonly statements;
  private readonly recordTransaction;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      active: db.prepare<[string, string], ShadowRow>(
        "SELECT * FROM shadow_records WHERE elevator = ? AND rule = ? AND status = 'open'",
      ),
      activeFor: db.prepare<[string], ShadowRow>(
        "SELECT * FROM shadow_records WHERE rule = ? AND status = 'open' ORDER BY id",
      ),
      byId: db.prepare<[number], ShadowRow>('SELECT * FROM shadow_records WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO shadow_records (elevator, rule, rule_version, config_version, severity, category, status, title,
           external, opened_at, last_occurrence_at, occurrence_count, created_at, evidence)
         VALUES (@elevator, @rule, @ruleVersion, @configVersion, @severity, @category, 'open', @title, @external,
           @openedAt, @openedAt, 0, @createdAt, @evidence)`,
      ),
      addOccurrence: db.prepare(
        'INSERT OR IGNORE INTO shadow_occurrences (record_id, at, seq, code, floor) VALUES (?, ?, ?, ?, ?)',
      ),
      refreshCounts: db.prepare(
        `UPDATE shadow_records SET
           occurrence_count = (SELECT count(*) FROM shadow_occurrences WHERE record_id = shadow_records.id),
           last_occurrence_at = (SELECT max(at) FROM shadow_occurrences WHERE record_id = shadow_records.id)
         WHERE id = ?`,
      ),
      close: db.prepare(
        "UPDATE shadow_records SET status = 'resolved', closed_at = ?, closed_by = ?, close_note = ? WHERE id = ?",
      ),
    };
    this.recordTransaction = db.transaction((ticket: NewTicket, now: number) => {
      let row = this.statements.active.get(ticket.elevator.id, ticket.rule);
      const opened = row === undefined;
      if (!row) {
        // As a ticket's: the occurrence that met the rule, the latest of those given, opened it.
        const openedAt = Math.max(...ticket.occurrences.map((occurrence) => occurrence.at));
        const { lastInsertRowid } = this.statements.insert.run({
          elevator: ticket.elevator.id,
          rule: ticket.rule,
          ruleVersion: ticket.ruleVersion,
          configVersion: ticket.configVersion,
          severity: ticket.severity,
          category: ticket.category,
          title: ticket.title,
          external: ticket.external ? 1 : 0,
          openedAt,
          createdAt: now,
          evidence: ticket.evidence ? JSON.stringify(ticket.evidence) : null,
        });
        row = this.statements.byId.get(Number(lastInsertRowid)) as ShadowRow;
      }
      let added = 0;
      for (const o of ticket.occurrences) {
        added += this.statements.addOccurrence.run(row.id, o.at, o.seq, o.code, o.floor).changes;
      }
      this.statements.refreshCounts.run(row.id);
      return { record: toRecord(this.statements.byId.get(row.id) as ShadowRow), opened, added };
    });
  }

  record(ticket: NewTicket, now: Date) {
    if (ticket.occurrences.length === 0) throw new Error('a shadow record needs at least one occurrence');
    return this.recordTransaction(ticket, now.getTime());
  }

  active(elevator: string, rule: string): ShadowRecord | undefined {
    const row = this.statements.active.get(elevator, rule);
    return row && toRecord(row);
  }

  activeFor(rule: string): ShadowRecord[] {
    return this.statements.activeFor.all(rule).map(toRecord);
  }

  /** Nobody sees a shadow record to act on it: `unlessActedOn` holds for every one. */
  resolveActive(elevator: string, rule: string, note: string, now: Date): boolean {
    const row = this.statements.active.get(elevator, rule);
    if (!row) return false;
    this.statements.close.run(now.getTime(), SYSTEM_ACTOR, note, row.id);
    return true;
  }

  list(query: Parameters<ShadowStore['list']>[0]): Page<ShadowRecord> {
    const newest = query.order === 'newest';
    const where = pageWhere(query, LIST_FILTERS);
    if (query.from !== undefined) where.push('opened_at >= @from');
    if (query.to !== undefined) where.push('opened_at < @to');
    const rows = this.db
      .prepare<Record<string, unknown>, ShadowRow>(
        `SELECT * FROM shadow_records WHERE ${where.join(' AND ')} ORDER BY id ${newest ? 'DESC' : 'ASC'} LIMIT @limit`,
      )
      .all({
        rule: query.rule,
        elevator: query.elevator,
        from: query.from === undefined ? undefined : Date.parse(query.from),
        to: query.to === undefined ? undefined : Date.parse(query.to),
        after: Number(query.after ?? 0),
        limit: query.limit + 1,
      });
    return pageOf(rows, query.limit, toRecord);
  }
}
