import type Database from 'better-sqlite3';
import type { CursorStore } from './types.js';

export class SqliteCursorStore implements CursorStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare<[string], { last_id: number }>('SELECT last_id FROM export_cursors WHERE name = ?'),
      set: db.prepare(
        'INSERT INTO export_cursors (name, last_id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id',
      ),
    };
  }

  get(name: string): number {
    return this.statements.get.get(name)?.last_id ?? 0;
  }

  set(name: string, lastId: number): void {
    this.statements.set.run(name, lastId);
  }
}
