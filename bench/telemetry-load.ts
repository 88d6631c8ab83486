/**
 * The offered load of pipeline-throughput: registered elevators, each on its own MQTT
 * connection with its own token, publishing valid contract telemetry at QoS 1 as fast as the
 * broker acknowledges, round robin, a fixed count. The same messages in every round.
 */
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { buildTopic, DIRECTIONS, DOOR_STATES, SERVICE_MODES } from '../contract/index.js';
import { DevicePublisher, disconnectAll } from '../simulators/publisher.js';

/** Connections opened at once: each costs the broker a token check (scrypt). */
const CONNECT_CONCURRENCY = 32;
/** A fixed start of event time, so every round stores the same points. */
const START_MS = Date.parse('2026-06-01T08:00:00+08:00');
/** One telemetry message per elevator per simulated minute, as the contract's devices send. */
const TELEMETRY_INTERVAL_MS = 60_000;
const FLOORS = 30;

export interface TelemetryLoad {
  /** Publishes `messages` messages; resolves when every PUBACK is in, with the count of errors. */
  publish(messages: number): Promise<number>;
  close(): Promise<void>;
}

/** The nth message of an elevator: its own seq and time, so no two points share a series and a timestamp. */
export function telemetry(seq: number): string {
  return JSON.stringify({
    ts: START_MS + seq * TELEMETRY_INTERVAL_MS,
    seq,
    mode: SERVICE_MODES.normal,
    floor: seq % FLOORS,
    direction: seq % 2 === 0 ? DIRECTIONS.up : DIRECTIONS.down,
    doorState: DOOR_STATES.closed,
    runs: seq,
    runSeconds: seq * 2,
    doorCycles: seq,
  });
}

/** `maxInflight`: publishes awaiting their PUBACK, over all connections. */
export async function connectLoad(
  mqttUrl: string,
  tokens: Record<string, string>,
  ids: readonly string[],
  maxInflight: number,
): Promise<TelemetryLoad> {
  const publisher = new DevicePublisher({ mqttUrl, logger: pino({ level: 'warn' }), maxInflight });
  const clients: MqttClient[] = [];
  try {
    for (let start = 0; start < ids.length; start += CONNECT_CONCURRENCY) {
      const slice = ids.slice(start, start + CONNECT_CONCURRENCY);
      clients.push(...(await Promise.all(slice.map((id) => publisher.connect(id, tokens[id] as string)))));
    }
  } catch (error) {
    await disconnectAll(clients);
    throw error;
  }
  const topics = ids.map((id) => buildTopic(id, 'telemetry'));
  return {
    async publish(messages) {
      for (let i = 0; i < messages; i++) {
        const elevator = i % ids.length;
        const seq = Math.floor(i / ids.length);
        await publisher.publish(
          clients[elevator] as MqttClient,
          topics[elevator] as string,
          telemetry(seq),
          'telemetry',
        );
      }
      await publisher.drain();
      return publisher.stats().errors;
    },
    close: () => disconnectAll(clients).then(() => undefined),
  };
}
