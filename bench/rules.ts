import { spawn } from 'node:child_process';
import path from 'node:path';
import { numberFlag, type BenchFlags } from './args.js';
import type { BenchResult } from './registry.js';

/** The fleet: Chongqing's 300,000 elevators. */
const DEFAULT_ELEVATORS = 300_000;
/** An hour of the morning rush: about 20 million events at the default fleet. */
const DEFAULT_WINDOW_MINUTES = 60;
/** The target for the engine's memory of one elevator. */
const TARGET_STATE_BYTES = 1024;

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

export interface WorkerReport {
  readonly elevators: number;
  readonly stateElevators: number;
  readonly faultsEvaluated: number;
  readonly historyEvents: number;
  readonly windowEvents: number;
  readonly windowByKind: Record<string, number>;
  readonly history: Timing;
  readonly rules: Timing;
  readonly baselines: readonly [Timing, Timing];
  readonly heapDeltaBytes: number;
}

/** Runs bench/rules-worker.ts in its own process, with --expose-gc and nothing else on its heap. */
export function runWorker(elevators: number, minutes: number): Promise<WorkerReport> {
  const script = path.join(import.meta.dirname, 'rules-worker.ts');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, String(elevators), String(minutes)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(output) as WorkerReport)
        : reject(new Error(`the rules worker exited with ${code}`)),
    );
  });
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

function speedRow(name: string, events: number, { seconds, cpuSeconds }: Timing) {
  return {
    case: name,
    events,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    cpuMicrosPerEvent: round((cpuSeconds / events) * 1e6, 2),
    eventsPerCpuSecond: Math.round(events / cpuSeconds),
  };
}

/**
 * The stream rules alone (no MQTT, no InfluxDB; tickets go to an in-memory SQLite store): the
 * simulator's model gives 100 elevators 30 days of history and an hour of the morning rush,
 * copied across the fleet. The engine's memory is the heap and array buffers after GC, less
 * those before it existed. The baseline (parse, one Map update per elevator) runs before and after the engine.
 */
export async function rulesBenchmark(flags: BenchFlags): Promise<BenchResult> {
  const elevators = numberFlag(flags, 'elevators', DEFAULT_ELEVATORS);
  const minutes = numberFlag(flags, 'minutes', DEFAULT_WINDOW_MINUTES);
  process.stderr.write(`rules: ${elevators} elevators, 30 days of history, then ${minutes} minutes of traffic\n`);
  const report = await runWorker(elevators, minutes);
  const [before, after] = report.baselines;
  const baseline = {
    seconds: (before.seconds + after.seconds) / 2,
    cpuSeconds: (before.cpuSeconds + after.cpuSeconds) / 2,
  };
  const stateBytes = round(report.heapDeltaBytes / elevators);
  const rows = [
    speedRow('baseline: JSON.parse + Map.set per elevator (mean of before and after)', report.windowEvents, baseline),
    speedRow('rules engine: JSON.parse + engine.onMessage', report.windowEvents, report.rules),
    speedRow(
      'history: 30 days of faults and maintenance, judged (tickets written)',
      report.historyEvents,
      report.history,
    ),
    {
      case: 'engine state per elevator, bytes (heap and array buffers after GC / elevators)',
      value: stateBytes,
      target: `<= ${TARGET_STATE_BYTES}`,
    },
  ];
  return {
    rows,
    ratios: {
      'rules engine / baseline, events per CPU second': round(baseline.cpuSeconds / report.rules.cpuSeconds, 2),
      'rules engine / baseline, events per wall second': round(baseline.seconds / report.rules.seconds, 2),
      'state per elevator / target': round(stateBytes / TARGET_STATE_BYTES, 2),
    },
    detail: report,
    // Every elevator that spoke must have state: fewer means the engine lost some.
    failed: report.stateElevators !== elevators,
  };
}
