import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_SYMPTOM_DAYS, type ElevatorSymptoms } from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { shanghaiMidnight } from '../../lib/shanghai.js';
import { RulesEngine } from '../../rules/engine.js';
import { rebuildFromHistory } from '../../rules/history.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { SYMPTOM_HISTORY, symptomMessages, writeMessages } from '../helpers/symptom-history.js';

const ADMIN = 'admin-key-of-the-symptoms-test';
const admin = { authorization: `Bearer ${ADMIN}` };
const ELEVATOR = 'E-SYMPTOMS';
const INSURER = 'INS-SYMPTOMS';
const DAY_MS = 86_400_000;
const FAMILY_IDS = [
  'door-faults',
  'door-lock',
  'safety-circuit',
  'position',
  'brake',
  'runtime-limiter',
  'levelling',
  'door-timing',
];
/** The baseline the replay shows and the one the engine rebuilds agree this closely (their days are cut differently). */
const SAME_BASELINE = 0.05;

let store: Store;
let telemetry: InfluxHttpStore;
let app: FastifyInstance;
let keys: { insurer: string; other: string };
const now = Date.now();
const today = shanghaiMidnight(now);
const shanghaiDate = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms);

async function post(url: string, payload: object) {
  const response = await app.inject({ method: 'POST', url, headers: admin, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

beforeAll(async () => {
  store = openSqliteStore(tempDir());
  telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  keys = {
    insurer: (await post('/api/insurers', { id: INSURER, name: 'Symptoms' })).apiKey,
    other: (await post('/api/insurers', { id: 'INS-OTHER', name: 'Other' })).apiKey,
  };
  const elevator = store.elevators.register(registration(ELEVATOR, { insurer: INSURER }), 'h');
  await writeMessages(telemetry, elevator, symptomMessages(now), now);
});
afterAll(async () => {
  await app.close();
  store.close();
});

const symptoms = (key: string, query = '', elevator = ELEVATOR) =>
  app.inject({ url: `/api/elevators/${elevator}/symptoms${query}`, headers: { authorization: `Bearer ${key}` } });

describe('GET /api/elevators/:id/symptoms', () => {
  let body: ElevatorSymptoms;
  const index = (daysAgo: number) => body.days.length - 1 - daysAgo;
  const family = (id: string) => body.families.find((one) => one.family === id);

  beforeAll(async () => {
    const response = await symptoms(keys.insurer);
    expect(response.statusCode, response.body).toBe(200);
    body = response.json();
  });

  it('gives every family, day by day over the last 60 Shanghai days', () => {
    expect(body.from).toBe(new Date(today - 59 * DAY_MS).toISOString());
    expect(body.days.map((day) => day.day)).toEqual(
      Array.from({ length: 60 }, (_, daysAgo) => shanghaiDate(today - (59 - daysAgo) * DAY_MS)),
    );
    expect(body.families.map((one) => one.family)).toEqual(FAMILY_IDS);
    for (const one of body.families) {
      expect([one.counted.length, one.setAside.length, one.usualPerDay.length]).toEqual([60, 60, 60]);
    }
  });

  it('counts what the detectors count: faults in a maintenance visit or a power cut are set aside', () => {
    const doorFaults = family('door-faults');
    const { visit, powerCut, rise, usualToDaysAgo } = SYMPTOM_HISTORY;
    expect(doorFaults?.counted[index(visit.daysAgo)]).toBe(0);
    expect(doorFaults?.setAside[index(visit.daysAgo)]).toBe(visit.faults);
    expect(doorFaults?.counted[index(powerCut.daysAgo)]).toBe(0);
    expect(doorFaults?.setAside[index(powerCut.daysAgo)]).toBe(powerCut.faults);
    expect(doorFaults?.counted[index(rise.daysAgo)]).toBe(rise.faults);
    expect(doorFaults?.counted[index(usualToDaysAgo)]).toBe(1);
    const usualDays = Array.from({ length: 60 }, (_, daysAgo) => daysAgo).filter(
      (daysAgo) => daysAgo >= usualToDaysAgo && daysAgo % SYMPTOM_HISTORY.usualEveryDays === 0,
    );
    expect(doorFaults?.counted.reduce((sum, count) => sum + count, 0)).toBe(rise.faults + usualDays.length);
    expect(family('position')?.counted[index(SYMPTOM_HISTORY.position.daysAgo)]).toBe(1);
    expect(family('brake')?.counted.every((count) => count === 0)).toBe(true);
    // The visit's two hours and the power cut's hour are not counted time.
    expect(body.days[index(visit.daysAgo)]?.countedShare).toBeCloseTo(1 - visit.hours / 24, 2);
    expect(body.days[index(powerCut.daysAgo)]?.countedShare).toBeCloseTo(1 - powerCut.hours / 24, 2);
    expect(body.days[index(20)]?.countedShare).toBe(1);
  });

  it("shows the detector's own baseline: the elevator's usual third of a door fault a day, bursts set aside", async () => {
    const usual = family('door-faults')?.usualPerDay ?? [];
    expect(
      usual.every((value) => value !== null && value > 0.2 && value < 0.5),
      usual.join(),
    ).toBe(true);
    // What the engine itself rebuilds from the same history after a restart.
    const engine = new RulesEngine({ store, logger: pino({ level: 'silent' }) });
    await rebuildFromHistory(engine, telemetry, store.elevators, pino({ level: 'silent' }), now);
    const elevator = store.elevators.get(ELEVATOR);
    const rebuilt = elevator && engine.baselineOf(elevator, 'door-faults')?.mean;
    expect(rebuilt).toBeGreaterThan(0);
    expect(Math.abs((usual.at(-1) ?? 0) / (rebuilt ?? 1) - 1)).toBeLessThan(SAME_BASELINE);
  });

  it('reaches back `days` days', async () => {
    const response = await symptoms(ADMIN, '?days=3');
    expect(response.statusCode, response.body).toBe(200);
    const short = response.json() as ElevatorSymptoms;
    expect(short.days.map((day) => day.day)).toEqual(
      [2, 1, 0].map((daysAgo) => shanghaiDate(today - daysAgo * DAY_MS)),
    );
    expect(short.families.find((one) => one.family === 'door-faults')?.counted[0]).toBe(SYMPTOM_HISTORY.rise.faults);
  });

  it('answers requests that come together, more than replay at once, each in turn', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map((days) => symptoms(keys.insurer, `?days=${days}`)));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers.map((answer) => (answer.json() as ElevatorSymptoms).days.length)).toEqual([1, 2, 3, 4]);
  });

  it('answers 404 to another insurer, as for an elevator that is not there, and 401 without a key', async () => {
    const other = await symptoms(keys.other);
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('LW_ERR_NOT_FOUND');
    expect(other.body).not.toContain('door-faults');
    expect((await symptoms(ADMIN, '', 'NOPE')).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/elevators/${ELEVATOR}/symptoms` })).statusCode).toBe(401);
  });

  it.each(['0', String(MAX_SYMPTOM_DAYS + 1), 'sixty', '1.5', '-3'])(
    'refuses days=%s with a coded error',
    async (days) => {
      const response = await symptoms(ADMIN, `?days=${days}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'LW_ERR_VALIDATION', message: expect.stringContaining('days') });
    },
  );

  it('answers 503 LW_ERR_INFLUX_UNAVAILABLE when InfluxDB does not answer', async () => {
    const down = await buildTestApi(store, ADMIN, {
      telemetry: new InfluxHttpStore({ url: 'http://127.0.0.1:1', db: uniqueDatabase() }),
    });
    try {
      const response = await down.inject({ url: `/api/elevators/${ELEVATOR}/symptoms`, headers: admin });
      expect(response.statusCode).toBe(503);
      expect(response.json().code).toBe('LW_ERR_INFLUX_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });

  it('is in the OpenAPI document', async () => {
    const paths = Object.keys((await app.inject({ url: '/docs/json' })).json().paths);
    expect(paths).toContain('/api/elevators/{id}/symptoms');
  });
});
