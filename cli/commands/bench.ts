import type { Command, Options } from '../command.js';
import { UsageError } from '../usage-error.js';

/** Every flag some benchmark reads (bench/*.ts); each takes a value. */
const BENCH_FLAGS = [
  'after',
  'connections',
  'cpu-prof',
  'elevators',
  'families',
  'gateway-size',
  'generators',
  'inflight',
  'jobs',
  'messages',
  'minutes',
  'mode',
  'out',
  'rate',
  'rounds',
  'samples',
  'scheduled',
  'seconds',
  'seeds',
  'split',
  'validation',
] as const;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run benchmarks: figures for this machine against a baseline measured in the same run',
  help: `liftwatch bench NAME ... [--flag value ...], the same as \`npm run bench -- NAME ...\`:
pipeline-throughput, connections, overload, city-traffic, latency, rules, simulator, quality,
fuzz. Each starts what it needs on free loopback ports (its own influxd, liftwatch, Mosquitto for
a baseline: apt-get install -y mosquitto) and prints a table and a JSON line. No name runs the
short ones. The flags and what they mean are in docs/performance.md.`,
  options: Object.fromEntries(BENCH_FLAGS.map((flag) => [flag, { type: 'string' }])) as Options,
  positionals: true,
  async run(values, positionals) {
    const argv = [...positionals];
    for (const [flag, value] of Object.entries(values)) if (typeof value === 'string') argv.push(`--${flag}`, value);
    // Loaded only here: the benchmarks are development tools, not part of a running liftwatch.
    const [{ runBenchmarks }, { BenchUsageError }] = await Promise.all([
      import('../../bench/runner.js'),
      import('../../bench/args.js'),
    ]);
    const exitCode = await runBenchmarks(argv).catch((error: unknown) => {
      throw error instanceof BenchUsageError ? new UsageError(error.message) : error;
    });
    if (exitCode !== 0) process.exitCode = exitCode;
  },
};
