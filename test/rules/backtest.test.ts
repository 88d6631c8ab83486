import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SERVICE_MODES, type Ticket, type TopicKind } from '../../contract/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { registration, uniqueDatabase } from '../helpers/fixtures.js';
import { writeMessages } from '../helpers/symptom-history.js';
import { Lifts } from './lift-harness.js';

const ADMIN = 'admin-key-of-the-detector-backtest-test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The backtest's period: two weeks from a Shanghai midnight; the 90 days before it are the lifts' past. */
const FROM = Date.parse('2026-06-01T00:00:00+08:00');
const TO = FROM + 14 * DAY;
const PAST_DAYS = 90;

let store: Store;
let app: FastifyInstance;
/** The same days fed straight into an engine, as they would have come live. */
const asLive = new Lifts();

/**
 * Each day from PAST_DAYS before FROM to TO: telemetry in the morning, and `faults(day)` door
 * faults (day 0 is FROM's), an hour apart from 09:00.
 */
function lift(id: string, faults: (day: number) => number): Array<[TopicKind, object]> {
  const live = asLive.add(id);
  const messages: Array<[TopicKind, object]> = [];
  let seq = 0;
  for (let day = -PAST_DAYS; day < 14; day++) {
    const morning = FROM + day * DAY + 8 * HOUR;
    messages.push([
      'telemetry',
      {
        ts: morning,
        seq: ++seq,
        mode: SERVICE_MODES.normal,
        floor: 1,
        direction: 0,
        doorState: 2,
        runs: 300 * (day + PAST_DAYS),
        runSeconds: 0,
        doorCycles: 0,
      },
    ]);
    asLive.feed(live, { type: 'mode', at: morning, mode: SERVICE_MODES.normal, runs: 300 * (day + PAST_DAYS) });
    for (let n = 0; n < faults(day); n++) {
      messages.push(['faults', { ts: morning + (n + 1) * HOUR, seq: ++seq, code: 2, floor: 3 }]);
      asLive.feed(live, { type: 'fault', at: morning + (n + 1) * HOUR, seq, code: 2, floor: 3 });
    }
  }
  return messages;
}

beforeAll(async () => {
  store = openScratchStore();
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
  await telemetry.ensureDatabase();
  app = await buildTestApi(store, ADMIN, { telemetry });
  // A quiet lift (a door fault every fourth day) whose door faults rise to three a day in the period.
  const quiet = store.elevators.register(registration('QUIET'), 'h');
  await writeMessages(
    telemetry,
    quiet,
    lift('QUIET', (day) => (day >= 0 ? 3 : day % 4 === 0 ? 1 : 0)),
    TO,
  );
  // A busy lift whose passengers make two door faults a day, in the period as before it.
  const busy = store.elevators.register(registration('BUSY'), 'h');
  await writeMessages(
    telemetry,
    busy,
    lift('BUSY', () => 2),
    TO,
  );
}, 60_000);
afterAll(async () => {
  await app?.close();
  store?.close();
});

describe('backtest of a detector', () => {
  it("learns each elevator's normal from the days before the period: a quiet lift's rise opens, a busy lift's normal does not", async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/rules/backtest',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: {
        rule: 'door-faults-recurring',
        from: new Date(FROM).toISOString(),
        to: new Date(TO).toISOString(),
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const { tickets, faultsJudged } = response.json() as { tickets: Ticket[]; faultsJudged: number };
    expect(faultsJudged).toBe(14 * 3 + 14 * 2);
    expect(tickets.map((ticket) => ticket.elevator)).toEqual(['QUIET']);
    const [warning] = tickets;
    expect(warning).toMatchObject({
      rule: 'door-faults-recurring',
      category: 'hazard',
      evidence: { test: 'rate-rise' },
    });
    // Its usual rate is the one before the period, a door fault every fourth day: 1.75 a week.
    expect(warning?.evidence?.usualPerWeek).toBeGreaterThan(1);
    expect(warning?.evidence?.usualPerWeek).toBeLessThan(2.5);
    // Found in the rise's first week, at the event time of the fault that showed it: as live.
    expect(Date.parse(warning?.openedAt as string)).toBeGreaterThanOrEqual(FROM);
    expect(Date.parse(warning?.openedAt as string)).toBeLessThan(FROM + 7 * DAY);
    const [live] = asLive.tickets();
    expect(asLive.tickets()).toHaveLength(1);
    expect(warning).toMatchObject({ elevator: live?.elevator, openedAt: live?.openedAt, title: live?.title });
    expect(store.tickets.list({ limit: 10 }).items).toEqual([]);
  });

  it('takes the candidate config itself, not a mode or a shadow of it', async () => {
    for (const config of [{ mode: 'shadow' }, { shadow: { falseAlarmYears: 300 } }]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/rules/backtest',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: {
          rule: 'door-faults-recurring',
          from: new Date(FROM).toISOString(),
          to: new Date(TO).toISOString(),
          config,
        },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/leave out mode and shadow/);
    }
  });
});
