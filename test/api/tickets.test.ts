import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { entrapmentTicket, registration, tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-ticket-test';
const auth = { authorization: `Bearer ${ADMIN}` };
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = openSqliteStore(tempDir());
  app = await buildTestApi(store, ADMIN);
  const elevator = store.elevators.register(registration('E1'), 'h');
  store.tickets.record(
    entrapmentTicket(elevator, {
      deadlineAt: Date.parse('2026-11-25T10:30:00Z'),
      occurrences: [{ at: Date.parse('2026-11-25T10:00:00Z'), seq: 4, code: 93, floor: 5, external: false }],
    }),
    new Date(),
  );
});
afterEach(async () => {
  await app.close();
  store.close();
});

const step = (id: string, action: string, note?: string) =>
  app.inject({
    method: 'POST',
    url: `/api/tickets/${id}/${action}`,
    headers: auth,
    payload: note ? { note } : undefined,
  });

describe('ticket routes', () => {
  it('list with filters and read one with its occurrences and history', async () => {
    const list = (await app.inject({ url: '/api/tickets?severity=critical&status=open', headers: auth })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      id: '1',
      rule: 'critical-entrapment',
      deadlineAt: '2026-11-25T10:30:00.000Z',
    });
    expect((await app.inject({ url: '/api/tickets?status=resolved', headers: auth })).json().items).toEqual([]);
    const one = (await app.inject({ url: '/api/tickets/1', headers: auth })).json();
    expect(one.occurrences).toEqual([{ at: '2026-11-25T10:00:00.000Z', seq: 4, code: 93, floor: 5, external: false }]);
    expect(one.history).toMatchObject([{ action: 'open', actor: 'liftwatch' }]);
  });

  it('walk the lifecycle with notes, and answer 409 to a step the status does not allow', async () => {
    expect((await step('1', 'ack')).json()).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'admin' } });
    expect((await step('1', 'dispatch')).statusCode).toBe(200);
    expect((await step('1', 'arrive')).statusCode).toBe(200);
    expect((await step('1', 'resolve', 'passengers out at 10:12')).json()).toMatchObject({
      status: 'resolved',
      closed: { note: 'passengers out at 10:12' },
    });
    const again = await step('1', 'ack');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      code: 'LW_ERR_TICKET_TRANSITION',
      message: expect.stringMatching(/resolved/),
    });
  });

  it('answer 404 for an unknown ticket, 400 for an unknown step, 401 without the key', async () => {
    expect((await app.inject({ url: '/api/tickets/77', headers: auth })).json().code).toBe('LW_ERR_NOT_FOUND');
    expect((await step('77', 'ack')).statusCode).toBe(404);
    expect((await step('1', 'fly')).json().code).toBe('LW_ERR_VALIDATION');
    expect((await app.inject({ url: '/api/tickets' })).statusCode).toBe(401);
  });
});
