import type Database from 'better-sqlite3';
import type {
  Delivery,
  DeliveryListQuery,
  DeliveryStatus,
  Ticket,
  TicketEvent,
  TicketEventQuery,
  TicketEventType,
} from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type DeliveryStore, type DueDelivery, type Page, type Scope } from './types.js';

interface EventRow {
  id: number;
  type: TicketEventType;
  at: number;
  body: string;
}

interface DeliveryRow {
  id: string;
  event_id: number;
  event_type: TicketEventType;
  ticket_id: number;
  insurer: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function toEvent(row: EventRow): TicketEvent {
  const body = JSON.parse(row.body) as { ticket: Ticket; actor: string | null; note: string | null };
  return { id: row.id, type: row.type, at: iso(row.at), ...body };
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type,
  ticketId: String(row.ticket_id),
  insurer: row.insurer,
  url: row.url,
  status: row.status,
  attempts: row.attempts,
  createdAt: iso(row.created_at),
  nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
  lastAttemptAt: isoOrNull(row.last_attempt_at),
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: isoOrNull(row.delivered_at),
});

const DELIVERY_COLUMNS = 'd.*, e.type AS event_type';

/** Scope conditions over a table alias with `insurer` and `use_unit` columns. */
function scopeWhere(alias: string, scope: Scope): string[] {
  const where: string[] = [];
  if (scope.insurer !== undefined) where.push(`${alias}.insurer = @scopeInsurer`);
  if (scope.useUnit !== undefined) where.push(`${alias}.use_unit = @scopeUseUnit`);
  return where;
}
const scopeParams = (scope: Scope) => ({ scopeInsurer: scope.insurer, scopeUseUnit: scope.useUnit });

export class SqliteDeliveryStore implements DeliveryStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      lastEventId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM ticket_events'),
      // Only the oldest pending delivery of each ticket may go: a later event never overtakes an earlier one.
      // It goes to the insurer's current URL, so fixing a wrong URL also fixes what is queued; while the
      // insurer has none (null stops deliveries), what is queued waits for the next one.
      due: db.prepare<[number, number], DeliveryRow & EventRow & { current_url: string }>(
        `SELECT ${DELIVERY_COLUMNS}, e.at, e.body, coalesce(p.webhook_url, d.url) AS current_url
         FROM deliveries d JOIN ticket_events e ON e.id = d.event_id
         LEFT JOIN principals p ON p.kind = 'insurer' AND p.id = d.insurer
         WHERE d.status = 'pending' AND (p.id IS NULL OR p.webhook_url IS NOT NULL) AND d.event_id = (
           SELECT min(event_id) FROM deliveries p WHERE p.ticket_id = d.ticket_id AND p.status = 'pending')
         AND d.next_attempt_at <= ?
         ORDER BY d.event_id LIMIT ?`,
      ),
      delivered: db.prepare(
        `UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = @now,
           last_status = @status, last_error = NULL, delivered_at = @now WHERE id = @id AND status = 'pending'`,
      ),
      failedAttempt: db.prepare(
        `UPDATE deliveries SET status = @nextStatus, attempts = attempts + 1, last_attempt_at = @now,
           last_status = @status, last_error = @error, next_attempt_at = @nextAttemptAt
         WHERE id = @id AND status = 'pending'`,
      ),
      requeue: db.prepare(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, created_at = ? WHERE id = ? AND status = 'failed'",
      ),
      counts: db.prepare<[], { status: DeliveryStatus; n: number }>(
        'SELECT status, count(*) AS n FROM deliveries GROUP BY status',
      ),
    };
  }

  events(query: TicketEventQuery, scope: Scope): Page<TicketEvent> {
    const where = ['e.id > @after', ...scopeWhere('e', scope)];
    const rows = this.db
      .prepare<Record<string, unknown>, EventRow>(
        `SELECT e.id, e.type, e.at, e.body FROM ticket_events e WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT @limit`,
      )
      .all({ after: query.after, limit: query.limit + 1, ...scopeParams(scope) });
    const items = rows.slice(0, query.limit).map(toEvent);
    return { items, next: rows.length > query.limit ? String(items.at(-1)?.id) : null };
  }

  lastEventId(): number {
    return this.statements.lastEventId.get()?.id ?? 0;
  }

  due(now: number, limit: number): DueDelivery[] {
    return this.statements.due.all(now, limit).map((row) => ({
      id: row.id,
      insurer: row.insurer,
      url: row.current_url,
      attempts: row.attempts,
      createdAt: row.created_at,
      event: toEvent({ id: row.event_id, type: row.event_type, at: row.at, body: row.body }),
    }));
  }

  delivered(id: string, status: number, now: number): void {
    this.statements.delivered.run({ id, status, now });
  }

  attemptFailed(
    id: string,
    outcome: { status: number | null; error: string; nextAttemptAt: number; expire: boolean },
    now: number,
  ): void {
    this.statements.failedAttempt.run({
      id,
      now,
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt: outcome.nextAttemptAt,
      nextStatus: outcome.expire ? 'failed' : 'pending',
    });
  }

  get(id: string, scope: Scope): Delivery | undefined {
    const row = this.db
      .prepare<Record<string, unknown>, DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN ticket_events e ON e.id = d.event_id
         WHERE ${['d.id = @id', ...scopeWhere('e', scope)].join(' AND ')}`,
      )
      .get({ id, ...scopeParams(scope) });
    return row && toDelivery(row);
  }

  list(query: DeliveryListQuery, scope: Scope): Page<Delivery> {
    const where = ['d.rowid > @after', ...scopeWhere('e', scope)];
    if (query.status !== undefined) where.push('d.status = @status');
    if (query.ticket !== undefined) where.push('d.ticket_id = @ticket');
    const after = query.after === undefined ? 0 : this.rowidOf(query.after);
    const rows = this.db
      .prepare<Record<string, unknown>, DeliveryRow & { rowid: number }>(
        `SELECT d.rowid AS rowid, ${DELIVERY_COLUMNS} FROM deliveries d JOIN ticket_events e ON e.id = d.event_id
         WHERE ${where.join(' AND ')} ORDER BY d.rowid LIMIT @limit`,
      )
      .all({
        after,
        status: query.status,
        ticket: query.ticket === undefined ? undefined : Number(query.ticket),
        limit: query.limit + 1,
        ...scopeParams(scope),
      });
    return pageOf(rows, query.limit, toDelivery);
  }

  retry(id: string, scope: Scope, now: number): Delivery | undefined {
    const delivery = this.get(id, scope);
    if (!delivery) return undefined;
    if (delivery.status !== 'failed') {
      throw new LiftwatchError('LW_ERR_DELIVERY_STATE', `Delivery ${id} is ${delivery.status}, not failed`);
    }
    // A retry by hand starts a new expiry period: created_at is when the delivery was last queued.
    this.statements.requeue.run(now, now, id);
    return this.get(id, scope);
  }

  countByStatus(): Record<string, number> {
    return Object.fromEntries(this.statements.counts.all().map((row) => [row.status, row.n]));
  }

  private rowidOf(id: string): number {
    const row = this.db.prepare<[string], { rowid: number }>('SELECT rowid FROM deliveries WHERE id = ?').get(id);
    return row?.rowid ?? Number.MAX_SAFE_INTEGER;
  }
}
