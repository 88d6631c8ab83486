import type { MqttClient } from 'mqtt';
import { buildTopic, type TopicKind } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { obtainTokens, type ApiClientOptions } from './api-client.js';
import { ElevatorModel, type ModelEvent } from './model/elevator.js';
import { planElevator } from './model/plan.js';
import { connectSpread, DevicePublisher, disconnectAll, pacer, settled } from './publisher.js';
import type { Scenario } from './scenario.js';
import { TruthWriter, type TruthRecord } from './truth.js';

/** Simulated time is generated a minute at a time for the whole fleet, then published in order. */
const TICK_MS = 60_000;
const DAY_MS = 86_400_000;

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface FleetOptions {
  readonly scenario: Scenario;
  readonly mqttUrl: string;
  readonly api: ApiClientOptions;
  /** Where device tokens are kept between runs. */
  readonly credentialsFile: string;
  /** Ground truth, as JSON lines; none when unset. */
  readonly truthFile?: string | undefined;
  /** This process drives elevators whose index modulo `count` is `index`. */
  readonly shard?: Shard | undefined;
  readonly logger: Logger;
  /** New connections per second while the fleet comes up. */
  readonly connectRate?: number;
  /** Publishes awaiting their PUBACK before the fleet waits for the broker. */
  readonly maxInflight?: number;
  /**
   * Plays what lies before the wall clock as fast as the broker takes it, then keeps the
   * scenario's speed from the wall clock on: a history first, then live (the demo).
   */
  readonly catchUp?: CatchUp;
}

export interface CatchUp {
  /**
   * Nothing before this time is sent (it was, by an earlier run of the same scenario): the models
   * still go through it, so each elevator resumes where it was, and says it is online again.
   */
  readonly resumeAt?: number;
  /**
   * Called as of the end of each simulated day of the history, once its messages are
   * acknowledged. The fleet plays on, and goes live once every one of these has settled.
   */
  readonly onDay?: (asOf: number) => Promise<void>;
}

export const FLEET_DEFAULTS = { connectRate: 500, maxInflight: 2000 } as const;

export interface FleetStats {
  readonly elevators: number;
  /** Elevators registered so far in this run (those without a saved token). */
  readonly registered: number;
  readonly connected: number;
  readonly published: number;
  readonly errors: number;
  /** Simulated time reached. */
  readonly simulatedTo: number;
  /** `catching-up`: playing the history before the wall clock (FleetOptions.catchUp). */
  readonly phase: 'registering' | 'connecting' | 'catching-up' | 'running' | 'done';
}

export interface FleetSummary {
  readonly scenario: string;
  readonly elevators: number;
  readonly simulatedFrom: string;
  readonly simulatedTo: string;
  readonly wallSeconds: number;
  /** Seconds spent publishing, after registration and connecting. */
  readonly runSeconds: number;
  readonly published: number;
  /** Published per second of `runSeconds`. */
  readonly messagesPerSecond: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly disconnects: number;
  readonly truth: Readonly<Record<string, number>>;
}

export interface Fleet {
  /** Registers what is missing, connects every elevator (spread over time), runs the scenario to its end or to stop(). */
  run(): Promise<FleetSummary>;
  stats(): FleetStats;
  /** Ends the run at the next simulated minute. */
  stop(): void;
}

interface Device {
  readonly model: ElevatorModel;
  readonly token: string;
  /** Replaced when the terminal comes back after an offline period. */
  client: MqttClient;
  offline: boolean;
}

const canSend = (device: Device) => !device.offline && device.client.connected;

/**
 * Drives a scenario's fleet: each elevator is an MQTT client with its own credentials, its
 * model produces the traffic in simulated time, and this paces it to the scenario's speed.
 */
export function build(options: FleetOptions): Fleet {
  const { scenario, logger } = options;
  const shard = options.shard ?? { index: 0, count: 1 };
  const publisher = new DevicePublisher({
    mqttUrl: options.mqttUrl,
    logger,
    maxInflight: options.maxInflight ?? FLEET_DEFAULTS.maxInflight,
  });
  const end = scenario.fromMs + scenario.duration;
  const devices: Device[] = [];
  const truthCounts: Record<string, number> = {};
  const truth = options.truthFile ? new TruthWriter(options.truthFile) : null;
  let phase: FleetStats['phase'] = 'registering';
  let simulatedTo = scenario.fromMs;
  let disconnects = 0;
  const stopping = new AbortController();
  let elevatorCount = 0;
  let runStart = 0;
  let registered = 0;

  function recordTruth(records: readonly TruthRecord[]) {
    for (const record of records) truthCounts[record.category] = (truthCounts[record.category] ?? 0) + 1;
    truth?.write(records);
  }

  function send(device: Device, kind: TopicKind, payload: object | number) {
    return publisher.publish(device.client, buildTopic(device.model.id, kind), JSON.stringify(payload), kind);
  }

  /**
   * Messages go out on the elevator's connection. Going offline drops the connection without
   * a DISCONNECT, after its last publishes are acknowledged, so the broker publishes the will;
   * coming back is a new connection.
   */
  async function act(device: Device, event: ModelEvent) {
    if (event.type === 'message') {
      if (canSend(device)) await send(device, event.kind, event.payload);
    } else if (event.type === 'disconnect') {
      disconnects++;
      device.offline = true;
      await settled(device.client);
      device.client.end(true);
    } else {
      device.offline = false;
      device.client = await publisher.connect(device.model.id, device.token).catch((error: unknown) => {
        publisher.fail(`reconnecting ${device.model.id}: ${(error as Error).message}`);
        return device.client;
      });
    }
  }

  /** After the history's fast-forwarded part: the terminals that are up say so again. */
  async function resume(at: number) {
    for (const device of devices) if (canSend(device)) await send(device, 'online', device.model.hello(at));
  }

  async function simulate() {
    const { catchUp } = options;
    const resumeAt = catchUp?.resumeAt ?? scenario.fromMs;
    let resumed = resumeAt <= scenario.fromMs;
    phase = catchUp ? 'catching-up' : 'running';
    runStart = Date.now();
    // A history is played unpaced until its next minute would pass the wall clock.
    let pace = catchUp ? null : pacer(Date.now(), scenario.fromMs, scenario.speed, stopping.signal);
    const days: Array<Promise<void>> = [];
    for (let tick = scenario.fromMs; tick < end && !stopping.signal.aborted; tick += TICK_MS) {
      if (pace === null && tick + TICK_MS > Date.now()) {
        await Promise.allSettled(days);
        const now = Date.now();
        pace = pacer(now, now, scenario.speed, stopping.signal);
        phase = 'running';
      }
      const due: Array<[Device, ModelEvent]> = [];
      for (const device of devices) {
        for (const event of device.model.advance(tick + TICK_MS)) due.push([device, event]);
        recordTruth(device.model.takeTruth());
      }
      due.sort((a, b) => a[1].at - b[1].at);
      for (const [device, event] of due) {
        if (event.at < resumeAt) {
          // Connections still follow the model, so a terminal offline then is offline now.
          if (event.type !== 'message') await act(device, event);
          continue;
        }
        if (!resumed) {
          resumed = true;
          await resume(event.at);
        }
        await pace?.(event.at);
        if (stopping.signal.aborted) break;
        await act(device, event);
        simulatedTo = event.at;
      }
      if (stopping.signal.aborted) break;
      simulatedTo = tick + TICK_MS;
      const dayEnded = (simulatedTo - scenario.fromMs) % DAY_MS === 0;
      if (pace === null && dayEnded && simulatedTo > resumeAt && catchUp?.onDay) {
        await publisher.acknowledged();
        days.push(catchUp.onDay(simulatedTo));
      }
    }
    for (const device of devices) {
      recordTruth(device.model.finish());
      // Stopped before the resumed part, it has nothing to say goodbye to.
      if (canSend(device) && resumed) await send(device, 'online', device.model.goodbye(simulatedTo));
    }
    await publisher.drain();
  }

  return {
    async run() {
      const wallStart = Date.now();
      const indices = Array.from({ length: scenario.fleet.elevators }, (_, i) => i).filter(
        (i) => i % shard.count === shard.index,
      );
      elevatorCount = indices.length;
      const models = indices.map((index) => new ElevatorModel(planElevator(scenario, index), scenario));
      try {
        const registrations = models.map((model) => model.plan.registration);
        const tokens = await obtainTokens(options.api, registrations, options.credentialsFile, (done) => {
          registered = done;
        });
        phase = 'connecting';
        await connectSpread(
          models,
          options.connectRate ?? FLEET_DEFAULTS.connectRate,
          async (model) => {
            const token = tokens[model.id] as string;
            devices.push({ model, token, client: await publisher.connect(model.id, token), offline: false });
          },
          stopping.signal,
        );
        await simulate();
      } finally {
        await disconnectAll(devices.map((device) => device.client));
        truth?.close();
        phase = 'done';
      }
      const wallSeconds = (Date.now() - wallStart) / 1000;
      const runSeconds = runStart === 0 ? 0 : (Date.now() - runStart) / 1000;
      const { published, errors, byKind } = publisher.stats();
      return {
        scenario: scenario.name,
        elevators: elevatorCount,
        simulatedFrom: new Date(scenario.fromMs).toISOString(),
        simulatedTo: new Date(simulatedTo).toISOString(),
        wallSeconds,
        runSeconds,
        published,
        messagesPerSecond: Math.round(published / Math.max(runSeconds, 0.001)),
        byKind,
        errors,
        disconnects,
        truth: truthCounts,
      };
    },

    stats() {
      const { published, errors } = publisher.stats();
      return {
        elevators: elevatorCount,
        registered,
        connected: devices.filter(canSend).length,
        published,
        errors,
        simulatedTo,
        phase,
      };
    },

    stop() {
      stopping.abort();
    },
  };
}
