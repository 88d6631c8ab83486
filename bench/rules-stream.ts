import type { TopicKind } from '../contract/index.js';
import { ElevatorModel } from '../simulators/model/elevator.js';
import { planElevator, type ElevatorPlan } from '../simulators/model/plan.js';
import { resolveScenario } from '../simulators/scenario.js';
import { HISTORY_DAYS } from '../rules/types.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Elevators the model simulates; the fleet is made of copies of them (the model makes ~430k events/s here). */
export const SAMPLE_ELEVATORS = 100;
/** Fixed, so two runs feed the same events. */
const SEED = 9;
/** The window then starts at 08:00 on a weekday, the morning rush: more door cycles than the day's average. */
const FROM = '2026-06-01T08:00:00+08:00';

/** One message as it reaches the engine: which sample elevator, which topic kind, the raw JSON. */
export interface StreamMessage {
  readonly sample: number;
  readonly kind: TopicKind;
  readonly raw: string;
}

export interface RulesStream {
  readonly plans: readonly ElevatorPlan[];
  /**
   * The HISTORY_DAYS before the window, reduced to what the engine keeps state from (faults,
   * maintenance, telemetry that changes the mode), each sample elevator's in time order.
   */
  readonly history: readonly StreamMessage[];
  /** Everything the sample sends in the timed window, one slice per simulated minute. */
  readonly minutes: ReadonlyArray<readonly StreamMessage[]>;
  readonly windowMessages: number;
  readonly byKind: Readonly<Record<string, number>>;
}

/** The simulator's model over HISTORY_DAYS and then `windowMinutes` of full traffic, for the sample. */
export function rulesStream(windowMinutes: number): RulesStream {
  const historyMs = HISTORY_DAYS * DAY_MS;
  const scenario = resolveScenario({
    name: 'rules-bench',
    seed: SEED,
    from: FROM,
    duration: `${historyMs + windowMinutes * MINUTE_MS}ms`,
    speed: 'max',
    fleet: { elevators: SAMPLE_ELEVATORS },
  });
  const windowStart = scenario.fromMs + historyMs;
  const plans: ElevatorPlan[] = [];
  const history: StreamMessage[] = [];
  const minutes: StreamMessage[][] = Array.from({ length: windowMinutes }, () => []);
  const byKind: Record<string, number> = {};
  for (let sample = 0; sample < SAMPLE_ELEVATORS; sample++) {
    const plan = planElevator(scenario, sample);
    plans.push(plan);
    let mode: unknown;
    for (const event of new ElevatorModel(plan, scenario).advance(scenario.fromMs + scenario.duration)) {
      if (event.type !== 'message') continue;
      const message = { sample, kind: event.kind, raw: JSON.stringify(event.payload) };
      if (event.at >= windowStart) {
        minutes[Math.floor((event.at - windowStart) / MINUTE_MS)]?.push(message);
        byKind[event.kind] = (byKind[event.kind] ?? 0) + 1;
        continue;
      }
      const payloadMode = (event.payload as { mode?: unknown }).mode;
      const keep = event.kind === 'faults' || event.kind === 'maintenance' || payloadMode !== mode;
      if (event.kind === 'telemetry') mode = payloadMode;
      if (keep && event.kind !== 'doors' && event.kind !== 'online') history.push(message);
    }
  }
  return { plans, history, minutes, windowMessages: minutes.reduce((sum, slice) => sum + slice.length, 0), byKind };
}
