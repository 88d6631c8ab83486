import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  CLOSED_STATUSES,
  TICKET_ACTIONS,
  type FaultSeverity,
  type Ticket,
  type TicketAction,
  type TicketCategory,
  type TicketDetail,
  type TicketEvidence,
  type TicketListQuery,
  type TicketStatus,
  type TicketEventType,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import {
  pageOf,
  pageWhere,
  type NewTicket,
  type OccurrenceInput,
  type Page,
  type RecordResult,
  type BacklogRow,
  type Scope,
  type TicketStore,
} from './types.js';

/** The actor of what liftwatch does by itself (a rule resolving its own ticket). */
export const SYSTEM_ACTOR = 'liftwatch';

interface TicketRow {
  id: number;
  elevator: string;
  rule: string;
  rule_version: number;
  config_version: number;
  severity: FaultSeverity;
  category: TicketCategory;
  status: TicketStatus;
  title: string;
  external: number;
  district: string;
  use_unit: string;
  insurer: string;
  contractor: string;
  opened_at: number;
  first_occurrence_at: number;
  last_occurrence_at: number;
  occurrence_count: number;
  deadline_at: number | null;
  created_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  dispatched_at: number | null;
  dispatched_by: string | null;
  arrived_at: number | null;
  arrived_by: string | null;
  closed_at: number | null;
  closed_by: string | null;
  close_note: string | null;
  evidence: string | null;
}

interface OccurrenceRow {
  at: number;
  seq: number | null;
  code: number | null;
  floor: number | null;
  external: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const toTicket = (row: TicketRow): Ticket => ({
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
  district: row.district,
  useUnit: row.use_unit,
  insurer: row.insurer,
  contractor: row.contractor,
  openedAt: iso(row.opened_at),
  firstOccurrenceAt: iso(row.first_occurrence_at),
  lastOccurrenceAt: iso(row.last_occurrence_at),
  occurrenceCount: row.occurrence_count,
  deadlineAt: isoOrNull(row.deadline_at),
  createdAt: iso(row.created_at),
  acknowledged: { at: isoOrNull(row.acknowledged_at), by: row.acknowledged_by },
  dispatched: { at: isoOrNull(row.dispatched_at), by: row.dispatched_by },
  arrived: { at: isoOrNull(row.arrived_at), by: row.arrived_by },
  closed: { at: isoOrNull(row.closed_at), by: row.closed_by, note: row.close_note },
  evidence: row.evidence === null ? null : (JSON.parse(row.evidence) as TicketEvidence),
});

/** The columns each action stamps. */
const STAMPS: Readonly<Record<TicketAction, readonly [at: string, by: string]>> = {
  ack: ['acknowledged_at', 'acknowledged_by'],
  dispatch: ['dispatched_at', 'dispatched_by'],
  arrive: ['arrived_at', 'arrived_by'],
  resolve: ['closed_at', 'closed_by'],
  'false-alarm': ['closed_at', 'closed_by'],
};

const OPEN = "status NOT IN ('resolved', 'false_alarm')";
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** List filters: column and query field. */
const LIST_FILTERS = [
  ['elevator', 'elevator'],
  ['status', 'status'],
  ['rule', 'rule'],
  ['severity', 'severity'],
  ['district', 'district'],
  ['use_unit', 'useUnit'],
  ['insurer', 'insurer'],
] as const;

export class SqliteTicketStore implements TicketStore {
  private readonly statements;
  private readonly recordTransaction;
  private readonly eventListeners = new Set<() => void>();
  private eventsAnnounced = true;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      active: db.prepare<[string, string], TicketRow>(
        `SELECT * FROM tickets WHERE elevator = ? AND rule = ? AND ${OPEN}`,
      ),
      byId: db.prepare<[number], TicketRow>('SELECT * FROM tickets WHERE id = ?'),
      activeFor: db.prepare<[string], TicketRow>(`SELECT * FROM tickets WHERE rule = ? AND ${OPEN} ORDER BY id`),
      countsByUseUnit: db.prepare<
        [number, number],
        { useUnit: string; severity: FaultSeverity; opened: number; active: number }
      >(
        `SELECT use_unit AS useUnit, severity,
           sum(opened_at >= ? AND opened_at < ?) AS opened,
           sum(${OPEN}) AS active
         FROM tickets GROUP BY use_unit, severity`,
      ),
      openedByElevatorAndRule: db.prepare<[number, number], { elevator: string; rule: string; opened: number }>(
        `SELECT elevator, rule, count(*) AS opened FROM tickets
         WHERE opened_at >= ? AND opened_at < ? AND status != 'false_alarm' GROUP BY elevator, rule`,
      ),
      insert: db.prepare(
        `INSERT INTO tickets (elevator, rule, rule_version, config_version, severity, category, status, title, external,
           district, use_unit, insurer, contractor, opened_at, first_occurrence_at, last_occurrence_at, occurrence_count,
           deadline_at, created_at, evidence)
         VALUES (@elevator, @rule, @ruleVersion, @configVersion, @severity, @category, 'open', @title, @external,
           @district, @useUnit, @insurer, @contractor, @openedAt, @openedAt, @openedAt, 0, @deadlineAt, @createdAt,
           @evidence)`,
      ),
      addOccurrence: db.prepare(
        'INSERT OR IGNORE INTO ticket_occurrences (ticket_id, at, seq, code, floor, external) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      refreshCounts: db.prepare(
        `UPDATE tickets SET
           occurrence_count = (SELECT count(*) FROM ticket_occurrences WHERE ticket_id = tickets.id),
           first_occurrence_at = (SELECT min(at) FROM ticket_occurrences WHERE ticket_id = tickets.id),
           last_occurrence_at = (SELECT max(at) FROM ticket_occurrences WHERE ticket_id = tickets.id)
         WHERE id = ?`,
      ),
      occurrences: db.prepare<[number], OccurrenceRow>(
        'SELECT at, seq, code, floor, external FROM ticket_occurrences WHERE ticket_id = ? ORDER BY at, seq',
      ),
      history: db.prepare<[number], { at: number; action: string; actor: string; note: string | null }>(
        'SELECT at, action, actor, note FROM ticket_history WHERE ticket_id = ? ORDER BY at, rowid',
      ),
      addHistory: db.prepare('INSERT INTO ticket_history (ticket_id, at, action, actor, note) VALUES (?, ?, ?, ?, ?)'),
      addEvent: db.prepare(
        `INSERT INTO ticket_events (ticket_id, type, at, insurer, use_unit, body)
         VALUES (@ticketId, @type, @at, @insurer, @useUnit, @body)`,
      ),
      // The outbox row goes in with the event, so a ticket change is never announced twice or not at all.
      addDelivery: db.prepare(
        `INSERT INTO deliveries (id, event_id, ticket_id, insurer, url, status, attempts, created_at, next_attempt_at)
         SELECT @id, @eventId, @ticketId, id, webhook_url, 'pending', 0, @at, @at
         FROM principals WHERE kind = 'insurer' AND id = @insurer AND webhook_url IS NOT NULL`,
      ),
      deadlinesBefore: db.prepare<[number], TicketRow>(
        `SELECT * FROM tickets WHERE deadline_at <= ? AND deadline_warned_at IS NULL AND arrived_at IS NULL AND ${OPEN}
         ORDER BY deadline_at`,
      ),
      markWarned: db.prepare('UPDATE tickets SET deadline_warned_at = ? WHERE id = ?'),
      backlog: db.prepare<{ now: number; day: number; week: number }, BacklogRow>(
        `SELECT insurer, severity, count(*) AS open,
           sum(@now - created_at < @day) AS ageUnder1d,
           sum(@now - created_at >= @day AND @now - created_at < @week) AS age1to7d,
           sum(@now - created_at >= @week) AS ageOver7d
         FROM tickets WHERE ${OPEN} GROUP BY insurer, severity ORDER BY insurer, severity`,
      ),
    };
    this.recordTransaction = db.transaction((ticket: NewTicket, now: number): RecordResult => {
      let row = this.statements.active.get(ticket.elevator.id, ticket.rule);
      const opened = row === undefined;
      if (!row) {
        const { elevator } = ticket;
        // The occurrence that opened it is the one that met the rule: the latest of those given.
        const openedAt = Math.max(...ticket.occurrences.map((occurrence) => occurrence.at));
        const { lastInsertRowid } = this.statements.insert.run({
          ...ticket,
          elevator: elevator.id,
          external: ticket.external ? 1 : 0,
          district: elevator.district,
          useUnit: elevator.useUnit,
          insurer: elevator.insurer,
          contractor: elevator.contractor,
          openedAt,
          createdAt: now,
          evidence: ticket.evidence ? JSON.stringify(ticket.evidence) : null,
        });
        this.statements.addHistory.run(lastInsertRowid, now, 'open', SYSTEM_ACTOR, ticket.title);
        row = this.statements.byId.get(Number(lastInsertRowid)) as TicketRow;
      }
      const added = this.addOccurrences(row.id, ticket.occurrences);
      this.statements.refreshCounts.run(row.id);
      const updated = this.statements.byId.get(row.id) as TicketRow;
      if (opened) this.emit(updated, 'ticket.opened', now, SYSTEM_ACTOR, ticket.title);
      else if (added > 0) this.emit(updated, 'ticket.occurrence_added', now, SYSTEM_ACTOR, null);
      return { ticket: toTicket(updated), opened, added };
    });
  }

  record(ticket: NewTicket, now: Date): RecordResult {
    if (ticket.occurrences.length === 0) throw new Error('a ticket needs at least one occurrence');
    return this.recordTransaction(ticket, now.getTime());
  }

  active(elevator: string, rule: string): Ticket | undefined {
    const row = this.statements.active.get(elevator, rule);
    return row && toTicket(row);
  }

  activeFor(rule: string): Ticket[] {
    return this.statements.activeFor.all(rule).map(toTicket);
  }

  countsByUseUnit(from: number, to: number) {
    return this.statements.countsByUseUnit.all(from, to);
  }

  openedByElevatorAndRule(from: number, to: number) {
    return this.statements.openedByElevatorAndRule.all(from, to);
  }

  get(id: string): TicketDetail | undefined {
    const row = /^\d+$/.test(id) ? this.statements.byId.get(Number(id)) : undefined;
    if (!row) return undefined;
    return {
      ...toTicket(row),
      occurrences: this.statements.occurrences.all(row.id).map((occurrence) => ({
        at: iso(occurrence.at),
        seq: occurrence.seq,
        code: occurrence.code,
        floor: occurrence.floor,
        external: occurrence.external === 1,
      })),
      history: this.statements.history.all(row.id).map((entry) => ({ ...entry, at: iso(entry.at) })),
    };
  }

  list(
    query: Omit<TicketListQuery, 'order'> & Partial<Pick<TicketListQuery, 'order'>>,
    scope: Scope = {},
  ): Page<Ticket> {
    const newest = query.order === 'newest';
    const where = pageWhere(query, LIST_FILTERS);
    if (scope.insurer !== undefined) where.push('insurer = @scopeInsurer');
    if (scope.useUnit !== undefined) where.push('use_unit = @scopeUseUnit');
    const rows = this.db
      .prepare<Record<string, unknown>, TicketRow>(
        `SELECT * FROM tickets WHERE ${where.join(' AND ')} ORDER BY id ${newest ? 'DESC' : 'ASC'} LIMIT @limit`,
      )
      .all({
        ...query,
        scopeInsurer: scope.insurer,
        scopeUseUnit: scope.useUnit,
        after: Number(query.after ?? 0),
        limit: query.limit + 1,
      });
    return pageOf(rows, query.limit, toTicket);
  }

  transition(id: string, action: TicketAction, actor: string, note: string | null, now: Date): Ticket {
    return this.db.transaction(() => {
      const row = /^\d+$/.test(id) ? this.statements.byId.get(Number(id)) : undefined;
      if (!row) throw new LiftwatchError('LW_ERR_NOT_FOUND', `No ticket ${id}`);
      const { from, to } = TICKET_ACTIONS[action];
      if (!(from as readonly TicketStatus[]).includes(row.status)) {
        throw new LiftwatchError(
          'LW_ERR_TICKET_TRANSITION',
          `Ticket ${id} is ${row.status}: ${action} is possible only from ${from.join(' or ')}`,
        );
      }
      const [atColumn, byColumn] = STAMPS[action];
      const closing = CLOSED_STATUSES.includes(to);
      this.db
        .prepare(
          `UPDATE tickets SET status = ?, ${atColumn} = ?, ${byColumn} = ?${closing ? ', close_note = ?' : ''} WHERE id = ?`,
        )
        .run(...(closing ? [to, now.getTime(), actor, note, row.id] : [to, now.getTime(), actor, row.id]));
      this.statements.addHistory.run(row.id, now.getTime(), action, actor, note);
      const updated = this.statements.byId.get(row.id) as TicketRow;
      this.emit(updated, `ticket.${to}`, now.getTime(), actor, note);
      return toTicket(updated);
    })();
  }

  backlog(now: Date): BacklogRow[] {
    return this.statements.backlog.all({ now: now.getTime(), day: DAY_MS, week: WEEK_MS });
  }

  warnDeadlines(before: Date, now: Date): Ticket[] {
    return this.db.transaction(() =>
      this.statements.deadlinesBefore.all(before.getTime()).map((row) => {
        this.statements.markWarned.run(now.getTime(), row.id);
        this.emit(row, 'ticket.deadline_near', now.getTime(), SYSTEM_ACTOR, null);
        return toTicket(row);
      }),
    )();
  }

  onEvents(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** After the transaction that journaled them (it is synchronous), once for all of a turn's events. */
  private announceEvents(): void {
    if (!this.eventsAnnounced || this.eventListeners.size === 0) return;
    this.eventsAnnounced = false;
    setImmediate(() => {
      this.eventsAnnounced = true;
      for (const listener of this.eventListeners) listener();
    });
  }

  /** Journals a change and queues its webhook delivery; call inside the transaction that made the change. */
  private emit(row: TicketRow, type: TicketEventType, at: number, actor: string | null, note: string | null): void {
    const ticket = toTicket(row);
    const { lastInsertRowid } = this.statements.addEvent.run({
      ticketId: row.id,
      type,
      at,
      insurer: row.insurer,
      useUnit: row.use_unit,
      body: JSON.stringify({ ticket, actor, note }),
    });
    this.statements.addDelivery.run({
      id: randomUUID(),
      eventId: lastInsertRowid,
      ticketId: row.id,
      at,
      insurer: row.insurer,
    });
    this.announceEvents();
  }

  resolveActive(elevator: string, rule: string, note: string, now: Date, unlessActedOn = false): boolean {
    return this.db.transaction(() => {
      const row = this.statements.active.get(elevator, rule);
      if (!row || (unlessActedOn && row.status !== 'open')) return false;
      this.transition(String(row.id), 'resolve', SYSTEM_ACTOR, note, now);
      return true;
    })();
  }

  private addOccurrences(ticketId: number, occurrences: readonly OccurrenceInput[]): number {
    let added = 0;
    for (const o of occurrences) {
      added += this.statements.addOccurrence.run(ticketId, o.at, o.seq, o.code, o.floor, o.external ? 1 : 0).changes;
    }
    return added;
  }
}
