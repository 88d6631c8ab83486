import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  decodePayload,
  type Elevator,
  type ElevatorRecent,
  type PayloadInputOf,
  type TopicKind,
} from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { encodeLine } from '../../influx/line-protocol.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-recent-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const ELEVATOR = 'E-RECENT';
const INSURER = 'INS-RECENT';
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const NOON_OFFSET_MS = 12 * HOUR_MS;

let store: Store;
let app: FastifyInstance;
let keys: { insurer: string; other: string };
const now = Date.now();
const today = shanghaiMidnight(now);
/** A minute ago, but never before today's midnight (the test may run just after it). */
const earlierToday = Math.max(today, now - MINUTE_MS);
const yesterdayNoon = today - DAY_MS + NOON_OFFSET_MS;
const eightDaysAgo = today - 8 * DAY_MS;
const shanghaiDate = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms);

async function post(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, headers: admin, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Writes what ingest would for each message, straight to InfluxDB. */
async function write(telemetry: InfluxHttpStore, elevator: Elevator, messages: Array<[TopicKind, object]>) {
  const lines = messages.map(([kind, payload]) => {
    const decoded = decodePayload(kind, JSON.stringify(payload));
    if (!decoded.ok) throw new Error(decoded.reason);
    return encodeLine(toPoint(decoded.message, elevator, now), FIELD_TYPES[kind]);
  });
  await telemetry.write(lines);
}

let seq = 0;
const fault = (ts: number, code: number, floor: number): [TopicKind, PayloadInputOf<'faults'>] => [
  'faults',
  { ts, seq: ++seq, code: code as 93, floor },
];
const door = (
  ts: number,
  closeMs: number,
  reopens: number,
  obstructed: boolean,
): [TopicKind, PayloadInputOf<'doors'>] => [
  'doors',
  { ts, seq: ++seq, floor: 1, openMs: 4000, closeMs, reopens, obstructed },
];

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  keys = {
    insurer: (await post('/api/insurers', { id: INSURER, name: 'Recent' })).apiKey,
    other: (await post('/api/insurers', { id: 'INS-OTHER', name: 'Other' })).apiKey,
  };
  const elevator = store.elevators.register(registration(ELEVATOR, { insurer: INSURER }), 'h');
  await write(telemetry, elevator, [
    fault(eightDaysAgo, 100, 2),
    fault(yesterdayNoon, 102, 5),
    fault(earlierToday, 93, 7),
    door(yesterdayNoon, 3000, 1, false),
    door(yesterdayNoon + MINUTE_MS, 5000, 2, true),
    door(earlierToday, 4000, 0, false),
    door(eightDaysAgo, 9000, 9, true),
  ]);
});
afterAll(async () => {
  await app.close();
  store.close();
});

const recent = (key: string, query = '') =>
  app.inject({ url: `/api/elevators/${ELEVATOR}/recent${query}`, headers: { authorization: `Bearer ${key}` } });

describe('GET /api/elevators/:id/recent', () => {
  it("gives the insurer its elevator's faults, newest first, and door figures for each Shanghai day", async () => {
    const response = await recent(keys.insurer);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as ElevatorRecent;
    expect(body.from).toBe(new Date(today - 6 * DAY_MS).toISOString());
    expect(body.faults).toEqual([
      { at: new Date(earlierToday).toISOString(), code: 93, floor: 7, severity: 'critical' },
      { at: new Date(yesterdayNoon).toISOString(), code: 102, floor: 5, severity: 'minor' },
    ]);
    expect(body.doors.map((day) => day.day)).toEqual(
      [6, 5, 4, 3, 2, 1, 0].map((daysAgo) => shanghaiDate(today - daysAgo * DAY_MS)),
    );
    expect(body.doors.at(-2)).toEqual({
      day: shanghaiDate(yesterdayNoon),
      cycles: 2,
      meanCloseMs: 4000,
      reopens: 3,
      obstructed: 1,
    });
    expect(body.doors.at(-1)).toMatchObject({ cycles: 1, meanCloseMs: 4000, reopens: 0, obstructed: 0 });
    expect(body.doors[0]).toMatchObject({ cycles: 0, meanCloseMs: null, reopens: 0, obstructed: 0 });
  });

  it('reaches further back with ?days=', async () => {
    const body = (await recent(ADMIN, '?days=9')).json() as ElevatorRecent;
    expect(body.faults.map((one) => one.code)).toEqual([93, 102, 100]);
    expect(body.doors).toHaveLength(9);
    expect(body.doors[0]).toMatchObject({ day: shanghaiDate(eightDaysAgo), cycles: 1, reopens: 9, obstructed: 1 });
  });

  it('answers 404 to another insurer, as for an elevator that is not there, and 401 without a key', async () => {
    expect((await recent(keys.other)).statusCode).toBe(404);
    const unknown = await app.inject({ url: '/api/elevators/NOPE/recent', headers: admin });
    expect(unknown.statusCode).toBe(404);
    expect((await app.inject({ url: `/api/elevators/${ELEVATOR}/recent` })).statusCode).toBe(401);
  });

  it('refuses a window of no days or of more than the maximum', async () => {
    expect((await recent(ADMIN, '?days=0')).json().code).toBe('LW_ERR_VALIDATION');
    expect((await recent(ADMIN, '?days=1000')).statusCode).toBe(400);
  });
});

describe('the contract tables', () => {
  it('GET /api/fault-codes names every code in both languages', async () => {
    const codes = (await app.inject({ url: '/api/fault-codes', headers: admin })).json();
    expect(codes).toContainEqual({
      code: 93,
      name: 'entrapment (passengers trapped)',
      nameZh: '困人',
      severity: 'critical',
      category: 'hazard',
    });
    expect((await app.inject({ url: '/api/fault-codes' })).statusCode).toBe(401);
  });

  it('GET /api/ticket-actions says where each step may start and where it leads', async () => {
    const actions = (await app.inject({ url: '/api/ticket-actions', headers: admin })).json();
    expect(actions).toContainEqual({ action: 'ack', from: ['open'], to: 'acknowledged' });
    expect(actions.map((one: { action: string }) => one.action)).toEqual([
      'ack',
      'dispatch',
      'arrive',
      'resolve',
      'false-alarm',
    ]);
  });
});

describe('the console files', () => {
  it('serves the page without a key, under a policy that runs only its own scripts', async () => {
    for (const url of ['/console', '/console/']) {
      const page = await app.inject({ url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.body).toContain('/console/app.js');
    }
    const script = await app.inject({ url: '/console/app.js' });
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toContain('followTicketEvents');
  });

  it('answers 304 to a copy it already sent, 404 to a file it does not have, and stays out of the API docs', async () => {
    const first = await app.inject({ url: '/console/style.css' });
    const again = await app.inject({ url: '/console/style.css', headers: { 'if-none-match': first.headers.etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await app.inject({ url: '/console/nothing.js' })).json().code).toBe('LW_ERR_NOT_FOUND');
    expect((await app.inject({ url: '/console/..%2Fpackage.json' })).statusCode).toBe(404);
    const paths = Object.keys((await app.inject({ url: '/docs/json' })).json().paths);
    expect(paths).toContain('/api/elevators/{id}/recent');
    expect(paths.filter((path) => path.startsWith('/console'))).toEqual([]);
  });
});
