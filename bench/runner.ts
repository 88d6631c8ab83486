/**
 * `npm run bench [-- name ... [--flag value ...]]` and `liftwatch bench`: runs the named benchmarks (all but the long
 * ones by default), prints a table and a JSON summary of each. Figures are for this machine only,
 * compared with a baseline measured in the same run; they are never assertions. A benchmark
 * that loses messages or finds a failure (the fuzz) sets the exit code.
 */
import os from 'node:os';
import { BENCHMARKS, DEFAULT_BENCHMARKS, type BenchResult, type BenchmarkName } from './registry.js';
import { parseBenchArgs } from './args.js';

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

const FAILED = 1;

/**
 * Runs the benchmarks named in `argv` (with their `--flag value`s); resolves to the exit code.
 * A bad name or flag value throws BenchUsageError, before or as its benchmark starts.
 */
export async function runBenchmarks(argv: readonly string[]): Promise<number> {
  return runParsed(parseBenchArgs(argv, Object.keys(BENCHMARKS)));
}

async function runParsed(parsed: ReturnType<typeof parseBenchArgs>): Promise<number> {
  let exitCode = 0;
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const names = (parsed.names.length > 0 ? parsed.names : DEFAULT_BENCHMARKS) as readonly BenchmarkName[];
  for (const name of names) {
    process.stdout.write(`\n## ${name} (${machine}, ${new Date().toISOString()})\n`);
    const result: BenchResult = await BENCHMARKS[name](parsed.flags);
    process.stdout.write(`${table(result.rows)}\n`);
    for (const extra of result.tables ?? []) process.stdout.write(`\n${extra.title}\n${table(extra.rows)}\n`);
    for (const [label, value] of Object.entries(result.ratios)) process.stdout.write(`${label}: ${value}\n`);
    process.stdout.write(`${JSON.stringify({ benchmark: name, machine, flags: parsed.flags, ...result })}\n`);
    if (result.failed) exitCode = FAILED;
  }
  return exitCode;
}
