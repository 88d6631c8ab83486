import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from './types.js';
import { SqliteElevatorStore } from './sqlite-elevators.js';
import { SqliteGatewayStore } from './sqlite-gateways.js';
import { SqliteDeadLetterStore } from './sqlite-dead-letters.js';
import { SqliteCursorStore } from './sqlite-cursors.js';
import { SqliteDeliveryStore } from './sqlite-deliveries.js';
import { SqlitePrincipalStore } from './sqlite-principals.js';
import { SqliteDigestStore } from './sqlite-digests.js';
import { SqliteRuleConfigStore } from './sqlite-rule-configs.js';
import { SqliteShadowStore } from './sqlite-shadows.js';
import { SqliteTicketStore } from './sqlite-tickets.js';
import { SqlitePolicyStore } from './sqlite-policies.js';
import { SqliteClaimStore } from './sqlite-claims.js';
import { SqliteSatisfactionStore } from './sqlite-satisfaction.js';
import { SqliteReportStore } from './sqlite-reports.js';

export const STORE_FILE = 'liftwatch.sqlite';
/** The data directory is liftwatch's user's alone: it holds the store, the admin key and webhook secrets. */
export const DATA_DIR_MODE = 0o700;
/** The store file, and the -wal and -shm files SQLite creates with its mode. */
const STORE_FILE_MODE = 0o600;

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
  `CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     elevator TEXT NOT NULL,
     rule TEXT NOT NULL,
     rule_version INTEGER NOT NULL,
     config_version INTEGER NOT NULL,
     severity TEXT NOT NULL,
     category TEXT NOT NULL,
     status TEXT NOT NULL,
     title TEXT NOT NULL,
     external INTEGER NOT NULL,
     district TEXT NOT NULL,
     use_unit TEXT NOT NULL,
     insurer TEXT NOT NULL,
     contractor TEXT NOT NULL,
     opened_at INTEGER NOT NULL,
     first_occurrence_at INTEGER NOT NULL,
     last_occurrence_at INTEGER NOT NULL,
     occurrence_count INTEGER NOT NULL,
     deadline_at INTEGER,
     created_at INTEGER NOT NULL,
     acknowledged_at INTEGER, acknowledged_by TEXT,
     dispatched_at INTEGER, dispatched_by TEXT,
     arrived_at INTEGER, arrived_by TEXT,
     closed_at INTEGER, closed_by TEXT, close_note TEXT
   ) STRICT;
   -- One active ticket per (elevator, rule): a re-trigger adds an occurrence, never a second ticket.
   CREATE UNIQUE INDEX tickets_one_active ON tickets (elevator, rule) WHERE status NOT IN ('resolved', 'false_alarm');
   CREATE INDEX tickets_by_status ON tickets (status, id);
   CREATE TABLE ticket_occurrences (
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     seq INTEGER,
     code INTEGER,
     floor INTEGER,
     external INTEGER NOT NULL
   ) STRICT;
   CREATE UNIQUE INDEX ticket_occurrences_once ON ticket_occurrences (ticket_id, at, ifnull(seq, -1), ifnull(code, -1));
   CREATE TABLE ticket_history (
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     action TEXT NOT NULL,
     actor TEXT NOT NULL,
     note TEXT
   ) STRICT;
   CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, at);`,
  `CREATE TABLE rule_configs (
     version INTEGER PRIMARY KEY AUTOINCREMENT,
     rule TEXT NOT NULL,
     scope TEXT NOT NULL,
     scope_id TEXT NOT NULL,
     config TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL
   ) STRICT;
   CREATE INDEX rule_configs_by_rule ON rule_configs (rule, scope, scope_id, version);`,
  `CREATE TABLE digests (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     use_unit TEXT NOT NULL,
     kind TEXT NOT NULL,
     period_start INTEGER NOT NULL,
     period_end INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   -- Drafting a period again replaces its digest.
   CREATE UNIQUE INDEX digests_one_per_period ON digests (use_unit, kind, period_start);`,
  `CREATE TABLE principals (
     kind TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     -- Insurers only: where their ticket events go, and the secret that signs them.
     webhook_url TEXT,
     webhook_secret TEXT,
     PRIMARY KEY (kind, id)
   ) STRICT;
   CREATE TABLE api_keys (
     key_id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     principal TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     revoked_at INTEGER,
     last_used_at INTEGER,
     FOREIGN KEY (kind, principal) REFERENCES principals (kind, id)
   ) STRICT;
   CREATE INDEX api_keys_by_principal ON api_keys (kind, principal);
   -- Every change of a ticket, in order: the journal that webhooks, live updates and polling read.
   CREATE TABLE ticket_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
     type TEXT NOT NULL,
     at INTEGER NOT NULL,
     insurer TEXT NOT NULL,
     use_unit TEXT NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   CREATE INDEX ticket_events_by_insurer ON ticket_events (insurer, id);
   -- The webhook outbox, written in the same transaction as the ticket change it announces.
   CREATE TABLE deliveries (
     id TEXT PRIMARY KEY,
     event_id INTEGER NOT NULL REFERENCES ticket_events(id) ON DELETE CASCADE,
     ticket_id INTEGER NOT NULL,
     insurer TEXT NOT NULL,
     url TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     next_attempt_at INTEGER NOT NULL,
     last_attempt_at INTEGER,
     last_status INTEGER,
     last_error TEXT,
     delivered_at INTEGER
   ) STRICT;
   CREATE INDEX deliveries_pending ON deliveries (status, ticket_id, event_id);
   CREATE INDEX deliveries_by_insurer ON deliveries (insurer, status, event_id);
   ALTER TABLE tickets ADD COLUMN deadline_warned_at INTEGER;`,
  `-- How far a reader of a journal (the ticket events copied to InfluxDB) has got.
   CREATE TABLE export_cursors (
     name TEXT PRIMARY KEY,
     last_id INTEGER NOT NULL
   ) STRICT;`,
  `-- The pilot report's data. Money in fen (integers: exact sums); policy dates are Shanghai
   -- calendar dates, both covered; claim times epoch ms.
   CREATE TABLE policies (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     elevator TEXT NOT NULL REFERENCES elevators(id),
     insurer TEXT NOT NULL,
     valid_from TEXT NOT NULL,
     valid_to TEXT NOT NULL,
     premium_fen INTEGER NOT NULL,
     premium_source TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX policies_by_elevator ON policies (elevator, valid_from);
   CREATE INDEX policies_by_period ON policies (valid_from, valid_to);
   CREATE TABLE claims (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     elevator TEXT NOT NULL REFERENCES elevators(id),
     policy_id INTEGER NOT NULL REFERENCES policies(id),
     amount_fen INTEGER NOT NULL,
     occurred_at INTEGER NOT NULL,
     reported_at INTEGER NOT NULL,
     paid_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   -- The same accident entered twice (a file imported again) is refused.
   CREATE UNIQUE INDEX claims_once ON claims (elevator, occurred_at, reported_at);
   CREATE INDEX claims_by_paid ON claims (paid_at);
   CREATE TABLE satisfaction (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     district TEXT NOT NULL,
     use_unit TEXT NOT NULL,
     period TEXT NOT NULL,
     percent REAL NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE UNIQUE INDEX satisfaction_once ON satisfaction (district, use_unit, period);`,
  `-- Drafted reports: drafting a year and district again replaces its draft.
   CREATE TABLE reports (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     year INTEGER NOT NULL,
     district TEXT NOT NULL,
     as_of TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   CREATE UNIQUE INDEX reports_one_draft ON reports (kind, year, district);`,
  `-- Building gateways: one connection publishing for the elevators that name it.
   CREATE TABLE gateways (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;
   ALTER TABLE elevators ADD COLUMN gateway TEXT REFERENCES gateways(id);
   -- When the gateway was last set, so a broker in another process sees the change.
   ALTER TABLE elevators ADD COLUMN gateway_set_at TEXT;
   CREATE INDEX elevators_by_gateway_change ON elevators (gateway_set_at) WHERE gateway_set_at IS NOT NULL;`,
  `-- An insurer's webhook secret replaced by a rotation still signs, beside the new one, until then.
   ALTER TABLE principals ADD COLUMN previous_webhook_secret TEXT;
   ALTER TABLE principals ADD COLUMN previous_webhook_secret_expires_at INTEGER;`,
  `-- Why a detector's warning opened (contract ticketEvidenceSchema, as JSON); NULL for the other rules.
   ALTER TABLE tickets ADD COLUMN evidence TEXT;`,
  `-- What rules in shadow would have opened (docs/rules.md "Shadow mode"): no journal, so nothing is delivered.
   CREATE TABLE shadow_records (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     elevator TEXT NOT NULL,
     rule TEXT NOT NULL,
     rule_version INTEGER NOT NULL,
     config_version INTEGER NOT NULL,
     severity TEXT NOT NULL,
     category TEXT NOT NULL,
     status TEXT NOT NULL,
     title TEXT NOT NULL,
     external INTEGER NOT NULL,
     opened_at INTEGER NOT NULL,
     last_occurrence_at INTEGER NOT NULL,
     occurrence_count INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     closed_at INTEGER, closed_by TEXT, close_note TEXT,
     evidence TEXT
   ) STRICT;
   CREATE UNIQUE INDEX shadow_records_one_open ON shadow_records (elevator, rule) WHERE status = 'open';
   CREATE INDEX shadow_records_by_rule ON shadow_records (rule, opened_at);
   CREATE TABLE shadow_occurrences (
     record_id INTEGER NOT NULL REFERENCES shadow_records(id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     seq INTEGER,
     code INTEGER,
     floor INTEGER
   ) STRICT;
   CREATE UNIQUE INDEX shadow_occurrences_once ON shadow_occurrences (record_id, at, ifnull(seq, -1), ifnull(code, -1));`,
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

function storeOver(db: Database.Database): Store {
  db.pragma('foreign_keys = ON');
  migrate(db);
  const probe = db.prepare('SELECT 1');
  return {
    principals: new SqlitePrincipalStore(db),
    deliveries: new SqliteDeliveryStore(db),
    cursors: new SqliteCursorStore(db),
    elevators: new SqliteElevatorStore(db),
    gateways: new SqliteGatewayStore(db),
    deadLetters: new SqliteDeadLetterStore(db),
    tickets: new SqliteTicketStore(db),
    ruleConfigs: new SqliteRuleConfigStore(db),
    shadows: new SqliteShadowStore(db),
    digests: new SqliteDigestStore(db),
    policies: new SqlitePolicyStore(db),
    claims: new SqliteClaimStore(db),
    satisfaction: new SqliteSatisfactionStore(db),
    reports: new SqliteReportStore(db),
    check: () => void probe.get(),
    close: () => db.close(),
  };
}

/** Opens (creating when needed) the store file in the data directory. Several processes may share it. */
export function openSqliteStore(dataDir: string): Store {
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const file = path.join(dataDir, STORE_FILE);
  // Created here, private, whatever the umask: SQLite would create it 0644.
  fs.closeSync(fs.openSync(file, 'a', STORE_FILE_MODE));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return storeOver(db);
}

/** A store in memory, gone when closed: for working out what would happen (a backtest) without touching the real one. */
export function openScratchStore(): Store {
  return storeOver(new Database(':memory:'));
}
