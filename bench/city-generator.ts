/**
 * A load generator of the city-traffic benchmark, run as a child process (one process holds at
 * most about 19k sockets): connects its share of the building gateways, then publishes their
 * elevators' traffic in real time, each message on its elevator's own topic. Told what to do
 * by its argument (JSON) and the parent's `start` message; reports over IPC.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { buildTopic, gatewayUsername } from '../contract/index.js';
import { ElevatorModel, type ModelEvent } from '../simulators/model/elevator.js';
import { planElevator } from '../simulators/model/plan.js';
import { connectSpread, DevicePublisher, disconnectAll, pacer } from '../simulators/publisher.js';
import {
  cityScenario,
  gatewayId,
  gatewayOfElevator,
  gatewayOfProbe,
  generatorOfGateway,
  probeId,
  PROBE_INTERVAL_MS,
  type CityPlan,
} from './city-fleet.js';
import { Lateness, type GeneratorMessage, type GeneratorTask } from './city-report.js';

const TICK_MS = 60_000;
/** Models advanced per event-loop turn while the next minute is prepared: publishing goes on meanwhile. */
const MODELS_PER_TURN = 2000;
const PROGRESS_MS = 5000;
const CONNECT_TIMEOUT_MS = 30_000;
/**
 * Publishes awaiting their PUBACK before this generator waits for the broker: a few seconds of
 * its traffic, so acknowledgements held back by a busy broker slow it rather than pile up.
 */
const MAX_INFLIGHT = 10_000;
/** The probes' own publisher: one waiter each (DevicePublisher wakes a single waiting publish). */
const PROBE_INFLIGHT = 100;
/** An entrapment (GB/T 24476 code 93): a critical ticket at once. */
const PROBE_FAULT_CODE = 93;
/** Probes go mid-interval, so the last is inside the window. */
const PROBE_PHASE = 0.5;

const task = JSON.parse(process.argv[2] as string) as GeneratorTask;
const plan: CityPlan = task.plan;
const logger = pino({ level: 'warn' });
const publisher = new DevicePublisher({ mqttUrl: task.mqttUrl, logger, maxInflight: MAX_INFLIGHT });
const probePublisher = new DevicePublisher({ mqttUrl: task.mqttUrl, logger, maxInflight: PROBE_INFLIGHT });
const lateness = new Lateness();
/** Wall time minus simulated time, set at the start. */
let offsetMs = 0;
/** Messages of the window not sent by its end (the generator fell behind). */
let unsent = 0;
const send = (message: GeneratorMessage) => process.send?.(message);
// A generator leads its own session (it runs niced): it stops with the benchmark that started it, however that ends.
process.once('disconnect', () => process.exit(0));

interface Device {
  readonly model: ElevatorModel;
  readonly gateway: MqttClient;
  offline: boolean;
  /** The last `ts` sent: InfluxDB keeps one point per series and millisecond, so none may repeat. */
  lastTs: number;
}

function connectGateway(index: number): Promise<MqttClient> {
  const username = gatewayUsername(gatewayId(index));
  return mqtt.connectAsync(task.mqttUrl, {
    clientId: username,
    username,
    password: task.gatewayToken,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
}

/** The minute [tick, tick + 1 min) of every model, in time order; yields to publishing as it goes. */
async function prepareMinute(devices: readonly Device[], tick: number) {
  const due: Array<{ device: Device; event: ModelEvent }> = [];
  for (const [i, device] of devices.entries()) {
    for (const event of device.model.advance(tick + TICK_MS)) due.push({ device, event });
    device.model.takeTruth();
    if (i % MODELS_PER_TURN === MODELS_PER_TURN - 1) await yieldToLoop();
  }
  return due.sort((a, b) => a.event.at - b.event.at);
}

/**
 * The gateway stamps `ts` as it sends (a millisecond later than the elevator's last, at least). An elevator off the network goes silent behind its
 * gateway; the model's greeting at the first instant is left out (the fleet is already online
 * when the window opens: 300k greetings at once would measure a thundering herd, not a city).
 */
function act({ device, event }: { device: Device; event: ModelEvent }, firstInstant: number) {
  if (event.type !== 'message') return void (device.offline = event.type === 'disconnect');
  if (device.offline || (event.kind === 'online' && event.at === firstInstant)) return;
  const now = Date.now();
  lateness.add(now - event.at - offsetMs);
  device.lastTs = Math.max(now, device.lastTs + 1);
  const payload = JSON.stringify({ ...(event.payload as object), ts: device.lastTs });
  return publisher.publish(device.gateway, buildTopic(device.model.id, event.kind), payload, event.kind);
}

/** One critical fault per probe elevator, spread over the window, each its own ticket. */
async function probes(gateways: ReadonlyMap<number, MqttClient>, startMs: number, signal: AbortSignal) {
  const pace = pacer(startMs, 0, 1, signal);
  for (let k = 0; k < plan.probes && !signal.aborted; k++) {
    const gateway = gateways.get(gatewayOfProbe(plan, k));
    if (!gateway) continue;
    await pace((k + PROBE_PHASE) * PROBE_INTERVAL_MS);
    const payload = JSON.stringify({ ts: Date.now(), seq: 1, code: PROBE_FAULT_CODE, floor: 1 });
    await probePublisher.publish(gateway, buildTopic(probeId(k), 'faults'), payload, 'probe');
  }
}

function stats() {
  const traffic = publisher.stats();
  const probes = probePublisher.stats();
  return {
    published: traffic.published + probes.published,
    errors: traffic.errors + probes.errors,
    unsent,
    byKind: { ...traffic.byKind, ...probes.byKind },
    lateness: lateness.summary(),
  };
}

async function main() {
  const scenario = cityScenario(plan);
  const mine = Array.from({ length: plan.gateways }, (_, g) => g).filter(
    (g) => generatorOfGateway(plan, g) === task.index,
  );
  const gateways = new Map<number, MqttClient>();
  const stopping = new AbortController();
  await connectSpread(
    mine,
    task.connectRate,
    async (g) => void gateways.set(g, await connectGateway(g)),
    stopping.signal,
  );
  const devices: Device[] = [];
  for (let i = 0; i < plan.elevators; i++) {
    const gateway = gateways.get(gatewayOfElevator(plan, i));
    if (gateway)
      devices.push({
        model: new ElevatorModel(planElevator(scenario, i), scenario),
        gateway,
        offline: false,
        lastTs: 0,
      });
  }
  let next = prepareMinute(devices, scenario.fromMs);
  await next;
  send({ type: 'ready', gateways: gateways.size, elevators: devices.length });
  const startMs = await new Promise<number>((resolve) =>
    process.once('message', (message: { startMs: number }) => resolve(message.startMs)),
  );
  offsetMs = startMs - scenario.fromMs;
  const progress = setInterval(() => send({ type: 'progress', ...stats() }), PROGRESS_MS);
  const probing = probes(gateways, startMs, stopping.signal);
  const pace = pacer(startMs, scenario.fromMs, 1, stopping.signal);
  const end = scenario.fromMs + scenario.duration;
  // The window is wall time: a generator short of CPU leaves the rest of its traffic unsent, counted.
  const windowEnd = startMs + scenario.duration;
  for (let tick = scenario.fromMs; tick < end; tick += TICK_MS) {
    const due = await next;
    if (tick + TICK_MS < end) next = prepareMinute(devices, tick + TICK_MS);
    for (const [i, item] of due.entries()) {
      if (Date.now() >= windowEnd) {
        unsent += due.slice(i).filter(({ event }) => event.type === 'message').length;
        break;
      }
      await pace(item.event.at);
      await act(item, scenario.fromMs);
    }
  }
  await probing;
  stopping.abort();
  await Promise.all([publisher.drain(), probePublisher.drain()]);
  clearInterval(progress);
  send({ type: 'done', ...stats() });
  await disconnectAll([...gateways.values()]);
}

main().then(
  () => process.disconnect?.(),
  (error: unknown) => {
    process.stderr.write(`city-traffic generator ${task.index}: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
