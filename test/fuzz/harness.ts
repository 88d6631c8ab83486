import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import type { Context } from '../../cli/context.js';
import type { RunningSystem } from '../../cli/system.js';
import type { ElevatorRegistration } from '../../contract/index.js';
import type { TelemetryStore } from '../../influx/types.js';
import type { Ingest } from '../../ingest/index.js';
import type { Metrics } from '../../lib/metrics.js';
import { generateSecret, hashSecret } from '../../store/credentials.js';
import type { Store } from '../../store/types.js';

/** The same inputs on every run unless LW_FUZZ_SEED picks others. */
export const DEFAULT_FUZZ_SEED = 20_261_125;
const SEED_VARIABLE = 'LW_FUZZ_SEED';
const MB = 1024 * 1024;

/** Counterexamples with huge strings run to megabytes: the report keeps their beginning and the error. */
const MAX_REPORT_CHARS = 20_000;
const REPORT_TAIL_CHARS = 4_000;
const shortened = (report: string) =>
  `${report.slice(0, MAX_REPORT_CHARS - REPORT_TAIL_CHARS)}\n[... ${report.length - MAX_REPORT_CHARS} characters left out ...]\n${report.slice(-REPORT_TAIL_CHARS)}`;

export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[SEED_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_FUZZ_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`${SEED_VARIABLE} must be an integer, not ${text}`);
  return seed;
}

/** What the fuzz needs of a running liftwatch: its store, ingest, InfluxDB and the broker's TCP address. */
export interface FuzzTarget {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly ingest: Ingest;
  readonly telemetry: TelemetryStore;
  readonly mqttUrl: string;
  readonly mqttHost: string;
  readonly mqttPort: number;
  /** The broker's payload size limit: a larger PUBLISH closes its connection before ingest sees it. */
  readonly maxPayloadBytes: number;
}

export function fuzzTarget(context: Context, system: RunningSystem): FuzzTarget {
  const url = new URL(system.mqttUrl);
  return {
    store: context.store,
    metrics: context.metrics,
    ingest: system.ingest,
    telemetry: system.telemetry.store,
    mqttUrl: system.mqttUrl,
    mqttHost: url.hostname,
    mqttPort: Number(url.port),
    maxPayloadBytes: context.config.mqtt.limits.maxPayloadBytes,
  };
}

/** An elevator registered straight in the store, with a device token it can connect with. */
export async function registerDevice(
  store: Store,
  registration: ElevatorRegistration,
): Promise<{ id: string; token: string }> {
  const token = generateSecret();
  store.elevators.register(registration, await hashSecret(token));
  return { id: registration.id, token };
}

/** A plain registration, for the fuzz's own devices. */
export const plainRegistration = (id: string): ElevatorRegistration => ({
  id,
  district: '渝中区',
  useUnit: 'UU-FUZZ',
  insurer: 'INS-FUZZ',
  contractor: 'MC-FUZZ',
  installedOn: '2012-05-01',
  residentsServed: 1,
});

let collectGarbage: (() => void) | undefined;

/**
 * A full garbage collection, so heap figures compare what is live. Without --expose-gc the
 * flag is set now and `gc` taken from a fresh V8 context, which then has it.
 */
export function fullGc(): void {
  if (!collectGarbage) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collectGarbage = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      collectGarbage = vm.runInNewContext('gc') as () => void;
    }
  }
  collectGarbage();
}

export interface Memory {
  readonly heapUsedMb: number;
  readonly rssMb: number;
}

export function memoryNow(): Memory {
  fullGc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsedMb: Math.round(heapUsed / MB), rssMb: Math.round(rss / MB) };
}

/** Errors nobody caught while `work` ran: `uncaughtException` and `unhandledRejection` of this process. */
export async function watchUncaught<T>(work: () => Promise<T>): Promise<{ result: T; uncaught: unknown[] }> {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    return { result: await work(), uncaught };
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
}

/** Counts what a property tried; its predicate adds to it. */
export class InputCounter {
  inputs = 0;
}

export interface FuzzResult {
  readonly property: string;
  /** Inputs tried: connections for the broker socket, messages for payloads. */
  readonly inputs: number;
  /** fast-check runs: each a batch of inputs followed by the property's checks. */
  readonly runs: number;
  /** 0 to pass: a counterexample, an uncaught error, or memory over its bound. */
  readonly failures: number;
  readonly seed: number;
  readonly durationMs: number;
  readonly before: Memory;
  readonly after: Memory;
  /** Heap growth allowed over the run (after a full GC at each end). */
  readonly heapBoundMb: number;
  /** What failed: fast-check's report (seed, path, counterexample), or the error. */
  readonly report: string | null;
}

export interface PropertyRun<T> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Checks one batch; throws (or returns false) when the property does not hold. */
  readonly predicate: (batch: T) => Promise<boolean | void>;
  readonly counter: InputCounter;
  readonly numRuns: number;
  readonly seed: number;
  readonly heapBoundMb: number;
  /**
   * Shrink a counterexample to a smaller one that still fails. Not for properties of a whole
   * process (a broker that fell over fails every later run too, so shrinking would mislead),
   * nor for long runs, where shrinking a stateful property can take longer than the run.
   */
  readonly shrink: boolean;
}

/** Runs a property with fast-check, watching uncaught errors and heap growth; never throws. */
export async function runProperty<T>(run: PropertyRun<T>): Promise<FuzzResult> {
  const before = memoryNow();
  const started = performance.now();
  const { result: details, uncaught } = await watchUncaught(() =>
    fc.check(fc.asyncProperty(run.arbitrary, run.predicate), {
      numRuns: run.numRuns,
      seed: run.seed,
      endOnFailure: !run.shrink,
    }),
  );
  const durationMs = Math.round(performance.now() - started);
  const after = memoryNow();
  const reports: string[] = [];
  if (details.failed) {
    const error = details.errorInstance;
    reports.push(fc.defaultReportMessage(details) ?? 'the property failed');
    reports.push(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const error of uncaught) reports.push(`uncaught: ${error instanceof Error ? error.stack : String(error)}`);
  const growth = after.heapUsedMb - before.heapUsedMb;
  if (growth > run.heapBoundMb) reports.push(`heap grew by ${growth} MB, over the ${run.heapBoundMb} MB bound`);
  if (reports.length > 0) reports.push(`replay with ${SEED_VARIABLE}=${run.seed}`);
  const report = reports.join('\n');
  return {
    property: run.name,
    inputs: run.counter.inputs,
    runs: details.numRuns,
    failures: (details.failed ? 1 : 0) + uncaught.length + (growth > run.heapBoundMb ? 1 : 0),
    seed: run.seed,
    durationMs,
    before,
    after,
    heapBoundMb: run.heapBoundMb,
    report: reports.length === 0 ? null : report.length > MAX_REPORT_CHARS ? shortened(report) : report,
  };
}
