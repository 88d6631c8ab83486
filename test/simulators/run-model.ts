import { SERVICE_MODES } from '../../contract/index.js';
import { BURST_FAULTS } from '../../simulators/degradations.js';
import { ElevatorModel, type ModelEvent } from '../../simulators/model/elevator.js';
import { planElevator, type ElevatorPlan } from '../../simulators/model/plan.js';
import { resolveScenario, type Scenario, type ScenarioInput } from '../../simulators/scenario.js';
import type { TruthRecord } from '../../simulators/truth.js';

export const FROM = '2026-03-02T00:00:00+08:00';
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export type Message = Extract<ModelEvent, { type: 'message' }> & { payload: Record<string, number> };

export interface ModelRun {
  readonly id: string;
  readonly plan: ElevatorPlan;
  readonly events: ModelEvent[];
  readonly messages: Message[];
  readonly truth: TruthRecord[];
}

export type TestScenarioInput = Partial<ScenarioInput> & { fleet: ScenarioInput['fleet'] };

export function scenarioOf(input: TestScenarioInput): Scenario {
  return resolveScenario({ name: 'test', from: FROM, duration: '20d', ...input });
}

/** Runs the given elevators of a scenario (all by default) in process, to its end. */
export function runModels(scenario: Scenario, indices?: readonly number[]): ModelRun[] {
  const which = indices ?? Array.from({ length: scenario.fleet.elevators }, (_, index) => index);
  return which.map((index) => {
    const model = new ElevatorModel(planElevator(scenario, index), scenario);
    const events = model.advance(scenario.fromMs + scenario.duration);
    const truth = [...model.takeTruth(), ...model.finish()];
    const messages = events.filter((event): event is Message => event.type === 'message');
    return { id: model.id, plan: model.plan, events, messages, truth };
  });
}

export function run(input: TestScenarioInput) {
  const scenario = scenarioOf(input);
  return { scenario, elevators: runModels(scenario) };
}

export const faultsOf = (messages: readonly Message[], codes: readonly number[]) =>
  messages.filter((m) => m.kind === 'faults' && codes.includes(m.payload.code as number));

/** Codes that announce a mode (back to normal, power off, out of service, inspection, fire return). */
const MODE_CODES: ReadonlySet<number> = new Set([40, 41, 42, 43, 44]);

export interface ClassifiedFault {
  readonly at: number;
  readonly code: number;
  readonly floor: number;
  /** In a mains power cut: from code 41 until code 40. */
  readonly external: boolean;
  /** In a maintenance visit (check-in to check-out) or in inspection (mode 2, or code 43 until 40). */
  readonly suppressed: boolean;
}

/**
 * Each fault (mode codes left out) with the circumstances the rules engine gives it, computed the
 * way the issue defines them: a power cut is 41 … 40, a visit check-in … check-out, inspection
 * mode 2 or 43 … 40.
 */
export function classify(messages: readonly Message[]): ClassifiedFault[] {
  let powerOff = false;
  let visit = false;
  let inspection = false;
  const faults: ClassifiedFault[] = [];
  for (const m of messages) {
    if (m.kind === 'telemetry') inspection = m.payload.mode === SERVICE_MODES.inspection;
    else if (m.kind === 'maintenance') visit = (m.payload.action as unknown) === 'checkin';
    else if (m.kind === 'faults') {
      const code = m.payload.code as number;
      if (code === 41) powerOff = true;
      if (code === 43) inspection = true;
      if (!MODE_CODES.has(code)) {
        faults.push({
          at: m.at,
          code,
          floor: m.payload.floor as number,
          external: powerOff,
          suppressed: visit || inspection,
        });
      }
      if (code === 40) {
        powerOff = false;
        inspection = false;
      }
    }
  }
  return faults;
}

/** The faults the rules count: neither external nor suppressed. */
export const counted = (messages: readonly Message[], codes?: readonly number[]) =>
  classify(messages).filter((f) => !f.external && !f.suppressed && (!codes || codes.includes(f.code)));

/** The q-quantile (nearest rank below) of some numbers. */
export function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

/** A scenario's noise tests run without critical events, power cuts, outages or fire tests in the way. */
export const NO_CRITICAL = { entrapment: 0, 'bottom-overrun': 0, 'top-overrun': 0, 'unintended-movement': 0 } as const;
export const QUIET = { critical: NO_CRITICAL, powerOffsPerYear: 0, offlinePerWeek: 0, fireTestsPerMonth: 0 } as const;

/** An elevator's truth records of one kind of nuisance. */
export const nuisanceOf = (elevator: ModelRun, scenario: string) =>
  elevator.truth.filter((t) => t.category === 'nuisance' && t.scenario === scenario);
export const windowOf = (record: TruthRecord) => [Date.parse(record.onset), Date.parse(record.end as string)] as const;
export const mixCodes = (kind: keyof typeof BURST_FAULTS) => BURST_FAULTS[kind].map((entry) => entry.code as number);
/** The counted faults of a nuisance's codes inside its window. */
export const inside = (elevator: ModelRun, record: TruthRecord) => {
  const [from, to] = windowOf(record);
  return counted(elevator.messages, record.codes).filter((f) => f.at >= from && f.at <= to);
};
/** The fleet's plans of a scenario, without playing it. */
export const plansOf = (input: TestScenarioInput) => {
  const scenario = scenarioOf(input);
  return Array.from({ length: scenario.fleet.elevators }, (_, index) => planElevator(scenario, index));
};
