import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { MqttClient } from 'mqtt';
import { buildTopic } from '../contract/index.js';
import { build as buildFleet } from '../simulators/fleet.js';
import { ElevatorModel } from '../simulators/model/elevator.js';
import { elevatorId, planElevator } from '../simulators/model/plan.js';
import { DevicePublisher, disconnectAll } from '../simulators/publisher.js';
import { resolveScenario, type Scenario } from '../simulators/scenario.js';
import { cpuSecondsOf, measure, startSink } from './measure.js';

const logger = pino({ level: 'warn' });
const CONNECT_RATE = 2000;
const MAX_INFLIGHT = 2000;
const SIZES = [
  { elevators: 1000, duration: '2h' },
  { elevators: 10_000, duration: '15m' },
] as const;

export interface SimulatorRow {
  readonly case: string;
  readonly elevators: number;
  readonly messages: number;
  readonly messagesPerSecond: number;
  /** Share of one core the simulator used while publishing. */
  readonly cpuPercent: number;
  readonly cpuMicrosPerMessage: number;
  readonly peakRssMb: number;
  /** Share of one core the sink broker used meanwhile. */
  readonly sinkCpuPercent: number | null;
}

function scenarioFor(elevators: number, duration: string): Scenario {
  return resolveScenario({
    name: 'bench',
    seed: 9,
    from: '2026-06-01T08:00:00+08:00',
    duration,
    speed: 'max',
    fleet: { elevators },
  });
}

/** The model alone: how fast it produces a fleet's traffic, with no network. */
async function generationOnly(scenario: Scenario): Promise<SimulatorRow> {
  const {
    result: events,
    wallSeconds,
    cpuSeconds,
    peakRssMb,
  } = await measure(async () => {
    let count = 0;
    const models = Array.from(
      { length: scenario.fleet.elevators },
      (_, i) => new ElevatorModel(planElevator(scenario, i), scenario),
    );
    for (let tick = scenario.fromMs + 60_000; tick <= scenario.fromMs + scenario.duration; tick += 60_000) {
      for (const model of models) count += model.advance(tick).length;
    }
    return count;
  });
  return row('model only (no network)', scenario.fleet.elevators, events, wallSeconds, cpuSeconds, peakRssMb, null);
}

function row(
  name: string,
  elevators: number,
  messages: number,
  seconds: number,
  cpu: number,
  rss: number,
  sinkCpu: number | null,
): SimulatorRow {
  return {
    case: name,
    elevators,
    messages,
    messagesPerSecond: Math.round(messages / seconds),
    cpuPercent: Math.round((cpu / seconds) * 100),
    cpuMicrosPerMessage: Math.round((cpu / messages) * 1e6 * 10) / 10,
    peakRssMb: rss,
    sinkCpuPercent: sinkCpu === null ? null : Math.round((sinkCpu / seconds) * 100),
  };
}

/** The simulator through MQTT into a bare broker, at full speed. */
async function simulator(scenario: Scenario, dir: string): Promise<SimulatorRow> {
  const sink = await startSink();
  const credentialsFile = path.join(dir, `tokens-${scenario.fleet.elevators}.json`);
  const tokens = Object.fromEntries(
    Array.from({ length: scenario.fleet.elevators }, (_, i) => [elevatorId('SIM', i), 'bench']),
  );
  fs.writeFileSync(credentialsFile, JSON.stringify(tokens));
  const fleet = buildFleet({
    scenario,
    mqttUrl: sink.url,
    api: { apiUrl: 'http://127.0.0.1:9', adminToken: 'unused: every token is in the credentials file' },
    credentialsFile,
    logger,
    connectRate: CONNECT_RATE,
    maxInflight: MAX_INFLIGHT,
  });
  const sinkCpuBefore = cpuSecondsOf(sink.pid);
  const { result: summary, cpuSeconds, peakRssMb } = await measure(() => fleet.run());
  const sinkCpu = cpuSecondsOf(sink.pid) - sinkCpuBefore;
  await sink.stop();
  if (summary.errors > 0)
    throw new Error(`the simulator reported ${summary.errors} errors: a benchmark that loses messages has no speed`);
  // Connecting is not publishing: CPU is charged to the whole run, rates to the publishing phase.
  const share = summary.runSeconds / summary.wallSeconds;
  return row(
    'simulator',
    scenario.fleet.elevators,
    summary.published,
    summary.runSeconds,
    cpuSeconds * share,
    peakRssMb,
    sinkCpu * share,
  );
}

/** Baseline: the same clients publishing one fixed, pre-serialised telemetry message round robin. */
async function naivePublisher(elevators: number, messages: number): Promise<SimulatorRow> {
  const sink = await startSink();
  const publisher = new DevicePublisher({ mqttUrl: sink.url, logger, maxInflight: MAX_INFLIGHT });
  const clients: MqttClient[] = [];
  for (let i = 0; i < elevators; i++) clients.push(await publisher.connect(elevatorId('SIM', i), 'bench'));
  const payload = JSON.stringify({
    ts: Date.now(),
    seq: 1,
    mode: 1,
    floor: 3,
    direction: 0,
    doorState: 2,
    runs: 1,
    runSeconds: 1,
    doorCycles: 1,
  });
  const sinkCpuBefore = cpuSecondsOf(sink.pid);
  const { wallSeconds, cpuSeconds, peakRssMb } = await measure(async () => {
    for (let i = 0; i < messages; i++) {
      const client = clients[i % elevators] as MqttClient;
      await publisher.publish(client, buildTopic(elevatorId('SIM', i % elevators), 'telemetry'), payload, 'telemetry');
    }
    await publisher.drain();
  });
  const sinkCpu = cpuSecondsOf(sink.pid) - sinkCpuBefore;
  await disconnectAll(clients);
  await sink.stop();
  return row('naive publisher (baseline)', elevators, messages, wallSeconds, cpuSeconds, peakRssMb, sinkCpu);
}

export async function simulatorBenchmark(): Promise<{ rows: SimulatorRow[]; ratios: Record<string, number> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-bench-'));
  const rows: SimulatorRow[] = [];
  const ratios: Record<string, number> = {};
  try {
    for (const size of SIZES) {
      const scenario = scenarioFor(size.elevators, size.duration);
      rows.push(await generationOnly(scenario));
      const simulated = await simulator(scenario, dir);
      const baseline = await naivePublisher(size.elevators, simulated.messages);
      rows.push(simulated, baseline);
      ratios[`simulator / naive publisher, ${size.elevators} elevators`] =
        Math.round((simulated.messagesPerSecond / baseline.messagesPerSecond) * 100) / 100;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows, ratios };
}
