import type Database from 'better-sqlite3';
import type { DeadLetter, DeadLetterStore } from './types.js';

/** Limits that keep a flood of bad messages from filling the disk. */
export const DEAD_LETTER_LIMITS = {
  /** Bytes of each payload kept; the rest is cut off. */
  maxPayloadBytes: 16 * 1024,
  /** Rows kept; older ones are pruned. */
  maxRows: 100_000,
  /** Prune once every this many inserts rather than on each. */
  pruneEvery: 1000,
} as const;

interface DeadLetterRow {
  id: number;
  received_at: string;
  topic: string;
  payload: Buffer;
  reason: string;
}

export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly statements;
  private insertsSincePrune = 0;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare('INSERT INTO dead_letters (received_at, topic, payload, reason) VALUES (?, ?, ?, ?)'),
      list: db.prepare<[number, number], DeadLetterRow>(
        'SELECT * FROM dead_letters WHERE id < ? ORDER BY id DESC LIMIT ?',
      ),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dead_letters'),
      prune: db.prepare('DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?'),
    };
  }

  add({
    topic,
    payload,
    reason,
    receivedAt,
  }: {
    topic: string;
    payload: Buffer;
    reason: string;
    receivedAt: Date;
  }): void {
    const kept = payload.subarray(0, DEAD_LETTER_LIMITS.maxPayloadBytes);
    this.statements.insert.run(receivedAt.toISOString(), topic, kept, reason);
    if (++this.insertsSincePrune >= DEAD_LETTER_LIMITS.pruneEvery) {
      this.insertsSincePrune = 0;
      this.statements.prune.run(DEAD_LETTER_LIMITS.maxRows);
    }
  }

  list({ limit, before }: { limit: number; before?: number | undefined }): DeadLetter[] {
    return this.statements.list.all(before ?? Number.MAX_SAFE_INTEGER, limit).map((row) => ({
      id: row.id,
      receivedAt: row.received_at,
      topic: row.topic,
      payload: row.payload.toString('utf8'),
      reason: row.reason,
    }));
  }

  count(): number {
    return this.statements.count.get()?.n ?? 0;
  }
}
