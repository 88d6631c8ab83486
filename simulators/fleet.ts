import mqtt, { type MqttClient } from 'mqtt';
import {
  DIRECTIONS,
  DOOR_STATES,
  OFFLINE,
  ONLINE,
  SERVICE_MODES,
  buildTopic,
  type FaultCode,
  type PayloadInputOf,
  type TopicKind,
} from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { obtainTokens, type ApiClientOptions } from './credentials.js';
import { demoRegistration } from './demo-registry.js';
import { Random } from './random.js';

export interface FleetOptions {
  readonly elevators: number;
  readonly mqttUrl: string;
  readonly api: ApiClientOptions;
  /** Where device tokens are kept between runs. */
  readonly credentialsFile: string;
  /** Same seed, same fleet and traffic. */
  readonly seed: number;
  /** Time between two telemetry messages of one elevator. */
  readonly telemetryIntervalMs: number;
  /** Chance that an elevator reports a minor fault in one telemetry interval. */
  readonly faultChance: number;
  /** Id prefix of the demo elevators: `SIM` gives SIM-000001, SIM-000002, ... */
  readonly idPrefix: string;
  readonly logger: Logger;
}

export const FLEET_DEFAULTS = {
  seed: 1,
  telemetryIntervalMs: 60_000,
  faultChance: 0.02,
  idPrefix: 'SIM',
} as const satisfies Partial<FleetOptions>;

/** Connections are spread over this long per elevator (at most RAMP_MAX_MS) so the broker is not stormed. */
const RAMP_PER_ELEVATOR_MS = 20;
const RAMP_MAX_MS = 10_000;
const TRIPS_PER_INTERVAL = { min: 0, max: 4 } as const;
const TRIP_SECONDS = { min: 8, max: 45 } as const;
const ROPE_BENDS_PER_TRIP = 3;
const FLOORS = { lowest: -1, highest: 18 } as const;
const DOOR_REPORT_CHANCE = 0.5;
const MINOR_FAULTS: readonly FaultCode[] = [2, 3, 102, 104, 105];

export interface FleetStats {
  readonly elevators: number;
  readonly connected: number;
  readonly published: number;
}

class SimulatedElevator {
  private seq = 0;
  private floor = 1;
  private runs = 0;
  private runSeconds = 0;
  private doorCycles = 0;
  private ropeBends = 0;
  private timer: NodeJS.Timeout | null = null;
  published = 0;

  constructor(
    readonly id: string,
    private readonly client: MqttClient,
    private readonly random: Random,
    private readonly options: FleetOptions,
  ) {}

  get connected(): boolean {
    return this.client.connected;
  }

  start(): void {
    this.client.on('connect', () => this.send('online', ONLINE, true));
    this.timer = setInterval(() => this.tick(), this.options.telemetryIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.client.connected) await this.publish('online', OFFLINE, true).catch(() => undefined);
    await this.client.endAsync();
  }

  private tick(): void {
    const now = Date.now();
    const trips = this.random.int(TRIPS_PER_INTERVAL.min, TRIPS_PER_INTERVAL.max);
    for (let trip = 0; trip < trips; trip++) {
      this.runs++;
      this.runSeconds += this.random.int(TRIP_SECONDS.min, TRIP_SECONDS.max);
      this.doorCycles++;
      this.ropeBends += ROPE_BENDS_PER_TRIP;
      this.floor = this.random.int(FLOORS.lowest, FLOORS.highest);
    }
    if (trips > 0 && this.random.chance(DOOR_REPORT_CHANCE)) {
      this.send('doors', {
        ts: now,
        seq: this.seq++,
        floor: this.floor,
        openMs: this.random.int(2000, 4000),
        closeMs: this.random.int(2500, 3500),
        reopens: this.random.chance(0.1) ? 1 : 0,
        obstructed: this.random.chance(0.05),
      });
    }
    if (this.random.chance(this.options.faultChance)) {
      this.send('faults', { ts: now, seq: this.seq++, code: this.random.pick(MINOR_FAULTS), floor: this.floor });
    }
    this.send('telemetry', {
      ts: now,
      seq: this.seq++,
      mode: SERVICE_MODES.normal,
      floor: this.floor,
      direction: DIRECTIONS.none,
      doorState: DOOR_STATES.closed,
      occupied: false,
      loadPct: 0,
      speedMps: 0,
      runs: this.runs,
      runSeconds: this.runSeconds,
      doorCycles: this.doorCycles,
      ropeBends: this.ropeBends,
    });
  }

  private publish<K extends TopicKind>(kind: K, payload: PayloadInputOf<K>, retain = false) {
    return this.client.publishAsync(buildTopic(this.id, kind), JSON.stringify(payload), { qos: 1, retain });
  }

  private send<K extends TopicKind>(kind: K, payload: PayloadInputOf<K>, retain = false): void {
    if (!this.client.connected) return;
    this.publish(kind, payload, retain).then(
      () => this.published++,
      (error: unknown) => this.options.logger.warn({ elevator: this.id, err: error }, 'publish failed'),
    );
  }
}

export interface Fleet {
  /** Registers what is missing, then connects every elevator (spread over time) and starts publishing. */
  start(): Promise<void>;
  stats(): FleetStats;
  /** Says offline and disconnects every elevator cleanly. */
  stop(): Promise<void>;
}

/** A small fleet of simulated elevators, each its own MQTT client with its own credentials. */
export function build(options: FleetOptions): Fleet {
  const elevators: SimulatedElevator[] = [];
  let stopped = false;

  return {
    async start() {
      const registrations = Array.from({ length: options.elevators }, (_, i) =>
        demoRegistration(options.idPrefix, i, options.seed),
      );
      const tokens = await obtainTokens(options.api, registrations, options.credentialsFile);
      const rampMs = Math.min(RAMP_MAX_MS, RAMP_PER_ELEVATOR_MS * options.elevators);
      const gapMs = options.elevators > 1 ? rampMs / options.elevators : 0;
      for (const [index, { id }] of registrations.entries()) {
        if (stopped) return;
        const client = mqtt.connect(options.mqttUrl, {
          clientId: id,
          username: id,
          password: tokens[id],
          protocolVersion: 4,
          will: { topic: buildTopic(id, 'online'), payload: Buffer.from(String(OFFLINE)), qos: 1, retain: true },
        });
        const elevator = new SimulatedElevator(id, client, new Random(options.seed + index), options);
        elevators.push(elevator);
        elevator.start();
        if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    },

    stats() {
      return {
        elevators: options.elevators,
        connected: elevators.filter((elevator) => elevator.connected).length,
        published: elevators.reduce((sum, elevator) => sum + elevator.published, 0),
      };
    },

    async stop() {
      stopped = true;
      await Promise.all(elevators.map((elevator) => elevator.stop()));
    },
  };
}
