import type Database from 'better-sqlite3';
import type { RuleConfigScope, RuleConfigStore, RuleOverride } from './types.js';

interface Row {
  version: number;
  rule: string;
  scope: RuleConfigScope;
  scope_id: string;
  config: string;
  created_at: number;
  created_by: string;
}

/**
 * How long a read generation is trusted: the rules engine asks for every family of every message
 * (a query each was a sixth of its time), while another process's override may wait this long.
 */
const GENERATION_RECHECK_MS = 250;

const toOverride = (row: Row): RuleOverride => ({
  version: row.version,
  rule: row.rule,
  scope: row.scope,
  scopeId: row.scope_id,
  config: JSON.parse(row.config) as Record<string, unknown>,
  createdAt: new Date(row.created_at).toISOString(),
  createdBy: row.created_by,
});

export class SqliteRuleConfigStore implements RuleConfigStore {
  private readonly statements;
  private known: { generation: number; until: number } | null = null;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO rule_configs (rule, scope, scope_id, config, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      byVersion: db.prepare<[number], Row>('SELECT * FROM rule_configs WHERE version = ?'),
      current: db.prepare<[string], Row>(
        `SELECT * FROM rule_configs WHERE version IN (
           SELECT max(version) FROM rule_configs WHERE rule = ? GROUP BY scope, scope_id
         ) ORDER BY version`,
      ),
      generation: db.prepare<[], { generation: number | null }>('SELECT max(version) AS generation FROM rule_configs'),
    };
  }

  put(override: Omit<RuleOverride, 'version' | 'createdAt'>, now: Date): RuleOverride {
    this.known = null;
    const { lastInsertRowid } = this.statements.insert.run(
      override.rule,
      override.scope,
      override.scopeId,
      JSON.stringify(override.config),
      now.getTime(),
      override.createdBy,
    );
    return toOverride(this.statements.byVersion.get(Number(lastInsertRowid)) as Row);
  }

  current(rule: string): RuleOverride[] {
    return this.statements.current.all(rule).map(toOverride);
  }

  generation(): number {
    const now = performance.now();
    if (this.known && now < this.known.until) return this.known.generation;
    const generation = this.statements.generation.get()?.generation ?? 0;
    this.known = { generation, until: now + GENERATION_RECHECK_MS };
    return generation;
  }
}
