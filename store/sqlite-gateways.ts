import type Database from 'better-sqlite3';
import { gatewayUsername, type Gateway, type GatewayInput } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type GatewayStore, type Page } from './types.js';

interface GatewayRow {
  id: string;
  name: string;
  created_at: string;
}

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
}
