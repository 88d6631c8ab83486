import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPIC_KINDS, buildTopic, payloadSchemas } from '../../contract/index.js';
import { closed, connectDevice } from '../helpers/device.js';
import { startTestSystem, type TestSystem } from '../helpers/system.js';
import { fuzzSeed, fuzzTarget, plainRegistration, registerDevice } from './harness.js';
import { inputSchemaOf, largestValue, outputSchemaOf } from './json-schema.js';
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
        shrink: true,
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
        shrink: true,
      });
      expect(result.failures, result.report ?? '').toBe(0);
      expect(result.runs).toBe(MQTT_RUNS);
    },
    TIMEOUT_MS,
  );

  // A device whose message the broker refuses resends it at each reconnection, and nothing after it gets through.
  it('the largest payload of each kind the contract accepts gets through the broker and is stored', async () => {
    for (const kind of TOPIC_KINDS) {
      const device = await registerDevice(system.context.store, plainRegistration(`FZ-LARGEST-${kind}`));
      const client = await connectDevice(system.mqttUrl, device.id, device.token);
      // Its ts as long as the contract allows, but not ahead of now: ingest refuses a clock far ahead.
      const payload = JSON.stringify(
        largestValue(outputSchemaOf(payloadSchemas[kind]), inputSchemaOf(payloadSchemas[kind]), Date.now()),
      );
      const outcome = await Promise.race([
        client.publishAsync(buildTopic(device.id, kind), payload, { qos: 1 }).then(() => 'acknowledged'),
        closed(client).then(() => 'closed'),
      ]);
      expect(outcome, `${kind}, ${Buffer.byteLength(payload)} bytes`).toBe('acknowledged');
      const stored = await system.query(`SELECT * FROM "${kind}" WHERE "elevator" = '${device.id}'`);
      expect(
        stored.flatMap((series) => series.rows),
        kind,
      ).toHaveLength(1);
    }
  });
});
