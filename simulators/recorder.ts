import mqtt, { type MqttClient } from 'mqtt';
import { ALL_ELEVATOR_TOPICS, parseTopic } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { fetchRegistration, type ApiClientOptions } from './api-client.js';
import { FleetError } from './errors.js';
import { TraceWriter } from './trace.js';

const CONNECT_TIMEOUT_MS = 10_000;

export interface RecorderOptions {
  readonly mqttUrl: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly clientId: string;
  readonly topic?: string;
  readonly out: string;
  /** liftwatch's API, to put each elevator's registry row in the trace; none records traffic only. */
  readonly api: ApiClientOptions | null;
  readonly logger: Logger;
}

export interface RecorderStats {
  readonly messages: number;
  readonly elevators: number;
  readonly registered: number;
}

export interface Recorder {
  start(): Promise<void>;
  stats(): RecorderStats;
  stop(): Promise<RecorderStats>;
}

/** Subscribes to every elevator topic of a broker and writes what arrives, with its arrival time, to a trace. */
export function buildRecorder(options: RecorderOptions): Recorder {
  const writer = new TraceWriter(options.out, options.mqttUrl);
  const seen = new Set<string>();
  const lookups: Array<Promise<void>> = [];
  let messages = 0;
  let registered = 0;
  let client: MqttClient | null = null;

  function lookUp(elevatorId: string) {
    if (!options.api || seen.has(elevatorId)) return;
    seen.add(elevatorId);
    const api = options.api;
    lookups.push(
      fetchRegistration(api, elevatorId).then(
        (registration) => {
          if (!registration) return;
          writer.registry(registration);
          registered++;
        },
        (error: unknown) =>
          options.logger.warn({ elevator: elevatorId, err: (error as Error).message }, 'registry lookup failed'),
      ),
    );
  }

  return {
    async start() {
      const connection = mqtt.connect(options.mqttUrl, {
        clientId: options.clientId,
        username: options.username,
        password: options.password,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
      client = connection;
      connection.on('message', (topic, payload, packet) => {
        // What the broker had retained arrives flagged retain [MQTT-3.3.1-8]: it is the past, not traffic.
        if (packet.retain) return;
        messages++;
        writer.message(Date.now(), topic, payload);
        const parsed = parseTopic(topic);
        if (parsed) lookUp(parsed.elevatorId);
      });
      await new Promise<void>((resolve, reject) => {
        connection.once('error', (error: Error & { code?: unknown }) =>
          reject(new FleetError(`the recorder cannot connect to ${options.mqttUrl}: ${error.message}`)),
        );
        connection.once('connect', () => {
          connection.subscribe(options.topic ?? ALL_ELEVATOR_TOPICS, { qos: 1 }, (error, granted) => {
            if (error || granted?.[0]?.qos === 128) {
              reject(
                new FleetError(
                  `the broker refused the recorder's subscription to ${options.topic ?? ALL_ELEVATOR_TOPICS}`,
                ),
              );
            } else {
              resolve();
            }
          });
        });
      });
    },

    stats: () => ({ messages, elevators: seen.size, registered }),

    async stop() {
      await client?.endAsync();
      await Promise.all(lookups);
      await writer.close();
      return { messages, elevators: seen.size, registered };
    },
  };
}
