import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { verifySecret } from '../../store/credentials.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-api-test';
const auth = { authorization: `Bearer ${ADMIN}` };
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN, { healthChecks: { store: () => ({ status: 'up' }) } });
});
afterEach(async () => {
  await app.close();
  store.close();
});

const register = (body: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method: 'POST', url: '/api/elevators', headers, payload: body as object });

const importCsv = (csv: string) =>
  app.inject({
    method: 'POST',
    url: '/api/elevators/import',
    headers: { ...auth, 'content-type': 'text/csv' },
    payload: csv,
  });

describe('POST /api/elevators', () => {
  it('registers an elevator and returns its token once; the store keeps only a salted hash', async () => {
    const response = await register(registration('E1'));
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ ...registration('E1'), token: expect.stringMatching(/^[\w-]{43}$/) });
    const hash = store.elevators.tokenHash('E1') as string;
    expect(hash).not.toContain(body.token);
    expect(await verifySecret(body.token, hash)).toBe(true);
    const read = await app.inject({ url: '/api/elevators/E1', headers: auth });
    expect(read.json()).not.toHaveProperty('token');
  });

  it.each([
    ['no key', {}, 'LW_ERR_UNAUTHORIZED'],
    ['a wrong key', { authorization: 'Bearer nope' }, 'LW_ERR_UNAUTHORIZED'],
  ])('answers 401 with %s', async (_case, headers, code) => {
    const response = await register(registration('E1'), headers);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code, message: expect.any(String), requestId: expect.any(String) });
    expect(store.elevators.count()).toBe(0);
  });

  it('answers 409 for an id already registered', async () => {
    await register(registration('E1'));
    const response = await register(registration('E1'));
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'LW_ERR_ELEVATOR_EXISTS' });
  });

  it('answers 400 naming each bad field', async () => {
    const response = await register({ ...registration('bad id!'), installedOn: '2012-13-40', residentsServed: -1 });
    expect(response.statusCode).toBe(400);
    const { code, message } = response.json();
    expect(code).toBe('LW_ERR_VALIDATION');
    expect(message).toMatch(/id: elevator id must be 1 to 32 characters/);
    expect(message).toMatch(/installedOn/);
    expect(message).toMatch(/residentsServed/);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/elevators',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"id":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('LW_ERR_VALIDATION');
  });
});

describe('reading the registry', () => {
  it('lists page by page and reads one; an unknown id is 404', async () => {
    for (const id of ['E3', 'E1', 'E2']) await register(registration(id));
    const first = (await app.inject({ url: '/api/elevators?limit=2', headers: auth })).json();
    expect(first.items.map((e: { id: string }) => e.id)).toEqual(['E1', 'E2']);
    const second = (await app.inject({ url: `/api/elevators?limit=2&after=${first.next}`, headers: auth })).json();
    expect(second).toMatchObject({ items: [{ id: 'E3' }], next: null });
    const missing = await app.inject({ url: '/api/elevators/E9', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('LW_ERR_NOT_FOUND');
  });

  it('answers unknown routes with LW_ERR_NOT_FOUND', async () => {
    const response = await app.inject({ url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('LW_ERR_NOT_FOUND');
  });
});

describe('POST /api/elevators/:id/token', () => {
  it('issues a new token; the old one stops verifying', async () => {
    const old = (await register(registration('E1'))).json().token;
    const response = await app.inject({ method: 'POST', url: '/api/elevators/E1/token', headers: auth });
    expect(response.statusCode).toBe(200);
    const fresh = response.json().token;
    const hash = store.elevators.tokenHash('E1') as string;
    expect(await verifySecret(fresh, hash)).toBe(true);
    expect(await verifySecret(old, hash)).toBe(false);
    const missing = await app.inject({ method: 'POST', url: '/api/elevators/E9/token', headers: auth });
    expect(missing.statusCode).toBe(404);
  });
});

describe('POST /api/elevators/import', () => {
  const header = 'id,district,useUnit,insurer,contractor,installedOn,residentsServed';

  it('imports the good rows and reports each bad one with its line and reason', async () => {
    await register(registration('TAKEN'));
    const csv = [
      header,
      'A1,渝中区,UU-1,INS-A,MC-1,2010-01-01,100',
      'bad id,渝中区,UU-1,INS-A,MC-1,2010-01-01,100',
      'A2,"江北区, north",UU-2,INS-B,MC-2,2015-06-30,80',
      'A1,渝中区,UU-1,INS-A,MC-1,2010-01-01,100',
      'TAKEN,渝中区,UU-1,INS-A,MC-1,2010-01-01,100',
      'A3,渝中区,UU-1,INS-A,MC-1,not-a-date,100',
      'A4,渝中区,UU-1',
    ].join('\n');
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.created.map((c: { id: string }) => c.id)).toEqual(['A1', 'A2']);
    expect(report.rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [3, 'LW_ERR_VALIDATION'],
      [5, 'LW_ERR_VALIDATION'],
      [6, 'LW_ERR_ELEVATOR_EXISTS'],
      [7, 'LW_ERR_VALIDATION'],
      [8, 'LW_ERR_VALIDATION'],
    ]);
    expect(report.rejected[3].reason).toMatch(/installedOn/);
    expect(store.elevators.get('A2')?.district).toBe('江北区, north');
    const a1 = report.created[0];
    expect(await verifySecret(a1.token, store.elevators.tokenHash('A1') as string)).toBe(true);
  });

  it('imports nothing from a file that cannot be parsed', async () => {
    const response = await importCsv(`${header}\nB1,D,U,I,C,2010-01-01,1\nB2,"unclosed,U,I,C,2010-01-01,1\n`);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('LW_ERR_CSV_MALFORMED');
    expect(store.elevators.count()).toBe(0);
  });

  it('imports nothing when the header lacks a column', async () => {
    const response = await importCsv('id,district\nB1,D\n');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'LW_ERR_CSV_MALFORMED', message: expect.stringMatching(/useUnit/) });
  });

  it('accepts a UTF-8 BOM (spreadsheet exports) and answers 415 to JSON', async () => {
    const response = await importCsv(`\uFEFF${header}\nB1,D,U,I,C,2010-01-01,1\n`);
    expect(response.json().created).toHaveLength(1);
    const json = await app.inject({ method: 'POST', url: '/api/elevators/import', headers: auth, payload: { id: 1 } });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('LW_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /api/health', () => {
  it('answers 503 naming the component that is down', async () => {
    const failing = await buildTestApi(store, ADMIN, {
      healthChecks: {
        store: () => ({ status: 'up' }),
        influxdb: () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });
    // The admin key reads why (test/api/health.test.ts: others, only the states).
    const response = await failing.inject({ url: '/api/health', headers: auth });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'degraded',
      components: { store: { status: 'up' }, influxdb: { status: 'down', detail: { error: 'connect ECONNREFUSED' } } },
    });
    await failing.close();
  });
});
