import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-request-id-test';
const auth = { authorization: `Bearer ${ADMIN}` };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let store: Store;
let app: FastifyInstance;
let logLines: Array<Record<string, unknown>>;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  logLines = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
  app = await buildTestApi(store, ADMIN, { logger });
});
afterEach(async () => {
  await app.close();
  store.close();
});

describe('request ids', () => {
  it('keeps a sane X-Request-Id from the caller, in the header and the error body', async () => {
    const id = 'gateway-7.call_42';
    const response = await app.inject({ url: '/api/elevators/E1', headers: { 'x-request-id': id } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.json()).toEqual({ code: 'LW_ERR_UNAUTHORIZED', message: expect.any(String), requestId: id });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with characters a header or log should not carry', 'id with spaces;<b>'],
  ])('replaces an X-Request-Id that is %s with a random UUID', async (_case, id) => {
    const response = await app.inject({ url: '/nowhere', headers: { 'x-request-id': id } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(response.json().requestId).toBe(response.headers['x-request-id']);
  });

  it('makes a new one for each request without one, successful responses included', async () => {
    const first = await app.inject({ url: '/api/elevators', headers: auth });
    const second = await app.inject({ url: '/api/elevators', headers: auth });
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('tags the log lines of a failed request with it', async () => {
    vi.spyOn(store.elevators, 'list').mockImplementation(() => {
      throw new Error('disk on fire');
    });
    const response = await app.inject({ url: '/api/elevators', headers: { ...auth, 'x-request-id': 'trace-500' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'LW_ERR_INTERNAL', requestId: 'trace-500' });
    expect(logLines).toContainEqual(expect.objectContaining({ reqId: 'trace-500', msg: 'request failed' }));
  });
});
