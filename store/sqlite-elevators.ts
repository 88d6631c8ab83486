import type Database from 'better-sqlite3';
import type { Elevator, ElevatorRegistration } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type ElevatorStore, type Page, type Scope } from './types.js';

interface ElevatorRow {
  id: string;
  district: string;
  use_unit: string;
  insurer: string;
  contractor: string;
  installed_on: string;
  residents_served: number;
  registered_at: string;
  gateway: string | null;
}

const toElevator = (row: ElevatorRow): Elevator => ({
  id: row.id,
  district: row.district,
  useUnit: row.use_unit,
  insurer: row.insurer,
  contractor: row.contractor,
  installedOn: row.installed_on,
  residentsServed: row.residents_served,
  registeredAt: row.registered_at,
  ...(row.gateway === null ? {} : { gateway: row.gateway }),
});

/** What an insert could not do: the id is taken, or the gateway it names is not registered. */
type InsertOutcome = 'inserted' | 'taken' | 'unknown-gateway';

export class SqliteElevatorStore implements ElevatorStore {
  private readonly statements;
  private readonly insertBoth;
  private readonly gatewayListeners = new Set<(id: string) => void>();

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO elevators (id, district, use_unit, insurer, contractor, installed_on, residents_served, registered_at,
           gateway)
         VALUES (@id, @district, @useUnit, @insurer, @contractor, @installedOn, @residentsServed, @registeredAt,
           @gateway)
         ON CONFLICT (id) DO NOTHING`,
      ),
      insertToken: db.prepare('INSERT INTO device_tokens (elevator_id, hash, issued_at) VALUES (?, ?, ?)'),
      replaceToken: db.prepare('UPDATE device_tokens SET hash = ?, issued_at = ? WHERE elevator_id = ?'),
      get: db.prepare<[string], ElevatorRow>('SELECT * FROM elevators WHERE id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM elevators'),
      useUnits: db.prepare<[], { use_unit: string; id: string }>(
        'SELECT use_unit, id FROM elevators ORDER BY use_unit, id',
      ),
      tokenHash: db.prepare<[string], { hash: string }>('SELECT hash FROM device_tokens WHERE elevator_id = ?'),
      tokensIssuedSince: db.prepare<[string], { id: string; tokenHash: string }>(
        'SELECT elevator_id AS id, hash AS tokenHash FROM device_tokens WHERE issued_at >= ?',
      ),
      gatewayExists: db.prepare<[string], { id: string }>('SELECT id FROM gateways WHERE id = ?'),
      setGateway: db.prepare('UPDATE elevators SET gateway = ?, gateway_set_at = ? WHERE id = ?'),
      gatewayOf: db.prepare<[string], { gateway: string | null }>('SELECT gateway FROM elevators WHERE id = ?'),
      gateways: db.prepare<[], { id: string; gateway: string | null }>('SELECT id, gateway FROM elevators'),
      gatewaysSetSince: db.prepare<[string], { id: string; gateway: string | null }>(
        'SELECT id, gateway FROM elevators WHERE gateway_set_at >= ?',
      ),
    };
    this.insertBoth = db.transaction((registration: ElevatorRegistration, tokenHash: string, now: string) => {
      const gateway = registration.gateway ?? null;
      if (gateway !== null && !this.statements.gatewayExists.get(gateway)) return 'unknown-gateway';
      // gateway_set_at stays empty: no cache holds an elevator before it is registered, so there is
      // no change to announce (the broker's check reads every row set lately: 300k after a city's).
      const row = { ...registration, gateway, registeredAt: now };
      if (this.statements.insert.run(row).changes !== 1) return 'taken';
      this.statements.insertToken.run(registration.id, tokenHash, now);
      return 'inserted';
    }) as (registration: ElevatorRegistration, tokenHash: string, now: string) => InsertOutcome;
  }

  register(registration: ElevatorRegistration, tokenHash: string): Elevator {
    const outcome = this.insertBoth(registration, tokenHash, new Date().toISOString());
    if (outcome === 'taken')
      throw new LiftwatchError('LW_ERR_ELEVATOR_EXISTS', `Elevator ${registration.id} is already registered`);
    if (outcome === 'unknown-gateway')
      throw new LiftwatchError('LW_ERR_VALIDATION', `No gateway ${registration.gateway} is registered`);
    return this.get(registration.id) as Elevator;
  }

  registerMany(rows: ReadonlyArray<{ registration: ElevatorRegistration; tokenHash: string }>) {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const refused = { taken: [] as string[], unknownGateway: [] as string[] };
      for (const { registration, tokenHash } of rows) {
        const outcome = this.insertBoth(registration, tokenHash, now);
        if (outcome === 'taken') refused.taken.push(registration.id);
        else if (outcome === 'unknown-gateway') refused.unknownGateway.push(registration.id);
      }
      return refused;
    })();
  }

  get(id: string): Elevator | undefined {
    const row = this.statements.get.get(id);
    return row && toElevator(row);
  }

  list(
    { limit, after, district }: { limit: number; after?: string | undefined; district?: string | undefined },
    scope: Scope = {},
  ): Page<Elevator> {
    const where = ['id > @after'];
    if (district !== undefined) where.push('district = @district');
    if (scope.insurer !== undefined) where.push('insurer = @insurer');
    if (scope.useUnit !== undefined) where.push('use_unit = @useUnit');
    const rows = this.db
      .prepare<Record<string, unknown>, ElevatorRow>(
        `SELECT * FROM elevators WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`,
      )
      .all({ after: after ?? '', limit: limit + 1, district, ...scope });
    return pageOf(rows, limit, toElevator);
  }

  count(): number {
    return this.statements.count.get()?.n ?? 0;
  }

  useUnits(): Array<{ useUnit: string; elevators: string[] }> {
    const units = new Map<string, string[]>();
    for (const { use_unit, id } of this.statements.useUnits.all()) {
      const elevators = units.get(use_unit) ?? [];
      elevators.push(id);
      units.set(use_unit, elevators);
    }
    return [...units].map(([useUnit, elevators]) => ({ useUnit, elevators }));
  }

  tokenHash(id: string): string | undefined {
    return this.statements.tokenHash.get(id)?.hash;
  }

  replaceTokenHash(id: string, tokenHash: string): boolean {
    return this.statements.replaceToken.run(tokenHash, new Date().toISOString(), id).changes === 1;
  }

  tokensIssuedSince(since: Date): Array<{ id: string; tokenHash: string }> {
    return this.statements.tokensIssuedSince.all(since.toISOString());
  }

  setGateway(id: string, gateway: string | null): boolean {
    if (gateway !== null && !this.statements.gatewayExists.get(gateway))
      throw new LiftwatchError('LW_ERR_VALIDATION', `No gateway ${gateway} is registered`);
    const changed = this.statements.setGateway.run(gateway, new Date().toISOString(), id).changes === 1;
    if (changed) for (const listener of this.gatewayListeners) listener(id);
    return changed;
  }

  gatewayOf(id: string): string | null | undefined {
    return this.statements.gatewayOf.get(id)?.gateway;
  }

  gateways(): IterableIterator<{ id: string; gateway: string | null }> {
    return this.statements.gateways.iterate();
  }

  gatewaysSetSince(since: Date): Array<{ id: string; gateway: string | null }> {
    return this.statements.gatewaysSetSince.all(since.toISOString());
  }

  onGatewaySet(listener: (id: string) => void): () => void {
    this.gatewayListeners.add(listener);
    return () => this.gatewayListeners.delete(listener);
  }
}
