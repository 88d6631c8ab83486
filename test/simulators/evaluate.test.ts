import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { SCHEDULED_RULES } from '../../rules/registry.js';
import { evaluate, storedTickets, type Evaluation } from '../../simulators/evaluate.js';
import { build as buildFleet } from '../../simulators/fleet.js';
import { resolveScenario } from '../../simulators/scenario.js';
import type { ScoredTicket } from '../../simulators/score.js';
import { readTruth, type TruthRecord } from '../../simulators/truth.js';
import { tempDir, uniqueDatabase } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
/** Measurements of messages with a seq; presence and gaps are compared apart. */
const MEASUREMENTS = ['telemetry', 'faults', 'doors', 'maintenance'] as const;

/**
 * Five days of a small fleet that wears, faults, loses power, goes offline and traps people:
 * tickets of every kind (the door-lock landing rule asks its openings a day apart, so the wear
 * takes two days or more to show).
 */
const scenario = resolveScenario({
  name: 'evaluator-equivalence',
  seed: 11,
  from: '2026-06-01T00:00:00+08:00',
  duration: '5d',
  speed: 'max',
  fleet: { elevators: 8 },
  backgroundFaults: 6,
  offlinePerWeek: 3,
  powerOffsPerYear: 40,
  degradations: [
    { kind: 'door-lock-wear', share: 0.4, onsetDays: [0, 0.3], latentDays: [0, 0.2], minorDays: [2, 3] },
    { kind: 'safety-circuit-intermittent', share: 0.3, onsetDays: [0, 0.5], latentDays: [0, 0.2], minorDays: [2, 3] },
  ],
  critical: { entrapment: 40, 'bottom-overrun': 5, 'top-overrun': 5, 'unintended-movement': 5 },
});

const scheduled = new Set(SCHEDULED_RULES.map((rule) => rule.id));
/** What a stream rule's ticket is, whichever path opened it. */
const streamTickets = (tickets: readonly ScoredTicket[]) =>
  tickets
    .filter((ticket) => !scheduled.has(ticket.rule))
    .map(({ rule, elevator, category, openedAt, occurrences }) => ({
      rule,
      elevator,
      category,
      openedAt,
      occurrences: occurrences?.length,
    }))
    .sort((a, b) => `${a.elevator} ${a.rule} ${a.openedAt}`.localeCompare(`${b.elevator} ${b.rule} ${b.openedAt}`));
const sortedTruth = (truth: readonly TruthRecord[]) => truth.map((record) => JSON.stringify(record)).sort();

let system: TestSystem;
let realTruth: TruthRecord[];
let realTickets: ScoredTicket[];
let streamOnly: Evaluation;

beforeAll(async () => {
  system = await startTestSystem();
  const dir = tempDir();
  const truthFile = path.join(dir, 'truth.jsonl');
  const fleet = buildFleet({
    scenario,
    mqttUrl: system.mqttUrl,
    api: { apiUrl: system.httpUrl, adminToken: system.adminToken },
    credentialsFile: path.join(dir, 'credentials.json'),
    truthFile,
    logger,
  });
  await fleet.run();
  await system.ingest.flush();
  realTruth = readTruth(truthFile);
  realTickets = storedTickets(system.context.store);
  streamOnly = await evaluate({ scenario });
}, 180_000);
afterAll(() => system?.stop());

describe('the in-process evaluator', () => {
  it('plays the same traffic as the fleet over MQTT: the same ground truth', () => {
    expect(sortedTruth(streamOnly.truth)).toEqual(sortedTruth(realTruth));
    expect(streamOnly.truth.filter((record) => record.category === 'degradation').length).toBeGreaterThan(2);
  });

  it('opens the stream rules tickets a real liftwatch opens for that traffic: rule, elevator, openedAt', () => {
    const real = streamTickets(realTickets);
    expect(real.filter((ticket) => ticket.category === 'hazard').length).toBeGreaterThan(0);
    expect(real.filter((ticket) => ticket.category === 'critical').length).toBeGreaterThan(0);
    expect(streamTickets(streamOnly.tickets)).toEqual(real);
    expect(streamOnly.stats).toMatchObject({ rejected: 0, engineErrors: 0, scans: 0, points: 0 });
  });

  it('also writes what ingest stores into InfluxDB, and scans the scheduled rules as of each simulated day', async () => {
    const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await telemetry.ensureDatabase();
    const withInflux = await evaluate({ scenario, telemetry });
    expect(streamTickets(withInflux.tickets)).toEqual(streamTickets(realTickets));
    expect(withInflux.stats.scans).toBe((scenario.duration / DAY) * SCHEDULED_RULES.length);
    const stored = async (store: { query: TestSystem['query'] }) => {
      const first = async (influxql: string) => Number((await store.query(influxql))[0]?.rows[0]?.value ?? 0);
      const counts: Record<string, number> = {};
      for (const measurement of MEASUREMENTS)
        counts[measurement] = await first(`SELECT count(seq) AS value FROM ${measurement}`);
      counts.online = await first('SELECT count(online) AS value FROM online');
      counts.link = await first('SELECT count(missed) AS value FROM link');
      counts.missed = await first('SELECT sum(missed) AS value FROM link');
      return counts;
    };
    const evaluated = await stored(telemetry);
    // Presence: each connection's 1 and each will's bare 0 (timed at the disconnect here, on arrival there).
    await expect.poll(async () => (await stored(system)).online).toBe(evaluated.online);
    expect(evaluated).toEqual(await stored(system));
    // Terminals went offline and came back: more presence points than the first one of each.
    expect(evaluated.online).toBeGreaterThan(scenario.fleet.elevators + 2);
    const lines = Object.entries(evaluated).filter(([name]) => name !== 'missed');
    expect(withInflux.stats.points).toBe(lines.reduce((sum, [, count]) => sum + count, 0));
  }, 60_000);
});
