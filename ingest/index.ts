import mqtt, { type MqttClient } from 'mqtt';
import type { Aedes } from 'aedes';
import {
  ALL_ELEVATOR_TOPICS,
  INGEST_PRINCIPAL,
  TOPIC_ROOT,
  decodePayload,
  parseTopic,
  type DecodedMessage,
  type Elevator,
} from '../contract/index.js';
import { encodeLine } from '../influx/line-protocol.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Store } from '../store/types.js';
import { BatchWriter, type BatchWriterOptions, type BatchWriterStatus } from './batch-writer.js';
import { RegistryCache } from './registry-cache.js';
import { FIELD_TYPES, toPoint } from './schema.js';

export interface IngestOptions {
  readonly store: Store;
  readonly telemetry: TelemetryStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly batch: BatchWriterOptions;
  /** How long close() waits for InfluxDB to take what is pending. Default 10 s. */
  readonly closeTimeoutMs?: number;
  /** Called with every valid message of a registered elevator once it is queued for InfluxDB (the rules engine). */
  readonly observers?: ReadonlyArray<(message: DecodedMessage, elevator: Elevator) => void>;
}

export type DeadLetterReason = 'invalid_topic' | 'invalid_payload' | 'unregistered_elevator' | 'internal_error';

export interface IngestStatus {
  readonly source: 'in-process' | 'mqtt' | 'none';
  readonly mqttConnected: boolean | null;
  readonly writer: BatchWriterStatus;
}

export interface Ingest {
  /** Validates, enriches and queues one message. Never throws: what it cannot store becomes a dead letter. */
  handle(topic: string, payload: Buffer, receivedAt?: Date): void;
  /** Takes messages from the broker's publish path in this process. */
  attach(broker: Aedes): void;
  /** Takes messages as an MQTT client with a persistent session (ingest running apart from the broker). */
  subscribe(url: string, password: string): Promise<void>;
  status(): IngestStatus;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const MQTT_RECONNECT_MS = 1000;
const TOPIC_PREFIX = `${TOPIC_ROOT}/`;

export function build(options: IngestOptions): Ingest {
  const { store, metrics, logger } = options;
  const writer = new BatchWriter(options.telemetry, options.batch, metrics, logger);
  const registry = new RegistryCache(store.elevators);
  let source: IngestStatus['source'] = 'none';
  let client: MqttClient | null = null;

  function deadLetter(topic: string, payload: Buffer, reason: DeadLetterReason, detail: string, receivedAt: Date) {
    metrics.deadLetters.inc({ reason });
    try {
      store.deadLetters.add({ topic, payload, reason: `${reason}: ${detail}`, receivedAt });
    } catch (error) {
      logger.error({ err: error, topic, reason }, 'could not store a dead letter');
    }
  }

  /** The message is stored whatever an observer does with it: an observer's failure is logged and counted. */
  function notify(message: DecodedMessage, elevator: Elevator) {
    for (const observe of options.observers ?? []) {
      try {
        observe(message, elevator);
      } catch (error) {
        metrics.observerErrors.inc();
        logger.error({ err: error, elevator: elevator.id, kind: message.kind }, 'an observer of ingest failed');
      }
    }
  }

  function handle(topic: string, payload: Buffer, receivedAt = new Date()): void {
    try {
      const parsed = parseTopic(topic);
      if (!parsed) return deadLetter(topic, payload, 'invalid_topic', 'not elevators/{id}/{kind}', receivedAt);
      metrics.messagesReceived.inc({ kind: parsed.kind });
      const decoded = decodePayload(parsed.kind, payload);
      if (!decoded.ok) return deadLetter(topic, payload, 'invalid_payload', decoded.reason, receivedAt);
      const elevator = registry.get(parsed.elevatorId);
      if (!elevator) return deadLetter(topic, payload, 'unregistered_elevator', parsed.elevatorId, receivedAt);
      const point = toPoint(decoded.message, elevator, receivedAt.getTime());
      writer.push(encodeLine(point, FIELD_TYPES[parsed.kind]));
      notify(decoded.message, elevator);
    } catch (error) {
      logger.error({ err: error, topic }, 'ingest failed on a message');
      deadLetter(topic, payload, 'internal_error', (error as Error).message, receivedAt);
    }
  }

  return {
    handle,

    attach(broker) {
      source = 'in-process';
      broker.on('publish', (packet) => {
        if (packet.topic.startsWith(TOPIC_PREFIX)) handle(packet.topic, packet.payload as Buffer);
      });
    },

    subscribe(url, password) {
      source = 'mqtt';
      const connection = mqtt.connect(url, {
        clientId: INGEST_PRINCIPAL,
        username: INGEST_PRINCIPAL,
        password,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: MQTT_RECONNECT_MS,
      });
      client = connection;
      connection.on('message', (topic, payload) => handle(topic, payload));
      connection.on('error', (error) => logger.error({ err: error }, 'ingest MQTT client error'));
      return new Promise((resolve, reject) => {
        connection.once('connect', () => {
          connection.subscribe(ALL_ELEVATOR_TOPICS, { qos: 1 }, (error, granted) => {
            if (error || granted?.[0]?.qos === 128) {
              reject(error ?? new Error(`the broker refused the subscription to ${ALL_ELEVATOR_TOPICS}`));
            } else {
              resolve();
            }
          });
        });
        connection.once('error', reject);
      });
    },

    status() {
      return { source, mqttConnected: client ? client.connected : null, writer: writer.status() };
    },

    flush: () => writer.flush(),

    async close() {
      await client?.endAsync();
      await writer.close(options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    },
  };
}
