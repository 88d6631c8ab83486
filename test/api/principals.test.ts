import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-principals-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const GRACE_MS = 60_000;
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN, { keyGraceMs: GRACE_MS });
});
afterEach(async () => {
  await app.close();
  store.close();
});

const createInsurer = (body: object, headers = admin) =>
  app.inject({ method: 'POST', url: '/api/insurers', headers, payload: body });
const me = (key: string) => app.inject({ url: '/api/me', headers: bearer(key) });

describe('principals and keys', () => {
  it('an insurer is created with its key and webhook secret shown once; the key then works', async () => {
    const response = await createInsurer({ id: 'INS-PICC', name: '人保财险', webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ id: 'INS-PICC', name: '人保财险', webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(created.apiKey).toMatch(/^lw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.webhookSecret.length).toBeGreaterThanOrEqual(32);
    expect((await me(created.apiKey)).json()).toEqual({ kind: 'insurer', id: 'INS-PICC', name: '人保财险' });

    const read = (await app.inject({ url: '/api/insurers/INS-PICC', headers: admin })).json();
    expect(read).not.toHaveProperty('apiKey');
    expect(read).not.toHaveProperty('webhookSecret');
    expect(JSON.stringify(store.principals.keys({}))).not.toContain(created.apiKey);
  });

  it('refuses a taken id with 409, a bad webhook URL with the field named, and non-admin callers', async () => {
    await createInsurer({ id: 'INS-A', name: 'A' });
    const again = await createInsurer({ id: 'INS-A', name: 'A again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('LW_ERR_PRINCIPAL_EXISTS');

    const badUrl = await createInsurer({ id: 'INS-B', name: 'B', webhookUrl: 'ftp://example' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().message).toContain('webhookUrl');

    const regulator = await app.inject({
      method: 'POST',
      url: '/api/regulators',
      headers: admin,
      payload: { id: 'SAMR-CQ', name: '重庆市市场监管局' },
    });
    expect(regulator.statusCode).toBe(201);
    const asRegulator = await createInsurer({ id: 'INS-C', name: 'C' }, bearer(regulator.json().apiKey));
    expect(asRegulator.statusCode).toBe(403);
    expect(asRegulator.json().code).toBe('LW_ERR_FORBIDDEN');
    expect((await createInsurer({ id: 'INS-C', name: 'C' }, bearer('lw_nope'))).statusCode).toBe(401);
  });

  it('rotation: the new key works at once, the old one until the grace period ends', async () => {
    const { apiKey: oldKey } = (await createInsurer({ id: 'INS-A', name: 'A' })).json();
    const rotated = await app.inject({ method: 'POST', url: '/api/me/keys/rotate', headers: bearer(oldKey) });
    expect(rotated.statusCode).toBe(200);
    const { apiKey: newKey, previousKeysExpireAt } = rotated.json();
    expect(newKey).not.toBe(oldKey);
    expect((await me(newKey)).statusCode).toBe(200);
    expect((await me(oldKey)).statusCode).toBe(200);
    const expiresAt = Date.parse(previousKeysExpireAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(GRACE_MS / 2);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(GRACE_MS);

    // After the grace period the old key is refused and the new one still works.
    const { hashApiKey } = await import('../../api/auth.js');
    const later = new Date(expiresAt + 1);
    expect(store.principals.authenticate(hashApiKey(oldKey), later)).toBeUndefined();
    expect(store.principals.authenticate(hashApiKey(newKey), later)?.principal.id).toBe('INS-A');
  });

  it('revocation stops a key at once; the admin can rotate for a principal; keys are listed without secrets', async () => {
    const { apiKey, keyId } = (await createInsurer({ id: 'INS-A', name: 'A' })).json();
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/api/keys/rotate',
      headers: admin,
      payload: { kind: 'insurer', id: 'INS-A' },
    });
    expect(byAdmin.statusCode).toBe(200);
    const keys = (await app.inject({ url: '/api/keys?kind=insurer&id=INS-A', headers: admin })).json().items;
    expect(keys.map((key: { keyId: string }) => key.keyId)).toEqual([keyId, byAdmin.json().keyId]);
    expect(keys[0].expiresAt).not.toBeNull();

    expect((await app.inject({ method: 'DELETE', url: `/api/keys/${keyId}`, headers: admin })).statusCode).toBe(204);
    const refused = await me(apiKey);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('LW_ERR_UNAUTHORIZED');
    expect((await me(byAdmin.json().apiKey)).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/keys/nope', headers: admin })).statusCode).toBe(404);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/keys/rotate',
      headers: admin,
      payload: { kind: 'regulator', id: 'nobody' },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('use-unit keys, and the insurer webhook URL can be changed or removed by the admin', async () => {
    const unit = await app.inject({
      method: 'POST',
      url: '/api/use-units',
      headers: admin,
      payload: { id: 'UU-00001', name: '阳光物业' },
    });
    expect((await me(unit.json().apiKey)).json()).toEqual({ kind: 'use-unit', id: 'UU-00001', name: '阳光物业' });
    await createInsurer({ id: 'INS-A', name: 'A', webhookUrl: 'http://127.0.0.1:9/a' });
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/insurers/INS-A',
      headers: admin,
      payload: { webhookUrl: null },
    });
    expect(patched.json().webhookUrl).toBeNull();
  });

  it('a key replaced by a rotation cannot rotate again (409): the owner keeps its newest key, without expiry', async () => {
    const { apiKey: oldKey } = (await createInsurer({ id: 'INS-A', name: 'A' })).json();
    const rotate = (key: string) => app.inject({ method: 'POST', url: '/api/me/keys/rotate', headers: bearer(key) });
    const first = (await rotate(oldKey)).json();
    const again = await rotate(oldKey);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'LW_ERR_KEY_REPLACED', message: expect.stringMatching(/newest key/) });
    const keys = () => store.principals.keys({ kind: 'insurer', id: 'INS-A' });
    expect(keys()).toHaveLength(2);
    expect(keys().find((key) => key.keyId === first.keyId)?.expiresAt).toBeNull();
    // The old key still works for everything else until its grace ends.
    expect((await me(oldKey)).statusCode).toBe(200);

    // The newest key rotates; so may the admin, for a principal whose keys are all in their grace.
    const second = await rotate(first.apiKey);
    expect(second.statusCode).toBe(200);
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/api/keys/rotate',
      headers: admin,
      payload: { kind: 'insurer', id: 'INS-A' },
    });
    expect(byAdmin.statusCode).toBe(200);
    expect(
      keys()
        .filter((key) => key.expiresAt === null)
        .map((key) => key.keyId),
    ).toEqual([byAdmin.json().keyId]);
    expect((await rotate(second.json().apiKey)).statusCode).toBe(409);
  });

  it("rotates an insurer's webhook secret (the admin, or the insurer itself); the old one signs on for the grace", async () => {
    const created = (await createInsurer({ id: 'INS-A', name: 'A', webhookUrl: 'http://127.0.0.1:9/a' })).json();
    await createInsurer({ id: 'INS-B', name: 'B' });
    const before = Date.now();
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/api/insurers/INS-A/webhook-secret/rotate',
      headers: admin,
    });
    expect(byAdmin.statusCode).toBe(200);
    const { webhookSecret, previousSecretExpiresAt } = byAdmin.json();
    expect(webhookSecret).not.toBe(created.webhookSecret);
    expect(webhookSecret.length).toBeGreaterThanOrEqual(32);
    const expiresAt = Date.parse(previousSecretExpiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(GRACE_MS);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(GRACE_MS);
    expect(store.principals.webhookSecrets('INS-A', new Date())).toEqual([webhookSecret, created.webhookSecret]);
    expect(store.principals.webhookSecrets('INS-A', new Date(expiresAt + 1))).toEqual([webhookSecret]);
    expect(store.principals.webhookSecrets('INS-B', new Date())).toHaveLength(1);

    // The insurer rotates its own: the secret it replaces is the one kept for the grace.
    const own = await app.inject({
      method: 'POST',
      url: '/api/me/webhook-secret/rotate',
      headers: bearer(created.apiKey),
    });
    expect(own.statusCode).toBe(200);
    expect(store.principals.webhookSecrets('INS-A', new Date())).toEqual([own.json().webhookSecret, webhookSecret]);
    const read = (await app.inject({ url: '/api/insurers/INS-A', headers: admin })).body;
    expect(read).not.toContain(webhookSecret);

    const regulator = (
      await app.inject({ method: 'POST', url: '/api/regulators', headers: admin, payload: { id: 'R', name: 'R' } })
    ).json();
    for (const [url, key] of [
      ['/api/me/webhook-secret/rotate', regulator.apiKey],
      ['/api/insurers/INS-A/webhook-secret/rotate', created.apiKey],
    ]) {
      expect((await app.inject({ method: 'POST', url, headers: bearer(key) })).statusCode).toBe(403);
    }
    const missing = await app.inject({
      method: 'POST',
      url: '/api/insurers/INS-Z/webhook-secret/rotate',
      headers: admin,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('a key replaced by a rotation cannot rotate the webhook secret (409): it would learn a secret that outlives it', async () => {
    const created = (await createInsurer({ id: 'INS-A', name: 'A', webhookUrl: 'http://127.0.0.1:9/a' })).json();
    const rotated = await app.inject({ method: 'POST', url: '/api/me/keys/rotate', headers: bearer(created.apiKey) });
    expect(rotated.statusCode).toBe(200);
    const rotateSecret = (key: string) =>
      app.inject({ method: 'POST', url: '/api/me/webhook-secret/rotate', headers: bearer(key) });

    const refused = await rotateSecret(created.apiKey);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('LW_ERR_KEY_REPLACED');
    expect(store.principals.webhookSecrets('INS-A', new Date())).toEqual([created.webhookSecret]);
    // The newest key rotates it.
    expect((await rotateSecret(rotated.json().apiKey)).statusCode).toBe(200);
  });
});
