import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDER_PRINCIPAL } from '../../contract/index.js';
import { build as buildFleet } from '../../simulators/fleet.js';
import { buildPlayer } from '../../simulators/player.js';
import { buildRecorder } from '../../simulators/recorder.js';
import { resolveScenario } from '../../simulators/scenario.js';
import { readTrace } from '../../simulators/trace.js';
import { readTruth } from '../../simulators/truth.js';
import { sleep } from '../../simulators/publisher.js';
import { tempDir } from '../helpers/fixtures.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';

const logger = pino({ level: 'silent' });
const MEASUREMENTS = ['telemetry', 'faults', 'doors', 'maintenance', 'online'] as const;
const scenario = resolveScenario({
  name: 'replay-test',
  seed: 3,
  from: '2026-06-01T08:00:00+08:00',
  duration: '3h',
  speed: 'max',
  offlinePerWeek: 0,
  backgroundFaults: 20,
  fleet: { elevators: 4, doorReports: 'every-cycle' },
  degradations: [
    { kind: 'door-lock-wear', share: 1, onsetDays: [0, 0.01], latentDays: [0, 0.01], minorDays: [0.05, 0.1] },
  ],
});

let original: TestSystem;
let fresh: TestSystem;
const dir = tempDir();
const traceFile = path.join(dir, 'trace.jsonl');
const truthFile = path.join(dir, 'truth.jsonl');
let published: Record<string, number>;

beforeAll(async () => {
  original = await startTestSystem();
  fresh = await startTestSystem();
  const api = { apiUrl: original.httpUrl, adminToken: original.adminToken };
  const recorder = buildRecorder({
    mqttUrl: original.mqttUrl,
    username: RECORDER_PRINCIPAL,
    password: original.adminToken,
    clientId: RECORDER_PRINCIPAL,
    out: traceFile,
    api,
    logger,
  });
  await recorder.start();
  const fleet = buildFleet({
    scenario,
    mqttUrl: original.mqttUrl,
    api,
    credentialsFile: path.join(dir, 'credentials.json'),
    truthFile,
    logger,
  });
  const summary = await fleet.run();
  published = summary.byKind as Record<string, number>;
  const deadline = Date.now() + 10_000;
  while (recorder.stats().messages < summary.published && Date.now() < deadline) await sleep(20);
  await recorder.stop();
});
afterAll(async () => {
  await original?.stop();
  await fresh?.stop();
});

async function rows(system: TestSystem, measurement: string) {
  return (await system.query(`SELECT * FROM ${measurement} ORDER BY time`)).flatMap((series) => series.rows);
}

describe('a simulated run', () => {
  it('is stored point for point, with the ground truth in its file', async () => {
    for (const measurement of MEASUREMENTS) {
      expect(await rows(original, measurement)).toHaveLength(published[measurement] ?? 0);
    }
    const truth = readTruth(truthFile);
    const degradations = truth.filter((record) => record.scenario === 'door-lock-wear');
    expect(degradations).toHaveLength(4);
    for (const record of degradations) {
      const faults = await original.query(
        `SELECT count(seq) FROM faults WHERE elevator = '${record.elevator}' AND code = '100' AND time >= '${record.minorPhaseStart}'`,
      );
      if (record.status === 'failed') expect(faults[0]?.rows[0]?.count).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('record and replay', () => {
  it('records every message with the registry rows of its elevators', async () => {
    const trace = await readTrace(traceFile);
    expect(trace.messages).toHaveLength(Object.values(published).reduce((a, b) => a + b, 0));
    expect([...trace.registrations.keys()].sort()).toEqual(['SIM-000001', 'SIM-000002', 'SIM-000003', 'SIM-000004']);
  });

  it('replayed into a fresh system, gives the same stored points', async () => {
    const player = buildPlayer({
      trace: await readTrace(traceFile),
      speed: 'max',
      mqttUrl: fresh.mqttUrl,
      api: { apiUrl: fresh.httpUrl, adminToken: fresh.adminToken },
      credentialsFile: path.join(dir, 'replay-credentials.json'),
      logger,
    });
    const summary = await player.run();
    expect(summary).toMatchObject({ errors: 0, skipped: 0, elevators: 4 });
    for (const measurement of MEASUREMENTS) {
      await expect.poll(async () => (await rows(fresh, measurement)).length).toBe(published[measurement] ?? 0);
      expect(await rows(fresh, measurement)).toEqual(await rows(original, measurement));
    }
    expect(fs.existsSync(path.join(dir, 'replay-credentials.json'))).toBe(true);
  });
});

describe('a terminal going offline', () => {
  it('drops its connection without a goodbye, so the broker stores its will', async () => {
    const offline = resolveScenario({
      name: 'offline-test',
      seed: 4,
      from: '2026-06-02T08:00:00+08:00',
      duration: '6h',
      speed: 'max',
      offlinePerWeek: 300,
      fleet: { elevators: 2, idPrefix: 'OFF' },
    });
    const fleet = buildFleet({
      scenario: offline,
      mqttUrl: original.mqttUrl,
      api: { apiUrl: original.httpUrl, adminToken: original.adminToken },
      credentialsFile: path.join(dir, 'offline-credentials.json'),
      logger,
    });
    const summary = await fleet.run();
    expect(summary.disconnects).toBeGreaterThan(0);
    const wills = async () =>
      (await original.query('SELECT online, seq FROM online WHERE elevator =~ /^OFF/ AND online = 0')).flatMap(
        (series) => series.rows.filter((row) => row.seq === null),
      );
    await expect.poll(async () => (await wills()).length).toBe(summary.disconnects);
  });
});
