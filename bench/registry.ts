import type { BenchFlags } from './args.js';
import { cityTrafficBenchmark } from './city-traffic.js';
import { fuzzBenchmark } from './fuzz.js';
import { influxdAloneBenchmark } from './influxd-alone.js';
import { latencyBenchmark } from './latency.js';
import { overloadBenchmark } from './overload.js';
import { pipelineThroughputBenchmark } from './pipeline-throughput.js';
import { connectionsBenchmark } from './connections.js';
import { qualityBenchmark } from './quality.js';
import { rulesBenchmark } from './rules.js';
import { simulatorBenchmark } from './simulator.js';

export interface BenchResult {
  /** One object per table row; its keys are the columns. */
  readonly rows: ReadonlyArray<object>;
  readonly ratios: Record<string, number | string>;
  /** More tables, printed after the first, each under its title. */
  readonly tables?: ReadonlyArray<{ readonly title: string; readonly rows: ReadonlyArray<object> }>;
  readonly detail?: unknown;
  /** Set when the run lost messages or found a failure: its figures are not a result. */
  readonly failed?: boolean;
}

export type Benchmark = (flags: BenchFlags) => Promise<BenchResult>;

/** Every benchmark by name; each starts and stops everything it needs. */
export const BENCHMARKS = {
  simulator: simulatorBenchmark,
  quality: qualityBenchmark,
  fuzz: fuzzBenchmark,
  'city-traffic': cityTrafficBenchmark,
  'influxd-alone': influxdAloneBenchmark,
  rules: rulesBenchmark,
  latency: latencyBenchmark,
  'pipeline-throughput': pipelineThroughputBenchmark,
  connections: connectionsBenchmark,
  overload: overloadBenchmark,
} satisfies Record<string, Benchmark>;

export type BenchmarkName = keyof typeof BENCHMARKS;

/** What `npm run bench` runs with no names: all but the long ones (fuzz about 15 minutes, quality longer). */
export const DEFAULT_BENCHMARKS: readonly BenchmarkName[] = ['simulator'];
