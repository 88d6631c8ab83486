import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../cli/context.js';
import { startSystem } from '../cli/system.js';
import { freePort } from '../lib/net.js';
import { fuzzSeed, fuzzTarget, type FuzzResult } from '../test/fuzz/harness.js';
import { fuzzBrokerSocket, fuzzIngestPayloads, fuzzMqttPayloads, type FuzzSize } from '../test/fuzz/properties.js';

/**
 * fast-check runs of each property, for over 100,000 inputs in all (issue 6): about 12
 * connections a batch at the socket, 32 messages a run at ingest and over MQTT.
 */
const RUNS = { socket: 2000, ingest: 2200, mqtt: 500 } as const;
/** The floor for the long run. */
export const MIN_INPUTS = 100_000;
const MS_PER_SECOND = 1000;

const PROPERTIES: ReadonlyArray<{
  readonly run: (target: ReturnType<typeof fuzzTarget>, size: FuzzSize) => Promise<FuzzResult>;
  readonly numRuns: number;
}> = [
  { run: fuzzBrokerSocket, numRuns: RUNS.socket },
  { run: fuzzIngestPayloads, numRuns: RUNS.ingest },
  { run: fuzzMqttPayloads, numRuns: RUNS.mqtt },
];

/**
 * The long fuzz of test/fuzz against a whole liftwatch (local influxd): random and mutated MQTT
 * packets at the broker socket, payloads made from the contract and mutated at ingest and over
 * MQTT. Seeded (LW_FUZZ_SEED picks another seed); a failure ends its property unshrunk (the
 * seed and the batch replay it) and sets the exit code.
 */
export async function fuzzBenchmark() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-fuzz-'));
  const context = openContext({
    LW_DATA_DIR: dir,
    LW_MQTT_PORT: '0',
    LW_MQTT_WS_PORT: '0',
    LW_HTTP_PORT: '0',
    LW_INFLUX_PORT: String(await freePort()),
    LW_LOG_LEVEL: 'silent',
  });
  const seed = fuzzSeed();
  const results: FuzzResult[] = [];
  try {
    const target = fuzzTarget(context, await startSystem(context));
    for (const { run, numRuns } of PROPERTIES) {
      const result = await run(target, { numRuns, seed, shrink: false });
      process.stderr.write(`fuzz: ${result.property}: ${result.inputs} inputs, ${result.failures} failures\n`);
      if (result.report) process.stderr.write(`${result.report}\n`);
      results.push(result);
    }
  } finally {
    await context.teardown.run(context.logger);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const inputs = results.reduce((sum, result) => sum + result.inputs, 0);
  const failures = results.reduce((sum, result) => sum + result.failures, 0);
  const rows = results.map((result) => ({
    property: result.property,
    inputs: result.inputs,
    runs: result.runs,
    failures: result.failures,
    seconds: Math.round(result.durationMs / MS_PER_SECOND),
    'RSS before, MB': result.before.rssMb,
    'RSS after, MB': result.after.rssMb,
    'heap growth, MB': `${result.after.heapUsedMb - result.before.heapUsedMb} (bound ${result.heapBoundMb})`,
  }));
  return {
    rows,
    ratios: { 'inputs in all': inputs, 'failures in all (0 to pass)': failures },
    detail: { seed, minInputs: MIN_INPUTS, results },
    failed: failures > 0 || inputs < MIN_INPUTS,
  };
}
