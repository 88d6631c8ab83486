/** `npm run bench [-- name ... [--flag value ...]]`: see bench/runner.ts. */
import { BenchUsageError } from './args.js';
import { runBenchmarks } from './runner.js';

const USAGE = 2;

try {
  process.exitCode = await runBenchmarks(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = USAGE;
}
