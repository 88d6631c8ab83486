import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  decodePayload,
  type Elevator,
  type ElevatorRisk,
  type PayloadInputOf,
  type RiskPage,
  type TopicKind,
} from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { encodeLine } from '../../influx/line-protocol.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { shanghaiDate } from '../../lib/shanghai.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { entrapmentTicket, registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';

/**
 * A fleet of four whose scores are worked out by hand below (docs/risk.md has the formula).
 * Telemetry runs from 100 days ago to now, so runs per day are the runs over 100.
 */
const ADMIN = 'admin-key-of-the-risk-test';
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const OBSERVED_DAYS = 100;
const now = Date.now();
const daysAgo = (days: number) => now - days * DAY_MS;
/** A week before the birthday, so the age in full years is the same all test long. */
const installedYearsAgo = (years: number) => {
  const date = new Date(now - WEEK_MS);
  date.setUTCFullYear(date.getUTCFullYear() - years);
  return shanghaiDate(date.getTime());
};

let store: Store;
let app: FastifyInstance;
let keys: { insurerA: string; insurerB: string; unitOne: string };
let seq = 0;

const telemetryAt = (ts: number, runs: number): [TopicKind, PayloadInputOf<'telemetry'>] => [
  'telemetry',
  { ts, seq: ++seq, mode: 1, floor: 1, direction: 0, doorState: 2, runs, runSeconds: runs, doorCycles: runs },
];
const faultAt = (ts: number, code: number): [TopicKind, PayloadInputOf<'faults'>] => [
  'faults',
  { ts, seq: ++seq, code: code as 93, floor: 1 },
];
const checkoutAt = (ts: number): [TopicKind, PayloadInputOf<'maintenance'>] => [
  'maintenance',
  { ts, seq: ++seq, action: 'checkout', technician: 'T-1', contractor: 'MC-OTIS', kind: 'half-monthly' },
];
/** A first and a last telemetry point: `runs` in the window over OBSERVED_DAYS. */
const usage = (runs: number) => [telemetryAt(daysAgo(OBSERVED_DAYS), 0), telemetryAt(now, runs)];
/** Fault codes of each severity (contract/fault-codes.ts). */
const CRITICAL = 5;
const MAJOR = 4;
const MINOR = 2;
const MODE_CHANGE = 42;
const MAINS_OFF = 41;

async function post(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${ADMIN}` }, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function write(telemetry: InfluxHttpStore, elevator: Elevator, messages: Array<[TopicKind, object]>) {
  const lines = messages.map(([kind, payload]) => {
    const decoded = decodePayload(kind, JSON.stringify(payload));
    if (!decoded.ok) throw new Error(decoded.reason);
    return encodeLine(toPoint(decoded.message, elevator, now), FIELD_TYPES[kind]);
  });
  await telemetry.write(lines);
}

function ticket(elevator: Elevator, rule: string, at: number) {
  return store.tickets.record(
    entrapmentTicket(elevator, {
      rule,
      severity: 'major',
      category: 'maintenance',
      occurrences: [{ at, seq: null, code: null, floor: null, external: false }],
    }),
    new Date(at),
  ).ticket;
}

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  keys = {
    insurerA: (await post('/api/insurers', { id: 'INS-A', name: 'A' })).apiKey,
    insurerB: (await post('/api/insurers', { id: 'INS-B', name: 'B' })).apiKey,
    unitOne: (await post('/api/use-units', { id: 'UU-1', name: 'One' })).apiKey,
  };
  const register = (id: string, years: number, insurer: string, useUnit: string, district: string) =>
    store.elevators.register(
      registration(id, { installedOn: installedYearsAgo(years), insurer, useUnit, district }),
      'h',
    );
  const a = register('E-A', 30, 'INS-A', 'UU-1', '渝中区');
  const b = register('E-B', 5, 'INS-A', 'UU-1', '渝中区');
  const c = register('E-C', 12, 'INS-A', 'UU-2', '江北区');
  register('E-D', 10, 'INS-B', 'UU-2', '江北区');

  await write(telemetry, a, [
    ...usage(600_000),
    faultAt(daysAgo(50), CRITICAL),
    faultAt(daysAgo(40), MAJOR),
    faultAt(daysAgo(30), MAJOR),
    ...[20, 21, 22].map((days) => faultAt(daysAgo(days), MINOR)),
    faultAt(daysAgo(10), MODE_CHANGE),
    faultAt(daysAgo(9), MAINS_OFF),
    faultAt(daysAgo(400), CRITICAL),
    ...[90, 60, 10].map((days) => checkoutAt(daysAgo(days))),
  ]);
  await write(telemetry, b, [
    ...usage(200_000),
    faultAt(daysAgo(5), MAJOR),
    faultAt(daysAgo(4), MINOR),
    ...[90, 75, 60, 45, 30, 15, 1].map((days) => checkoutAt(daysAgo(days))),
  ]);
  await write(telemetry, c, [...usage(10_000), faultAt(daysAgo(3), CRITICAL), faultAt(daysAgo(2), MINOR)]);

  ticket(a, 'door-lock-recurring', daysAgo(20));
  ticket(a, 'door-trend', daysAgo(19));
  ticket(a, 'repeat-after-maintenance', daysAgo(18));
  ticket(a, 'critical-entrapment', daysAgo(17));
  const falseAlarm = ticket(a, 'brake-recurring', daysAgo(16));
  store.tickets.transition(falseAlarm.id, 'false-alarm', 'admin', null, new Date(daysAgo(16)));
  ticket(b, 'brake-recurring', daysAgo(400));
  ticket(c, 'brake-recurring', daysAgo(8));
});
afterAll(async () => {
  await app.close();
  store.close();
});

const get = (url: string, key = ADMIN) => app.inject({ url, headers: { authorization: `Bearer ${key}` } });
const pointsOf = (risk: ElevatorRisk) => Object.fromEntries(risk.factors.map((one) => [one.factor, one.points]));

describe('GET /api/elevators/:id/risk', () => {
  it('explains every factor of a worked example with its figures', async () => {
    const response = await get('/api/elevators/E-A/risk');
    expect(response.statusCode, response.body).toBe(200);
    const risk = response.json() as ElevatorRisk;
    // Age 30 ≥ 25: 20. Faults: (1×10 + 2×3 + 3×1) = 19 per 600,000 runs = 0.0317 per 1,000 → 35 × 0.0317 = 1.1.
    // Recurring: 3 of 5 → 12 (the entrapment and the false alarm do not count). Usage: 6,000 a day against the
    // fleet median 2,000 = 3× → 10. Maintenance: gaps 10, 30, 50, 10 days → 15 + 35 = 50 overdue of 60 → 12.5.
    expect(pointsOf(risk)).toEqual({ age: 20, faults: 1.1, recurring: 12, usage: 10, maintenance: 12.5 });
    expect(risk.score).toBe(55.6);
    expect(risk).toMatchObject({ elevator: 'E-A', district: '渝中区', useUnit: 'UU-1', insurer: 'INS-A' });
    expect(risk.observedDays).toBe(OBSERVED_DAYS);
    const [age, faults, recurring, usage, maintenance] = risk.factors;
    expect(age).toMatchObject({ weight: 20, normalised: 1, figures: { ageYears: 30 } });
    expect(faults).toMatchObject({
      weight: 35,
      normalised: 0.032,
      figures: {
        critical: 1,
        major: 2,
        minor: 3,
        info: 0,
        weightedFaults: 19,
        runs: 600_000,
        weightedPer1000Runs: 0.03,
      },
    });
    expect(faults?.explanation).toBe('19 weighted faults (critical ×10, major ×3, minor ×1) per 1,000 runs: 0.03');
    expect(recurring).toMatchObject({ weight: 20, normalised: 0.6, figures: { recurringTickets: 3 } });
    expect(usage).toMatchObject({
      weight: 10,
      normalised: 1,
      figures: { runsPerDay: 6000, fleetMedianRunsPerDay: 2000, ratio: 3 },
    });
    expect(maintenance).toMatchObject({ weight: 15, normalised: 0.833, figures: { overdueDays: 50 } });
    expect(maintenance?.explanation).toBe('50 days overdue in 12 months');
    expect(Date.parse(risk.to) - Date.parse(risk.from)).toBe(365 * DAY_MS);
  });

  it('caps each factor at its weight', async () => {
    const risk = (await get('/api/elevators/E-C/risk')).json() as ElevatorRisk;
    // Age 12 of 25: 9.6. Faults: 11 per 10,000 runs = 1.1 per 1,000, past the cap of 1: 35. One recurring
    // ticket: 4. Usage: 100 a day, below the median: 0. No visit in 100 days: 85 overdue, past 60: 15.
    expect(pointsOf(risk)).toEqual({ age: 9.6, faults: 35, recurring: 4, usage: 0, maintenance: 15 });
    expect(risk.score).toBe(63.6);
    expect(risk.factors[4]?.figures).toEqual({ overdueDays: 85 });
  });

  it('scores an elevator with no data on age alone, with null figures, not NaN', async () => {
    const response = await get('/api/elevators/E-D/risk', keys.insurerB);
    expect(response.statusCode, response.body).toBe(200);
    const risk = response.json() as ElevatorRisk;
    expect(pointsOf(risk)).toEqual({ age: 8, faults: 0, recurring: 0, usage: 0, maintenance: 0 });
    expect(risk.score).toBe(8);
    expect(risk.observedDays).toBe(0);
    expect(risk.factors[1]?.figures).toMatchObject({ runs: null, weightedFaults: 0 });
    expect(risk.factors[3]?.figures).toEqual({ runsPerDay: null, fleetMedianRunsPerDay: 2000, ratio: null });
    expect(risk.factors[4]?.figures).toEqual({ overdueDays: null });
  });

  it("answers 404 for another insurer's or use unit's elevator, as for one that is not there", async () => {
    expect((await get('/api/elevators/E-D/risk', keys.insurerA)).statusCode).toBe(404);
    expect((await get('/api/elevators/E-C/risk', keys.unitOne)).statusCode).toBe(404);
    expect((await get('/api/elevators/E-B/risk', keys.unitOne)).statusCode).toBe(200);
    expect((await get('/api/elevators/NOPE/risk')).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/elevators/E-A/risk' })).statusCode).toBe(401);
  });
});

describe('GET /api/risk', () => {
  const ranking = async (query: string, key = ADMIN) => {
    const response = await get(`/api/risk${query}`, key);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as RiskPage;
  };
  const ids = (page: RiskPage) => page.items.map((risk) => [risk.elevator, risk.score]);

  it('ranks the fleet highest first', async () => {
    const page = await ranking('');
    expect(ids(page)).toEqual([
      ['E-C', 63.6],
      ['E-A', 55.6],
      ['E-D', 8],
      ['E-B', 4.7],
    ]);
    expect(page.next).toBeNull();
  });

  it('pages with limit and after', async () => {
    const first = await ranking('?limit=3');
    expect(ids(first).map(([id]) => id)).toEqual(['E-C', 'E-A', 'E-D']);
    expect(first.next).not.toBeNull();
    const second = await ranking(`?limit=3&after=${encodeURIComponent(first.next ?? '')}`);
    expect(ids(second)).toEqual([['E-B', 4.7]]);
    expect(second.next).toBeNull();
    expect((await get('/api/risk?after=nonsense')).statusCode).toBe(400);
  });

  it('filters by district and insurer, and keeps each insurer and use unit to its own', async () => {
    expect(ids(await ranking('?district=江北区')).map(([id]) => id)).toEqual(['E-C', 'E-D']);
    expect(ids(await ranking('?insurer=INS-B')).map(([id]) => id)).toEqual(['E-D']);
    expect(ids(await ranking('', keys.insurerA)).map(([id]) => id)).toEqual(['E-C', 'E-A', 'E-B']);
    expect((await ranking('?insurer=INS-A', keys.insurerB)).items).toEqual([]);
    expect(ids(await ranking('', keys.unitOne)).map(([id]) => id)).toEqual(['E-A', 'E-B']);
  });

  it('scores an elevator the same whoever asks (the fleet median is the whole fleet’s)', async () => {
    const own = (await ranking('', keys.unitOne)).items.find((risk) => risk.elevator === 'E-A');
    expect(own?.score).toBe(55.6);
  });
});
