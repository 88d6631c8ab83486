import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../helpers/system.js';
import { fuzzSeed, fuzzTarget } from './harness.js';
import { fuzzBrokerSocket } from './properties.js';

/** Batches of 12 connections on average: about a thousand here; `npm run bench -- fuzz` sends over 20,000. */
const RUNS = 80;
const TIMEOUT_MS = 60_000;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

describe('the broker socket under random and mutated MQTT packets', () => {
  it(
    'keeps serving devices, keeps its heap bounded and lets no error go uncaught',
    async () => {
      const result = await fuzzBrokerSocket(fuzzTarget(system.context, system), {
        numRuns: RUNS,
        seed: fuzzSeed(),
        shrink: false,
      });
      expect(result.failures, result.report ?? '').toBe(0);
      expect(result.runs).toBe(RUNS);
    },
    TIMEOUT_MS,
  );
});
