import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CONTRACTOR_SCORE_HEADERS,
  LEAGUE_SHEET,
  decodePayload,
  type Elevator,
  type Visit,
} from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { encodeLine } from '../../influx/line-protocol.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { readXlsx, sheetRows } from '../helpers/xlsx.js';

const ADMIN = 'admin-key-of-the-maintenance-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MIN_VISIT_MINUTES = 20;
/** A Shanghai wall-clock time (`MM-DDTHH:mm` in 2026) as epoch ms. */
const sh = (monthDayTime: string) => Date.parse(`2026-${monthDayTime}:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();
const OCTOBER = `from=${encodeURIComponent('2026-10-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-11-01T00:00:00+08:00')}`;

let store: Store;
let app: FastifyInstance;
let telemetry: InfluxHttpStore;
const keys = { insA: '', insB: '', regulator: '', unitA: '' };
const elevators: Record<string, Elevator> = {};

let seq = 0;
/** Writes what ingest would for each maintenance message, straight to InfluxDB. */
async function maintain(elevator: Elevator, messages: Array<[action: 'checkin' | 'checkout', at: number]>) {
  const lines = messages.map(([action, ts]) => {
    const payload = {
      ts,
      seq: ++seq,
      action,
      technician: '张师傅',
      contractor: elevator.contractor,
      kind: 'half-monthly',
      items: ['曳引机', '门锁'],
    };
    const decoded = decodePayload('maintenance', JSON.stringify(payload));
    if (!decoded.ok) throw new Error(decoded.reason);
    return encodeLine(toPoint(decoded.message, elevator, ts), FIELD_TYPES.maintenance);
  });
  await telemetry.write(lines);
}

/** A visit of `minutes` that checks out at `checkOut`. */
const visit = (checkOut: number, minutes: number): Array<['checkin' | 'checkout', number]> => [
  ['checkin', checkOut - minutes * MINUTE_MS],
  ['checkout', checkOut],
];

/** Records a ticket created at `createdAt`, taken through ack (and dispatch and arrive) after the given minutes. */
function ticket(elevator: Elevator, rule: string, createdAt: number, ackMinutes: number, arriveMinutes?: number) {
  const { ticket: opened } = store.tickets.record(
    entrapmentTicket(elevator, { rule, occurrences: [{ at: createdAt, seq: 1, code: 93, floor: 1, external: false }] }),
    new Date(createdAt),
  );
  store.tickets.transition(opened.id, 'ack', 'test', null, new Date(createdAt + ackMinutes * MINUTE_MS));
  if (arriveMinutes === undefined) return;
  store.tickets.transition(opened.id, 'dispatch', 'test', null, new Date(createdAt + ackMinutes * MINUTE_MS));
  store.tickets.transition(opened.id, 'arrive', 'test', null, new Date(createdAt + arriveMinutes * MINUTE_MS));
}

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry, minVisitMinutes: MIN_VISIT_MINUTES });
  const create = async (url: string, id: string) =>
    (await app.inject({ method: 'POST', url, headers: admin, payload: { id, name: id } })).json().apiKey as string;
  keys.insA = await create('/api/insurers', 'INS-A');
  keys.insB = await create('/api/insurers', 'INS-B');
  keys.regulator = await create('/api/regulators', 'SAMR-CQ');
  keys.unitA = await create('/api/use-units', 'UU-A');
  const register = (id: string, useUnit: string, insurer: string, contractor: string) =>
    (elevators[id] = store.elevators.register(registration(id, { useUnit, insurer, contractor }), 'h'));
  register('A1', 'UU-A', 'INS-A', 'MC-GOOD');
  register('A2', 'UU-A', 'INS-A', 'MC-GOOD');
  register('B1', 'UU-B', 'INS-B', 'MC-POOR');
  register('O15', 'UU-O', 'INS-C', 'MC-IDLE');
  register('O16', 'UU-O', 'INS-C', 'MC-IDLE');
  const { A1, A2, B1, O15, O16 } = elevators as Record<string, Elevator>;
  // A1: the previous check-out in September, then 13 and 15 days apart (both on time); November is outside.
  await maintain(A1!, [
    ...visit(sh('09-20T10:00'), 30),
    ...visit(sh('10-03T10:00'), 20),
    ...visit(sh('10-18T10:00'), 19),
    ...visit(sh('11-05T10:00'), 30),
  ]);
  // A2: none in the 15 days before the first, 18 days to the second: both late.
  await maintain(A2!, [...visit(sh('10-02T09:00'), 45), ...visit(sh('10-20T09:00'), 30)]);
  // B1: the first late, the second 7 days on; then a check-in with no check-out yet.
  await maintain(B1!, [
    ...visit(sh('10-05T09:00'), 10),
    ...visit(sh('10-12T09:00'), 60),
    ['checkin', sh('10-30T10:00')],
  ]);
  await maintain(O15!, visit(sh('05-17T10:00'), 30));
  await maintain(O16!, visit(sh('05-16T10:00'), 30));

  ticket(A1!, 'critical-entrapment', sh('10-10T08:00'), 4, 20);
  ticket(A2!, 'repeat-after-maintenance', sh('10-21T08:00'), 10);
  ticket(B1!, 'maintenance-overdue', sh('10-28T07:00'), 30, 90);
  ticket(B1!, 'critical-entrapment', sh('10-29T07:00'), 20, 40);
  // Created after the period: counts nowhere.
  ticket(A1!, 'critical-overspeed', sh('11-02T07:00'), 1, 2);
});
afterAll(async () => {
  await app.close();
  store.close();
});

const get = (url: string, headers: Record<string, string> = admin) => app.inject({ url, headers });
const visitsOf = async (query: string, headers = admin) => {
  const response = await get(`/api/maintenance?${query}`, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Visit[];
};

describe('GET /api/maintenance', () => {
  it('pairs each check-in with the check-out after it, two visits in a row and an open one', async () => {
    const visits = await visitsOf(`elevator=B1&${OCTOBER}`);
    expect(visits).toEqual([
      {
        elevator: 'B1',
        useUnit: 'UU-B',
        insurer: 'INS-B',
        technician: '张师傅',
        contractor: 'MC-POOR',
        kind: 'half-monthly',
        items: ['曳引机', '门锁'],
        status: 'closed',
        checkInAt: iso(sh('10-05T08:50')),
        checkOutAt: iso(sh('10-05T09:00')),
        durationMinutes: 10,
        flagged: true,
        flagReason: '10 minutes on site, under the minimum of 20',
      },
      expect.objectContaining({ status: 'closed', durationMinutes: 60, flagged: false, flagReason: null }),
      expect.objectContaining({
        status: 'open',
        checkInAt: iso(sh('10-30T10:00')),
        checkOutAt: null,
        durationMinutes: null,
        flagged: false,
      }),
    ]);
  });

  it('flags a visit under the minimum, not one of exactly the minimum; ?flagged=true lists only those', async () => {
    const a1 = await visitsOf(`elevator=A1&${OCTOBER}`);
    expect(a1.map((one) => [one.durationMinutes, one.flagged])).toEqual([
      [20, false],
      [19, true],
    ]);
    const flagged = await visitsOf(`flagged=true&${OCTOBER}`);
    expect(flagged.map((one) => [one.elevator, one.durationMinutes])).toEqual([
      ['B1', 10],
      ['A1', 19],
    ]);
    expect((await get(`/api/maintenance?${OCTOBER}`)).json().minVisitMinutes).toBe(MIN_VISIT_MINUTES);
  });

  it('filters by contractor and keeps each caller to its scope', async () => {
    expect((await visitsOf(`contractor=MC-GOOD&${OCTOBER}`)).map((one) => one.elevator)).toEqual([
      'A2',
      'A1',
      'A1',
      'A2',
    ]);
    expect(new Set((await visitsOf(OCTOBER, bearer(keys.insB))).map((one) => one.elevator))).toEqual(new Set(['B1']));
    expect(new Set((await visitsOf(OCTOBER, bearer(keys.unitA))).map((one) => one.elevator))).toEqual(
      new Set(['A1', 'A2']),
    );
    expect(await visitsOf(`elevator=B1&${OCTOBER}`, bearer(keys.insA))).toEqual([]);
    expect((await visitsOf(OCTOBER, bearer(keys.regulator))).length).toBe(7);
  });
});

describe('GET /api/maintenance/overdue', () => {
  const asOf = encodeURIComponent(iso(sh('06-01T10:00')));
  it('lists an elevator 16 days after its last check-out, not one exactly 15 days after', async () => {
    const response = await get(`/api/maintenance/overdue?useUnit=UU-O&asOf=${asOf}`, bearer(keys.regulator));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().useUnits).toEqual([
      {
        useUnit: 'UU-O',
        elevators: [{ elevator: 'O16', contractor: 'MC-IDLE', lastCheckOutAt: iso(sh('05-16T10:00')), daysSince: 16 }],
      },
    ]);
  });

  it('groups per use unit, a use unit sees its own only', async () => {
    const all = (await get(`/api/maintenance/overdue?asOf=${asOf}`)).json();
    expect(all.useUnits.map((unit: { useUnit: string }) => unit.useUnit)).toEqual(['UU-A', 'UU-B', 'UU-O']);
    const own = (await get(`/api/maintenance/overdue?asOf=${asOf}`, bearer(keys.unitA))).json();
    expect(own.useUnits).toEqual([
      {
        useUnit: 'UU-A',
        elevators: [
          { elevator: 'A1', contractor: 'MC-GOOD', lastCheckOutAt: null, daysSince: null },
          { elevator: 'A2', contractor: 'MC-GOOD', lastCheckOutAt: null, daysSince: null },
        ],
      },
    ]);
  });
});

describe('GET /api/contractors/scores', () => {
  const GOOD = {
    contractor: 'MC-GOOD',
    lifts: 2,
    visits: 4,
    visitsOnTime: 2,
    overdue: 0,
    repeatsAfterMaintenance: 1,
    entrapmentsPer100Lifts: 50,
    responseMinutes: 7,
    onSiteMinutes: 20,
    // 30*2/4 + 20*(1-1/4) + 15*(1-0/2) + 15*max(0, 1-50/10) + 10*(1-7/30) + 10*(1-20/60)
    score: 59.3,
  };
  const POOR = {
    contractor: 'MC-POOR',
    lifts: 1,
    visits: 2,
    visitsOnTime: 1,
    overdue: 1,
    repeatsAfterMaintenance: 0,
    entrapmentsPer100Lifts: 100,
    responseMinutes: 25,
    onSiteMinutes: 65,
    // 30*1/2 + 20*1 + 15*(1-1/1) + 0 + 10*(1-25/30) + 10*max(0, 1-65/60)
    score: 36.7,
  };
  // No visits at all: punctuality 0, nothing else against it.
  const IDLE = {
    ...GOOD,
    contractor: 'MC-IDLE',
    visits: 0,
    visitsOnTime: 0,
    repeatsAfterMaintenance: 0,
    entrapmentsPer100Lifts: 0,
    responseMinutes: null,
    onSiteMinutes: null,
    score: 70,
  };

  it('computes every column and the score over the period, best first', async () => {
    const response = await get(`/api/contractors/scores?${OCTOBER}`, bearer(keys.regulator));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      from: iso(sh('10-01T00:00')),
      to: iso(sh('11-01T00:00')),
      contractors: [IDLE, GOOD, POOR],
    });
  });

  it('computes an insurer’s table over its own elevators only; use units may not read it', async () => {
    expect((await get(`/api/contractors/scores?${OCTOBER}`, bearer(keys.insA))).json().contractors).toEqual([GOOD]);
    expect((await get(`/api/contractors/scores?${OCTOBER}`, bearer(keys.insB))).json().contractors).toEqual([POOR]);
    expect((await get(`/api/contractors/scores?${OCTOBER}`, bearer(keys.unitA))).statusCode).toBe(403);
  });

  it('defaults to the last full month in Shanghai', async () => {
    const { from, to } = (await get('/api/contractors/scores')).json();
    expect(Date.parse(to) - Date.parse(from)).toBeGreaterThanOrEqual(28 * DAY_MS);
    expect(new Date(Date.parse(from) + 8 * 3_600_000).toISOString()).toMatch(/-01T00:00:00.000Z$/);
    expect(Date.parse(to)).toBeLessThanOrEqual(Date.now());
  });

  it('gives CSV: UTF-8 with a BOM, the Chinese headers, a row per contractor', async () => {
    const response = await get(`/api/contractors/scores?${OCTOBER}&format=csv`, bearer(keys.insB));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [header, row, end] = response.rawPayload.subarray(3).toString('utf8').split('\r\n');
    expect(header).toBe(Object.values(CONTRACTOR_SCORE_HEADERS).join(','));
    expect(row).toBe('MC-POOR,1,2,1,1,0,100,25,65,36.7');
    expect(end).toBe('');
  });

  it('gives XLSX: one sheet, the same headers and numbers', async () => {
    const response = await get(`/api/contractors/scores?${OCTOBER}&format=xlsx`, bearer(keys.insB));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="contractor-league.xlsx"/);
    const workbook = await readXlsx(response.rawPayload);
    expect(sheetRows(workbook, LEAGUE_SHEET)).toEqual([
      Object.values(CONTRACTOR_SCORE_HEADERS),
      ['MC-POOR', 1, 2, 1, 1, 0, 100, 25, 65, 36.7],
    ]);
  });
});
