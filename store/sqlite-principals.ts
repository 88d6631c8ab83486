import type Database from 'better-sqlite3';
import type { ApiKey, Insurer, InsurerUpdate, KeyedKind, Principal } from '../contract/index.js';
import { LiftwatchError } from '../lib/errors.js';
import { pageOf, type Page, type PrincipalStore, type StoredKey } from './types.js';

interface PrincipalRow {
  kind: KeyedKind;
  id: string;
  name: string;
  created_at: number;
  webhook_url: string | null;
  webhook_secret: string | null;
  previous_webhook_secret: string | null;
  previous_webhook_secret_expires_at: number | null;
}

interface KeyRow {
  key_id: string;
  kind: KeyedKind;
  principal: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** Marking a key used on every request would write on every read; once a minute says enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toPrincipal = (row: PrincipalRow): Principal => ({ kind: row.kind, id: row.id, name: row.name });
const toInsurer = (row: PrincipalRow): Insurer => ({
  id: row.id,
  name: row.name,
  webhookUrl: row.webhook_url,
  createdAt: new Date(row.created_at).toISOString(),
});
const toKey = (row: KeyRow): ApiKey => ({
  keyId: row.key_id,
  kind: row.kind,
  principal: row.principal,
  createdAt: new Date(row.created_at).toISOString(),
  expiresAt: isoOrNull(row.expires_at),
  revokedAt: isoOrNull(row.revoked_at),
  lastUsedAt: isoOrNull(row.last_used_at),
});

const LIVE = 'revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)';

export class SqlitePrincipalStore implements PrincipalStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO principals (kind, id, name, created_at, webhook_url, webhook_secret)
         VALUES (@kind, @id, @name, @createdAt, @webhookUrl, @webhookSecret)`,
      ),
      get: db.prepare<[string, string], PrincipalRow>('SELECT * FROM principals WHERE kind = ? AND id = ?'),
      insurers: db.prepare<[string, number], PrincipalRow>(
        "SELECT * FROM principals WHERE kind = 'insurer' AND id > ? ORDER BY id LIMIT ?",
      ),
      insertKey: db.prepare(
        'INSERT INTO api_keys (key_id, kind, principal, hash, created_at) VALUES (@keyId, @kind, @id, @hash, @now)',
      ),
      expireOthers: db.prepare(
        `UPDATE api_keys SET expires_at = @expireAt
         WHERE kind = @kind AND principal = @id AND key_id != @keyId AND ${LIVE}
           AND (expires_at IS NULL OR expires_at > @expireAt)`,
      ),
      byHash: db.prepare<{ hash: string; now: number }, KeyRow>(
        `SELECT * FROM api_keys WHERE hash = @hash AND ${LIVE}`,
      ),
      touch: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE key_id = ?'),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL'),
      keyExists: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM api_keys WHERE key_id = ?'),
      liveKey: db.prepare<{ keyId: string; now: number }, KeyRow>(
        `SELECT * FROM api_keys WHERE key_id = @keyId AND ${LIVE}`,
      ),
      rotateWebhookSecret: db.prepare(
        `UPDATE principals SET previous_webhook_secret = webhook_secret, webhook_secret = @secret,
           previous_webhook_secret_expires_at = @previousExpireAt
         WHERE kind = 'insurer' AND id = @insurer`,
      ),
    };
  }

  create(
    principal: { kind: KeyedKind; id: string; name: string; webhookUrl?: string | null; webhookSecret?: string },
    key: StoredKey,
    now: Date,
  ): Principal {
    return this.db.transaction(() => {
      if (this.statements.get.get(principal.kind, principal.id)) {
        throw new LiftwatchError('LW_ERR_PRINCIPAL_EXISTS', `There is already a ${principal.kind} ${principal.id}`);
      }
      this.statements.insert.run({
        ...principal,
        createdAt: now.getTime(),
        webhookUrl: principal.webhookUrl ?? null,
        webhookSecret: principal.webhookSecret ?? null,
      });
      this.statements.insertKey.run({ ...key, kind: principal.kind, id: principal.id, now: now.getTime() });
      return { kind: principal.kind, id: principal.id, name: principal.name };
    })();
  }

  get(kind: KeyedKind, id: string): Principal | undefined {
    const row = this.statements.get.get(kind, id);
    return row && toPrincipal(row);
  }

  insurer(id: string): Insurer | undefined {
    const row = this.statements.get.get('insurer', id);
    return row && toInsurer(row);
  }

  insurers({ limit, after }: { limit: number; after?: string | undefined }): Page<Insurer> {
    return pageOf(this.statements.insurers.all(after ?? '', limit + 1), limit, toInsurer);
  }

  updateInsurer(id: string, update: InsurerUpdate): Insurer | undefined {
    const sets: string[] = [];
    if (update.name !== undefined) sets.push('name = @name');
    if (update.webhookUrl !== undefined) sets.push('webhook_url = @webhookUrl');
    if (sets.length > 0) {
      this.db
        .prepare(`UPDATE principals SET ${sets.join(', ')} WHERE kind = 'insurer' AND id = @id`)
        .run({ ...update, id });
    }
    return this.insurer(id);
  }

  webhookSecrets(insurer: string, now: Date): string[] {
    const row = this.statements.get.get('insurer', insurer);
    if (!row?.webhook_secret) return [];
    const previous = row.previous_webhook_secret;
    const inGrace = previous !== null && (row.previous_webhook_secret_expires_at ?? 0) > now.getTime();
    return inGrace ? [row.webhook_secret, previous] : [row.webhook_secret];
  }

  rotateWebhookSecret(insurer: string, secret: string, previousExpireAt: Date): boolean {
    const { changes } = this.statements.rotateWebhookSecret.run({
      insurer,
      secret,
      previousExpireAt: previousExpireAt.getTime(),
    });
    return changes === 1;
  }

  addKey(
    kind: KeyedKind,
    id: string,
    key: StoredKey,
    now: Date,
    previousExpireAt: Date,
    replacing?: string,
  ): 'added' | 'no-principal' | 'replaced' {
    return this.db.transaction(() => {
      if (!this.statements.get.get(kind, id)) return 'no-principal';
      if (replacing !== undefined) {
        // Checked in the transaction: two rotations racing from one key mint one key, not two.
        const asking = this.statements.liveKey.get({ keyId: replacing, now: now.getTime() });
        if (!asking || asking.expires_at !== null) return 'replaced';
      }
      this.statements.insertKey.run({ ...key, kind, id, now: now.getTime() });
      this.statements.expireOthers.run({
        kind,
        id,
        keyId: key.keyId,
        now: now.getTime(),
        expireAt: previousExpireAt.getTime(),
      });
      return 'added' as const;
    })();
  }

  authenticate(hash: string, now: Date): { principal: Principal; keyId: string; replaced: boolean } | undefined {
    const key = this.statements.byHash.get({ hash, now: now.getTime() });
    if (!key) return undefined;
    const row = this.statements.get.get(key.kind, key.principal);
    if (!row) return undefined;
    if (key.last_used_at === null || now.getTime() - key.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.statements.touch.run(now.getTime(), key.key_id);
    }
    return { principal: toPrincipal(row), keyId: key.key_id, replaced: key.expires_at !== null };
  }

  keyLive(keyId: string, now: Date): boolean {
    return this.statements.liveKey.get({ keyId, now: now.getTime() }) !== undefined;
  }

  keys({ kind, id }: { kind?: KeyedKind | undefined; id?: string | undefined }): ApiKey[] {
    const where = ['1 = 1'];
    if (kind !== undefined) where.push('kind = @kind');
    if (id !== undefined) where.push('principal = @id');
    return this.db
      .prepare<Record<string, unknown>, KeyRow>(
        `SELECT * FROM api_keys WHERE ${where.join(' AND ')} ORDER BY kind, principal, created_at`,
      )
      .all({ kind, id })
      .map(toKey);
  }

  revokeKey(keyId: string, now: Date): boolean {
    if ((this.statements.keyExists.get(keyId)?.n ?? 0) === 0) return false;
    this.statements.revoke.run(now.getTime(), keyId);
    return true;
  }
}
