import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../helpers/system.js';
import { fuzzSeed, fuzzTarget } from './harness.js';
import { fuzzIngestPayloads, fuzzMqttPayloads } from './properties.js';

/** Runs of 32 messages on average: about 1,600 at ingest, 250 over MQTT; `npm run bench -- fuzz` sends 85,000. */
const INGEST_RUNS = 50;
const MQTT_RUNS = 8;
const TIMEOUT_MS = 60_000;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

describe('payloads generated from the contract and mutated', () => {
  it(
    'at ingest: nothing throws, every refused one is a dead letter with a reason, every accepted one is stored',
    async () => {
      const result = await fuzzIngestPayloads(fuzzTarget(system.context, system), {
        numRuns: INGEST_RUNS,
        seed: fuzzSeed(),
      });
      expect(result.failures, result.report ?? '').toBe(0);
      expect(result.runs).toBe(INGEST_RUNS);
    },
    TIMEOUT_MS,
  );

  it(
    'over MQTT from a registered device: the same',
    async () => {
      const result = await fuzzMqttPayloads(fuzzTarget(system.context, system), {
        numRuns: MQTT_RUNS,
        seed: fuzzSeed(),
      });
      expect(result.failures, result.report ?? '').toBe(0);
      expect(result.runs).toBe(MQTT_RUNS);
    },
    TIMEOUT_MS,
  );
});
