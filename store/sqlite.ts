import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from './types.js';
import { SqliteElevatorStore } from './sqlite-elevators.js';
import { SqliteDeadLetterStore } from './sqlite-dead-letters.js';

export const STORE_FILE = 'liftwatch.sqlite';

/** Each entry moves the schema one version up; PRAGMA user_version records how far a file is. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE elevators (
     id TEXT PRIMARY KEY,
     district TEXT NOT NULL,
     use_unit TEXT NOT NULL,
     insurer TEXT NOT NULL,
     contractor TEXT NOT NULL,
     installed_on TEXT NOT NULL,
     residents_served INTEGER NOT NULL,
     registered_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE device_tokens (
     elevator_id TEXT PRIMARY KEY REFERENCES elevators(id) ON DELETE CASCADE,
     hash TEXT NOT NULL,
     issued_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE dead_letters (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     received_at TEXT NOT NULL,
     topic TEXT NOT NULL,
     payload BLOB NOT NULL,
     reason TEXT NOT NULL
   ) STRICT;`,
];

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  db.transaction(() => {
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}

/** Opens (creating when needed) the store file in the data directory. Several processes may share it. */
export function openSqliteStore(dataDir: string): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, STORE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const probe = db.prepare('SELECT 1');
  return {
    elevators: new SqliteElevatorStore(db),
    deadLetters: new SqliteDeadLetterStore(db),
    check: () => void probe.get(),
    close: () => db.close(),
  };
}
