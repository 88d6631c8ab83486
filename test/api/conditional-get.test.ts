import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-etag-test';
const auth = { authorization: `Bearer ${ADMIN}` };
const WEAK_ETAG = /^W\/"[\w-]+"$/;
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
  store.elevators.register(registration('E1'), 'h');
});
afterEach(async () => {
  await app.close();
  store.close();
});

const list = (ifNoneMatch?: string) =>
  app.inject({ url: '/api/elevators', headers: { ...auth, ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) } });

describe('conditional GET', () => {
  it('answers 304 with no body when the client has the current ETag, and 200 with a new one after a change', async () => {
    const first = await list();
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(WEAK_ETAG);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const again = await list(etag);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers).not.toHaveProperty('content-type');

    const registered = await app.inject({
      method: 'POST',
      url: '/api/elevators',
      headers: auth,
      payload: registration('E2'),
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.headers).not.toHaveProperty('etag');
    const changed = await list(etag);
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).toMatch(WEAK_ETAG);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().items).toHaveLength(2);
  });

  it('matches weakly within a list of tags, and not a stale one', async () => {
    const etag = (await list()).headers.etag as string;
    expect((await list(`W/"stale", ${etag.slice(2)}`)).statusCode).toBe(304);
    expect((await list('W/"stale"')).statusCode).toBe(200);
  });

  it('leaves errors alone', async () => {
    const missing = await app.inject({ url: '/api/elevators/E9', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers).not.toHaveProperty('etag');
  });
});
