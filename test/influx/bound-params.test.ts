import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodePayload, type Elevator, type PayloadInputOf, type TopicKind } from '../../contract/index.js';
import { loadDashboards, previewDashboard, queryWith } from '../../dashboards/preview.js';
import { recentOf } from '../../api/routes/elevator-recent.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { encodeLine } from '../../influx/line-protocol.js';
import type { QueryParams, Series, TelemetryStore } from '../../influx/types.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { checkoutsByElevator, listVisits } from '../../reports/visits.js';
import { readFleetFigures } from '../../risk/figures.js';
import { draftDigests } from '../../rules/digests.js';
import { eventsBetween } from '../../rules/history.js';
import { SCHEDULED_RULES } from '../../rules/registry.js';
import { Scanner } from '../../rules/scanner.js';
import { openScratchStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { registration, uniqueDatabase } from '../helpers/fixtures.js';

/**
 * Every value that reaches InfluxQL goes as a bound parameter (InfluxDB 1.x `params=`), never into
 * the statement's text: first with a store that records what it is asked, then against a real
 * influxd with values written to change a statement's meaning.
 */

const DAY_MS = 86_400_000;
/** Values an attacker would try: quotes, a second statement, backslashes, newlines, regex and Grafana syntax. */
const HOSTILE = [
  "X' OR 1=1 --",
  "'; DROP DATABASE liftwatch",
  'back\\slash "quoted" \n newline',
  '/.*/ OR elevator =~ /.*',
  ').*|(',
  '$timeFilter',
];
/** An epoch-ms time: no statement's text may hold it, nor any other time (10 digits or more). */
const NOW = Date.UTC(2031, 4, 7, 3, 2, 1, 789);

interface Asked {
  readonly influxql: string;
  readonly params: QueryParams;
}

/** A TelemetryStore that keeps what it is asked and lists HOSTILE as every tag's values. */
function recorder(): { asked: Asked[]; telemetry: TelemetryStore } {
  const asked: Asked[] = [];
  const telemetry: TelemetryStore = {
    ping: async () => 'recorder',
    ensureDatabase: async () => {},
    write: async () => {},
    query: async (influxql: string, params: QueryParams = {}): Promise<Series[]> => {
      asked.push({ influxql, params });
      if (!influxql.startsWith('SHOW TAG VALUES')) return [];
      return [{ name: 'm', tags: {}, rows: HOSTILE.map((value) => ({ key: 'k', value })) }];
    },
  };
  return { asked, telemetry };
}

/** Nothing of a value in the text: no hostile string, no epoch time, no second statement. */
function expectNoValueInText(asked: readonly Asked[]) {
  expect(asked.length).toBeGreaterThan(0);
  for (const { influxql } of asked) {
    for (const value of HOSTILE) expect(influxql, influxql).not.toContain(value);
    expect(influxql, influxql).not.toMatch(/\d{10,}/);
    expect(influxql, influxql).not.toContain(';');
  }
}

const paramValues = (asked: readonly Asked[]) => JSON.stringify(asked.map(({ params }) => params));

describe('queries liftwatch builds', () => {
  let store: Store;
  beforeAll(() => {
    store = openScratchStore();
  });
  afterAll(() => store.close());

  it("an elevator's recent faults and doors: the id and the times only as parameters", async () => {
    const { asked, telemetry } = recorder();
    for (const id of HOSTILE) await recentOf(telemetry, id, 7, NOW);
    expectNoValueInText(asked);
    for (const id of HOSTILE) expect(paramValues(asked)).toContain(JSON.stringify(id));
  });

  it('the risk figures, for the fleet and for one elevator', async () => {
    const { asked, telemetry } = recorder();
    await readFleetFigures(telemetry, store.tickets, NOW);
    for (const id of HOSTILE) await readFleetFigures(telemetry, store.tickets, NOW, id);
    expectNoValueInText(asked);
    for (const id of HOSTILE) expect(paramValues(asked)).toContain(JSON.stringify(id));
  });

  it("the rules' history, for all elevators and for a list of them", async () => {
    const { asked, telemetry } = recorder();
    await eventsBetween(telemetry, NOW - DAY_MS, NOW);
    await eventsBetween(telemetry, NOW - DAY_MS, NOW, HOSTILE);
    expectNoValueInText(asked);
  });

  it('every scheduled rule, with its times as parameters', async () => {
    const { asked, telemetry } = recorder();
    const scanner = new Scanner({ store, telemetry, logger: pino({ level: 'silent' }) });
    for (const rule of SCHEDULED_RULES) await scanner.scan(rule, NOW);
    expectNoValueInText(asked);
    expect(new Set(asked.map(({ influxql }) => influxql)).size).toBeGreaterThanOrEqual(SCHEDULED_RULES.length);
  });

  it('the digests, visits and check-outs', async () => {
    const { asked, telemetry } = recorder();
    await draftDigests('daily', NOW, { store, telemetry });
    for (const elevator of HOSTILE)
      await listVisits(telemetry, new Map(), { from: NOW - DAY_MS, to: NOW, elevator }, 10);
    await checkoutsByElevator(telemetry, NOW - DAY_MS, NOW);
    expectNoValueInText(asked);
    for (const id of HOSTILE) expect(paramValues(asked)).toContain(JSON.stringify(id));
  });

  it("the dashboards' preview: variables chosen among hostile tag values, and the range, bound", async () => {
    const { asked, telemetry } = recorder();
    for (const dashboard of loadDashboards()) {
      const requested = Object.fromEntries(
        (dashboard.templating.list ?? []).map((variable, index) => [
          variable.name,
          [HOSTILE[index % HOSTILE.length] as string],
        ]),
      );
      await previewDashboard(dashboard, queryWith(telemetry), { fromMs: NOW - 7 * DAY_MS, toMs: NOW }, requested);
    }
    expectNoValueInText(asked);
    expect(asked.some(({ influxql }) => influxql.includes('$timeFilter'))).toBe(false);
  });
});

describe('hostile values against InfluxDB', () => {
  const db = uniqueDatabase();
  const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db });
  const now = Date.now();
  const store = openScratchStore();
  const elevators = ['E-1', 'E-2'].map((id) => store.elevators.register(registration(id), 'h'));
  let seq = 0;
  const fault = (at: number): [TopicKind, PayloadInputOf<'faults'>] => [
    'faults',
    { ts: at, seq: ++seq, code: 2, floor: 3 },
  ];

  async function write(elevator: Elevator, messages: Array<[TopicKind, object]>) {
    const lines = messages.map(([kind, payload]) => {
      const decoded = decodePayload(kind, JSON.stringify(payload));
      if (!decoded.ok) throw new Error(decoded.reason);
      return encodeLine(toPoint(decoded.message, elevator, now), FIELD_TYPES[kind]);
    });
    await telemetry.write(lines);
  }

  beforeAll(async () => {
    await telemetry.ensureDatabase();
    for (const elevator of elevators) await write(elevator, [fault(now - 60_000)]);
  });
  afterAll(() => store.close());

  const stored = async () => (await telemetry.query('SELECT count(seq) FROM faults'))[0]?.rows[0]?.count;

  it('an id that closes the quote and widens the condition reads nothing', async () => {
    const recent = await recentOf(telemetry, "E-1' OR elevator =~ /.*/ OR elevator = 'x", 7, now);
    expect(recent.faults).toEqual([]);
    const figures = await readFleetFigures(telemetry, store.tickets, now, "E-1' OR elevator = 'E-2");
    expect(figures.figuresOf(elevators[1] as Elevator).faults.minor).toBe(0);
    expect(await eventsBetween(telemetry, now - DAY_MS, now + 1, ['E-1)|(.*'])).toEqual([]);
  });

  it('an id that ends the statement and drops the database drops nothing', async () => {
    await recentOf(telemetry, `'; DROP DATABASE "${db}"; SELECT * FROM faults WHERE elevator = '`, 7, now).catch(
      () => undefined,
    );
    await listVisits(
      telemetry,
      new Map(),
      { from: now - DAY_MS, to: now, elevator: `x'; DROP DATABASE "${db}"; SELECT * FROM faults WHERE elevator = 'x` },
      10,
    ).catch(() => undefined);
    expect(await stored()).toBe(2);
  });

  it('an id with quotes, backslashes and a newline is compared as it is', async () => {
    for (const id of HOSTILE) expect((await recentOf(telemetry, id, 7, now)).faults).toEqual([]);
    expect((await recentOf(telemetry, 'E-2', 7, now)).faults).toHaveLength(1);
    expect(await eventsBetween(telemetry, now - DAY_MS, now + 1, ['E-2', ...HOSTILE])).toHaveLength(1);
  });
});
