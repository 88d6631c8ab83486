/**
 * `npm run bench [-- name ... [--flag value ...]]`: runs the named benchmarks (all but the long
 * ones by default), prints a table and a JSON summary of each. Figures are for this machine only,
 * compared with a baseline measured in the same run; they are never assertions. A benchmark
 * that loses messages or finds a failure (the fuzz) sets the exit code.
 */
import os from 'node:os';
import { BENCHMARKS, DEFAULT_BENCHMARKS, type BenchResult, type BenchmarkName } from './registry.js';
import { parseBenchArgs, BenchUsageError } from './args.js';

function table(objects: ReadonlyArray<object>): string {
  const rows = objects as ReadonlyArray<Record<string, unknown>>;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((c) => cell(row[c])))),
  ].join('\n');
}

let parsed: ReturnType<typeof parseBenchArgs>;
try {
  parsed = parseBenchArgs(process.argv.slice(2), Object.keys(BENCHMARKS));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const names = (parsed.names.length > 0 ? parsed.names : DEFAULT_BENCHMARKS) as readonly BenchmarkName[];
for (const name of names) {
  process.stdout.write(`\n## ${name} (${machine}, ${new Date().toISOString()})\n`);
  const result: BenchResult = await BENCHMARKS[name](parsed.flags);
  process.stdout.write(`${table(result.rows)}\n`);
  for (const [label, value] of Object.entries(result.ratios)) process.stdout.write(`${label}: ${value}\n`);
  process.stdout.write(`${JSON.stringify({ benchmark: name, machine, flags: parsed.flags, ...result })}\n`);
  if (result.failed) process.exitCode = 1;
}
