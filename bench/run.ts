/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (all by default), prints a table
 * and a JSON summary of each. Figures are for this machine only, compared with a baseline
 * measured in the same run; they are never assertions. The fuzz is the exception: a failure
 * it finds sets the exit code.
 */
import os from 'node:os';
import { fuzzBenchmark } from './fuzz.js';
import { qualityBenchmark } from './quality.js';
import { simulatorBenchmark } from './simulator.js';

const BENCHMARKS = { simulator: simulatorBenchmark, quality: qualityBenchmark, fuzz: fuzzBenchmark } as const;
type Name = keyof typeof BENCHMARKS;

function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((c) => cell(row[c])))),
  ].join('\n');
}

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; there are: ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exit(2);
}
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
for (const name of (requested.length > 0 ? requested : Object.keys(BENCHMARKS)) as Name[]) {
  process.stdout.write(`\n## ${name} (${machine})\n`);
  const result: { rows: ReadonlyArray<Record<string, unknown>>; ratios: Record<string, number>; detail?: unknown } =
    await BENCHMARKS[name]();
  process.stdout.write(`${table(result.rows)}\n`);
  for (const [label, value] of Object.entries(result.ratios)) process.stdout.write(`${label}: ${value}\n`);
  process.stdout.write(`${JSON.stringify({ benchmark: name, machine, ...result })}\n`);
}
