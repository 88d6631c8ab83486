import type Database from 'better-sqlite3';
import { gatewayUsername, type Gateway, type GatewayInput } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type GatewayStore, type Page } from './types.js';

interface GatewayRow {
  id: string;
  name: string;
  created_at: string;
}

/** How many of the elevators still naming a gateway its refused deletion names. */
const ELEVATORS_NAMED = 5;

const toGateway = (row: GatewayRow): Gateway => ({
  id: row.id,
  name: row.name,
  username: gatewayUsername(row.id),
  createdAt: row.created_at,
});

export class SqliteGatewayStore implements GatewayStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO gateways (id, name, token_hash, created_at) VALUES (@id, @name, @tokenHash, @createdAt)
         ON CONFLICT (id) DO NOTHING`,
      ),
      get: db.prepare<[string], GatewayRow>('SELECT id, name, created_at FROM gateways WHERE id = ?'),
      list: db.prepare<[string, number], GatewayRow>(
        'SELECT id, name, created_at FROM gateways WHERE id > ? ORDER BY id LIMIT ?',
      ),
      tokenHash: db.prepare<[string], { token_hash: string }>('SELECT token_hash FROM gateways WHERE id = ?'),
      replaceTokenHash: db.prepare('UPDATE gateways SET token_hash = ? WHERE id = ?'),
      delete: db.prepare('DELETE FROM gateways WHERE id = ?'),
      namedBy: db.prepare<[string, number], { id: string }>('SELECT id FROM elevators WHERE gateway = ? LIMIT ?'),
    };
  }

  private insert(input: GatewayInput, tokenHash: string, createdAt: string): boolean {
    return this.statements.insert.run({ ...input, tokenHash, createdAt }).changes === 1;
  }

  create(input: GatewayInput, tokenHash: string): Gateway {
    if (!this.insert(input, tokenHash, new Date().toISOString()))
      throw new LiftwatchError('LW_ERR_GATEWAY_EXISTS', `Gateway ${input.id} is already registered`);
    return this.get(input.id) as Gateway;
  }

  createMany(rows: ReadonlyArray<{ input: GatewayInput; tokenHash: string }>): { taken: string[] } {
    const now = new Date().toISOString();
    return this.db.transaction(() => ({
      taken: rows.filter(({ input, tokenHash }) => !this.insert(input, tokenHash, now)).map(({ input }) => input.id),
    }))();
  }

  get(id: string): Gateway | undefined {
    const row = this.statements.get.get(id);
    return row && toGateway(row);
  }

  list({ limit, after }: { limit: number; after?: string | undefined }): Page<Gateway> {
    return pageOf(this.statements.list.all(after ?? '', limit + 1), limit, toGateway);
  }

  tokenHash(id: string): string | undefined {
    return this.statements.tokenHash.get(id)?.token_hash;
  }

  replaceTokenHash(id: string, tokenHash: string): boolean {
    return this.statements.replaceTokenHash.run(tokenHash, id).changes === 1;
  }

  delete(id: string): boolean {
    return this.db.transaction(() => {
      // Refused rather than unlinked: who publishes for an elevator changes only when asked.
      const naming = this.statements.namedBy.all(id, ELEVATORS_NAMED + 1).map((row) => row.id);
      if (naming.length > 0) {
        const more = naming.length > ELEVATORS_NAMED ? ' and more' : '';
        throw new LiftwatchError(
          'LW_ERR_GATEWAY_IN_USE',
          `Elevators name gateway ${id} (${naming.slice(0, ELEVATORS_NAMED).join(', ')}${more}): move them off it first`,
        );
      }
      return this.statements.delete.run(id).changes === 1;
    })();
  }
}
