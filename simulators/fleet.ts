import mqtt, { type MqttClient } from 'mqtt';
import { buildTopic, OFFLINE, type TopicKind } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { obtainTokens, type ApiClientOptions } from './credentials.js';
import { FleetError } from './errors.js';
import { ElevatorModel, type ModelEvent } from './model/elevator.js';
import { planElevator } from './model/plan.js';
import type { Scenario } from './scenario.js';
import { TruthWriter, type TruthRecord } from './truth.js';

const MINUTE_MS = 60_000;
/** Simulated time is generated a minute at a time for the whole fleet, then published in order. */
const TICK_MS = MINUTE_MS;
const MIN_SLEEP_MS = 2;
const CONNECT_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 10_000;
const DRAIN_POLL_MS = 20;

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
}

export const FLEET_DEFAULTS = { connectRate: 500, maxInflight: 2000 } as const;

export interface FleetStats {
  readonly elevators: number;
  readonly connected: number;
  readonly published: number;
  readonly errors: number;
  /** Simulated time reached. */
  readonly simulatedTo: number;
  readonly phase: 'registering' | 'connecting' | 'running' | 'done';
}

export interface FleetSummary {
  readonly scenario: string;
  readonly elevators: number;
  readonly simulatedFrom: string;
  readonly simulatedTo: string;
  readonly wallSeconds: number;
  readonly published: number;
  readonly messagesPerSecond: number;
  readonly byKind: Record<string, number>;
  readonly errors: number;
  readonly disconnects: number;
  readonly truth: Record<string, number>;
}

export interface Fleet {
  /** Registers what is missing, connects every elevator (spread over time), runs the scenario to its end or to stop(). */
  run(): Promise<FleetSummary>;
  stats(): FleetStats;
  /** Ends the run at the next simulated minute. */
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Device {
  readonly model: ElevatorModel;
  readonly token: string;
  /** Replaced when the terminal comes back after an offline period. */
  client: MqttClient;
  offline: boolean;
}

const hasInflight = (client: MqttClient) => Object.keys(client.outgoing).length > 0;
const canSend = (device: Device) => !device.offline && device.client.connected;

/** Waits (a little) for a client's unacknowledged publishes. */
async function settled(client: MqttClient): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (hasInflight(client) && Date.now() < deadline) await sleep(DRAIN_POLL_MS);
}

/** Why a connection failed, in words an operator can act on. */
function connectionProblem(url: string, id: string, error: Error & { code?: string | number }): string {
  if (error.code === 4 || error.code === 5) {
    return `the broker refused ${id} (CONNACK ${error.code}): its token is not valid. If this data directory's simulator credentials are stale, delete them and run again.`;
  }
  if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EHOSTUNREACH') {
    return `cannot reach the broker at ${url} (${error.code}). Is liftwatch running? Set LW_MQTT_URL if it listens elsewhere.`;
  }
  return `connecting ${id} to ${url} failed: ${error.message}`;
}

/**
 * Drives a scenario's fleet: each elevator is an MQTT client with its own credentials, its
 * model produces the traffic in simulated time, and this paces it to the scenario's speed.
 */
export function build(options: FleetOptions): Fleet {
  const { scenario, logger } = options;
  const shard = options.shard ?? { index: 0, count: 1 };
  const connectRate = options.connectRate ?? FLEET_DEFAULTS.connectRate;
  const maxInflight = options.maxInflight ?? FLEET_DEFAULTS.maxInflight;
  const end = scenario.fromMs + scenario.duration;
  const devices: Device[] = [];
  const byKind: Record<string, number> = {};
  const truthCounts: Record<string, number> = {};
  let phase: FleetStats['phase'] = 'registering';
  let simulatedTo = scenario.fromMs;
  let published = 0;
  let errors = 0;
  let disconnects = 0;
  let inflight = 0;
  let drained: (() => void) | null = null;
  let stopping = false;
  let elevatorCount = 0;
  const truth = options.truthFile ? new TruthWriter(options.truthFile) : null;

  function recordTruth(records: readonly TruthRecord[]) {
    for (const record of records) truthCounts[record.category] = (truthCounts[record.category] ?? 0) + 1;
    truth?.write(records);
  }

  function settle(error?: Error) {
    inflight--;
    if (error) {
      errors++;
      if (errors <= 10) logger.warn({ err: error.message }, 'publish failed');
    }
    if (drained && inflight <= maxInflight / 2) {
      drained();
      drained = null;
    }
  }

  function publish(client: MqttClient, id: string, kind: TopicKind, payload: unknown) {
    inflight++;
    published++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    client.publish(buildTopic(id, kind), JSON.stringify(payload), { qos: 1, retain: kind === 'online' }, settle);
  }

  async function connect(id: string, token: string): Promise<MqttClient> {
    const client = mqtt.connect(options.mqttUrl, {
      clientId: id,
      username: id,
      password: token,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      will: { topic: buildTopic(id, 'online'), payload: Buffer.from(String(OFFLINE)), qos: 1, retain: true },
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (error) => reject(new FleetError(connectionProblem(options.mqttUrl, id, error))));
    }).catch(async (error: unknown) => {
      await client.endAsync(true);
      throw error;
    });
    client.on('error', (error) => logger.warn({ elevator: id, err: error.message }, 'MQTT client error'));
    return client;
  }

  /**
   * Messages go out on the elevator's connection. Going offline drops the connection without
   * a DISCONNECT, after its last publishes are acknowledged, so the broker publishes the will;
   * coming back is a new connection.
   */
  async function act(device: Device, event: ModelEvent) {
    const { client, model } = device;
    if (event.type === 'message') {
      if (canSend(device)) publish(client, model.id, event.kind, event.payload);
    } else if (event.type === 'disconnect') {
      disconnects++;
      device.offline = true;
      await settled(client);
      client.end(true);
    } else {
      device.offline = false;
      device.client = await connect(model.id, device.token).catch((error: unknown) => {
        errors++;
        logger.warn({ elevator: model.id, err: (error as Error).message }, 'reconnect failed');
        return client;
      });
    }
  }

  /** Waits for the last PUBACKs; what a dropped connection never acknowledged is counted as an error. */
  async function drain() {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (inflight > 0 && Date.now() < deadline) await sleep(DRAIN_POLL_MS);
    errors += inflight;
  }

  async function publishTick(due: Array<[Device, ModelEvent]>, wallStart: number) {
    for (const [device, event] of due) {
      if (scenario.speed !== 'max') {
        const wait = wallStart + (event.at - scenario.fromMs) / scenario.speed - Date.now();
        if (wait >= MIN_SLEEP_MS) await sleep(wait);
      }
      if (inflight >= maxInflight) await new Promise<void>((resolve) => (drained = resolve));
      await act(device, event);
    }
  }

  return {
    async run() {
      const wallStart = Date.now();
      const indices = Array.from({ length: scenario.fleet.elevators }, (_, i) => i).filter(
        (i) => i % shard.count === shard.index,
      );
      elevatorCount = indices.length;
      const models = indices.map((index) => new ElevatorModel(planElevator(scenario, index), scenario));
      const tokens = await obtainTokens(
        options.api,
        models.map((model) => model.plan.registration),
        options.credentialsFile,
      );

      phase = 'connecting';
      const gapMs = 1000 / connectRate;
      try {
        for (const [i, model] of models.entries()) {
          if (stopping) break;
          const token = tokens[model.id] as string;
          devices.push({ model, token, client: await connect(model.id, token), offline: false });
          const behind = wallStart + (i + 1) * gapMs - Date.now();
          if (behind >= MIN_SLEEP_MS) await sleep(behind);
        }

        phase = 'running';
        const runStart = Date.now();
        for (let tick = scenario.fromMs; tick < end && !stopping; tick += TICK_MS) {
          const due: Array<[Device, ModelEvent]> = [];
          for (const device of devices) {
            for (const event of device.model.advance(tick + TICK_MS)) due.push([device, event]);
            recordTruth(device.model.takeTruth());
          }
          due.sort((a, b) => a[1].at - b[1].at);
          await publishTick(due, runStart);
          simulatedTo = tick + TICK_MS;
        }
        for (const device of devices) {
          recordTruth(device.model.finish());
          if (canSend(device)) publish(device.client, device.model.id, 'online', device.model.goodbye(simulatedTo));
        }
        await drain();
      } finally {
        await Promise.all(devices.map(({ client }) => client.endAsync(hasInflight(client)).catch(() => undefined)));
        truth?.close();
        phase = 'done';
      }
      const wallSeconds = (Date.now() - wallStart) / 1000;
      return {
        scenario: scenario.name,
        elevators: elevatorCount,
        simulatedFrom: new Date(scenario.fromMs).toISOString(),
        simulatedTo: new Date(simulatedTo).toISOString(),
        wallSeconds,
        published,
        messagesPerSecond: Math.round(published / Math.max(wallSeconds, 0.001)),
        byKind,
        errors,
        disconnects,
        truth: truthCounts,
      };
    },

    stats() {
      return {
        elevators: elevatorCount,
        connected: devices.filter(({ client }) => client.connected).length,
        published,
        errors,
        simulatedTo,
        phase,
      };
    },

    stop() {
      stopping = true;
    },
  };
}
