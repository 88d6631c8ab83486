/**
 * The rules benchmark's measuring process, started by bench/rules.ts with --expose-gc so the
 * heap can be measured after a collection. Prints one JSON line: timings and heap figures.
 */
import type { DecodedMessage, Elevator } from '../contract/index.js';
import { createLogger } from '../lib/logger.js';
import { elevatorId } from '../simulators/model/plan.js';
import { RulesEngine } from '../rules/engine.js';
import { openScratchStore } from '../store/sqlite.js';
import { rulesStream, SAMPLE_ELEVATORS, type StreamMessage } from './rules-stream.js';

type Sink = (message: StreamMessage, elevator: Elevator) => void;

const gc = globalThis.gc as () => void;
/** Full collections before reading the heap: one leaves some of what the previous phase dropped. */
const GC_ROUNDS = 3;
/** The heap and the typed arrays' buffers (outside the heap: the detectors keep their numbers there). */
const heapAfterGc = () => {
  for (let round = 0; round < GC_ROUNDS; round++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

const [elevatorCount, windowMinutes] = process.argv.slice(2).map(Number) as [number, number];
const stream = rulesStream(windowMinutes);
const registeredAt = new Date(0).toISOString();
const elevators: Elevator[] = Array.from({ length: elevatorCount }, (_, e) => ({
  ...stream.plans[e % SAMPLE_ELEVATORS]!.registration,
  id: elevatorId('RB', e),
  registeredAt,
}));
const copies = Math.ceil(elevatorCount / SAMPLE_ELEVATORS);

/** Feeds each sample message to its copy in every block of the fleet. */
function feed(messages: readonly StreamMessage[], sink: Sink): void {
  for (let copy = 0; copy < copies; copy++) {
    const base = copy * SAMPLE_ELEVATORS;
    for (const message of messages) {
      const elevator = elevators[base + message.sample];
      if (elevator) sink(message, elevator);
    }
  }
}

/** The window minute by minute, every elevator's minute before the next: the fleet as it speaks. */
const feedWindow = (sink: Sink) => stream.minutes.forEach((slice) => feed(slice, sink));

/** Wall and CPU seconds of `work`: the machine is shared, so CPU time is the steadier figure. */
function timed(work: () => void) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  work();
  const used = process.cpuUsage(cpu);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** What users would otherwise do with the stream: parse it and note each elevator's latest time. */
function baseline() {
  const latest = new Map<string, number>();
  return timed(() =>
    feedWindow((message, elevator) => {
      latest.set(elevator.id, (JSON.parse(message.raw) as { ts: number }).ts);
    }),
  );
}

const judge =
  (engine: RulesEngine): Sink =>
  (message, elevator) =>
    engine.onMessage({ kind: message.kind, payload: JSON.parse(message.raw) } as DecodedMessage, elevator);

const store = openScratchStore();
try {
  const baselineBefore = baseline();
  const heapBefore = heapAfterGc();
  // Sized as a deployment sizes it: for the registry's elevators (and a quarter more).
  const engine = new RulesEngine({ store, logger: createLogger('silent'), elevators: elevatorCount });
  const history = timed(() => feed(stream.history, judge(engine)));
  const rules = timed(() => feedWindow(judge(engine)));
  const heapAfter = heapAfterGc();
  const baselineAfter = baseline();
  process.stdout.write(
    `${JSON.stringify({
      elevators: elevatorCount,
      stateElevators: engine.stats().elevators,
      faultsEvaluated: engine.stats().faultsEvaluated,
      historyEvents: stream.history.length * copies,
      windowEvents: stream.windowMessages * copies,
      windowByKind: stream.byKind,
      history,
      rules,
      baselines: [baselineBefore, baselineAfter],
      heapDeltaBytes: heapAfter - heapBefore,
    })}\n`,
  );
} finally {
  store.close();
}
