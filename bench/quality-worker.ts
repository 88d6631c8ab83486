/**
 * One run of the quality benchmark, in its own process (bench/quality.ts starts --jobs of them):
 * reads its job (QualityJob) as JSON on stdin, evaluates the family with its seed, writes the run
 * directory and prints its stats as one JSON line.
 */
import { text } from 'node:stream/consumers';
import { InfluxHttpStore } from '../influx/http-store.js';
import { createLogger } from '../lib/logger.js';
import { evaluate } from '../simulators/evaluate.js';
import { writeRun } from '../simulators/runs.js';
import { loadScenario } from '../simulators/scenario.js';
import { qualityJobSchema } from './quality.js';

const job = qualityJobSchema.parse(JSON.parse(await text(process.stdin)));
const family = loadScenario(job.family);
const scenario = {
  ...family,
  seed: job.seed,
  fromMs: job.fromMs,
  fleet: { ...family.fleet, elevators: job.elevators ?? family.fleet.elevators },
};
let telemetry: InfluxHttpStore | undefined;
if (job.influx) {
  telemetry = new InfluxHttpStore(job.influx);
  await telemetry.ensureDatabase();
}
const run = await evaluate({ scenario, validation: job.validation, telemetry, logger: createLogger('warn') });
const { truth, tickets, stats, scenario: name, seed, elevators, from, to, validation, scheduled } = run;
writeRun(job.out, {
  meta: { scenario: name, seed, elevators, from, to, stats: { ...stats, validation, scheduled } },
  truth,
  tickets,
});
process.stdout.write(`${JSON.stringify(stats)}\n`);
