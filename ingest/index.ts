import mqtt, { type MqttClient } from 'mqtt';
import {
  ALL_ELEVATOR_TOPICS,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  INGEST_PRINCIPAL,
  TOPIC_ROOT,
  decodePayload,
  parseTopic,
  type DecodedMessage,
  type Elevator,
} from '../contract/index.js';
import type { TelemetryStore } from '../influx/types.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Store } from '../store/types.js';
import { BatchWriter, type BatchWriterOptions, type BatchWriterStatus } from './batch-writer.js';
import { RegistryCache } from './registry-cache.js';
import { gapLine, lineTopic, messageLine } from './schema.js';
import { SequenceTracker } from './sequence.js';
import { Spool } from './spool.js';

export interface IngestOptions {
  readonly store: Store;
  readonly telemetry: TelemetryStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly batch: BatchWriterOptions;
  /** Where points wait for InfluxDB, on disk, so neither an outage nor a crash loses them. */
  readonly spool: { readonly dir: string; readonly maxBytes: number };
  /** How long close() waits for InfluxDB to take what is pending. Default 10 s. */
  readonly closeTimeoutMs?: number;
  /** Called with every valid message of a registered elevator once it is queued for InfluxDB (the rules engine). */
  readonly observers?: ReadonlyArray<(message: DecodedMessage, elevator: Elevator) => void>;
  /** A `ts` further ahead of the message's arrival is a dead letter. Default DEFAULT_MAX_CLOCK_SKEW_MS (1 day). */
  readonly maxClockSkewMs?: number;
}

export type DeadLetterReason =
  | 'invalid_topic'
  | 'invalid_payload'
  | 'unregistered_elevator'
  /** Its `ts` is further ahead of its arrival than `maxClockSkewMs`: the device's clock is wrong. */
  | 'clock_ahead'
  /** Its point, accepted and spooled, was refused by InfluxDB for good (a field type conflict, say); the payload is the line. */
  | 'refused_by_influxdb'
  | 'internal_error';

export interface IngestStatus {
  readonly source: 'in-process' | 'mqtt';
  readonly mqttConnected: boolean | null;
  /** The broker keeps closing the connection (MQTT_UNSTABLE_RECONNECTS within a minute); null in-process. */
  readonly mqttUnstable: boolean | null;
  readonly writer: BatchWriterStatus;
}

export interface HandleOptions {
  readonly receivedAt?: Date;
  /** QoS 0 telemetry is shed while the spool is full; anything else waits for room. */
  readonly qos?: number;
}

export interface Ingest {
  /**
   * Validates, enriches and spools one message; resolves once it may be acknowledged to its
   * sender (it is on disk, or it is a dead letter, a duplicate or shed). What it cannot store
   * becomes a dead letter; it rejects only when the spool is closed.
   */
  handle(topic: string, payload: Buffer, options?: HandleOptions): Promise<void>;
  /** Takes messages as an MQTT client with a persistent session (ingest running apart from the broker). */
  subscribe(url: string, password: string): Promise<void>;
  status(): IngestStatus;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** Spool files begin anew at this size; read ones are deleted whole. */
const SPOOL_SEGMENT_BYTES = 16 * 1024 * 1024;
/**
 * Appends of one event-loop turn share one write and one fsync (about 0.15 ms here): the many
 * publishes of a busy broker are grouped, and the split ingest's one-at-a-time ones do not wait.
 */
const SPOOL_COMMIT_INTERVAL_MS = 0;
/**
 * Publishes let go per event-loop turn once their commit is on disk. While influxd compacts on
 * the same disk an fsync can take half a second and hold 3,000 publishes of a city's traffic;
 * routing them and writing their PUBACKs at once kept the broker from reading for 0.3-1 s.
 */
const SPOOL_RELEASE_PER_TURN = 256;
const MQTT_RECONNECT_MS = 1000;
/**
 * Reconnects within MQTT_UNSTABLE_WINDOW_MS that make the connection unstable: a broker that
 * closes it again and again (on a message it cannot send, say) leaves it connected most of the time.
 */
const MQTT_UNSTABLE_RECONNECTS = 3;
const MQTT_UNSTABLE_WINDOW_MS = 60_000;
/**
 * Sequence windows made at start per registered elevator, a quarter more for registrations to
 * come: growing copies them all.
 */
const SEQUENCE_ROOM_FACTOR = 1.25;
const TOPIC_PREFIX = `${TOPIC_ROOT}/`;
/** What `handle` returns for a message that needs no wait before its acknowledgement. */
const DONE: Promise<void> = Promise.resolve();

/** The device's counter, where the payload has one (a bare 0/1 online flag has none). */
function sequenceOf(message: DecodedMessage): number | null {
  return typeof message.payload === 'object' && 'seq' in message.payload ? message.payload.seq : null;
}

/** The message's own time (`ts`), or null for a bare online flag. */
function ownTime(message: DecodedMessage): number | null {
  return typeof message.payload === 'object' && 'ts' in message.payload ? message.payload.ts : null;
}

/** The message's own time, or its arrival for a bare online flag. */
function pointTime(message: DecodedMessage, receivedAtMs: number): number {
  return ownTime(message) ?? receivedAtMs;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export function build(options: IngestOptions): Ingest {
  const { store, metrics, logger, maxClockSkewMs = DEFAULT_MAX_CLOCK_SKEW_MS } = options;
  const spool = new Spool({
    dir: options.spool.dir,
    maxBytes: options.spool.maxBytes,
    segmentBytes: SPOOL_SEGMENT_BYTES,
    commitIntervalMs: SPOOL_COMMIT_INTERVAL_MS,
    releasePerTurn: SPOOL_RELEASE_PER_TURN,
    onSynced: (seconds) => metrics.spoolSync.observe(seconds),
  });
  const registry = new RegistryCache(store.elevators);
  const preloadStartedAt = performance.now();
  const registered = registry.preload();
  logger.info({ elevators: registered, ms: Math.round(performance.now() - preloadStartedAt) }, 'registry read');
  const sequences = new SequenceTracker(Math.ceil(registered * SEQUENCE_ROOM_FACTOR));
  let client: MqttClient | null = null;
  /** When the MQTT client connected again after losing its connection, within the last window. */
  let reconnectedAt: number[] = [];
  const recentReconnects = () => reconnectedAt.filter((at) => Date.now() - at < MQTT_UNSTABLE_WINDOW_MS);

  /** Keeps what cannot be stored, for an operator to see; the sender may be acknowledged at once. */
  function deadLetter(
    topic: string,
    payload: Buffer,
    reason: DeadLetterReason,
    detail: string,
    receivedAtMs: number,
  ): Promise<void> {
    metrics.deadLetters.inc({ reason });
    try {
      store.deadLetters.add({ topic, payload, reason: `${reason}: ${detail}`, receivedAt: new Date(receivedAtMs) });
    } catch (error) {
      logger.error({ err: error, topic, reason }, 'could not store a dead letter');
    }
    return DONE;
  }

  const writer = new BatchWriter(options.telemetry, spool, options.batch, metrics, logger, (line, reason) =>
    deadLetter(lineTopic(line), Buffer.from(line), 'refused_by_influxdb', reason, Date.now()),
  );

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

  /** Not stored: the sender's resend must not be taken for a duplicate. */
  function forgetUnstored(spooled: Promise<void>, elevatorId: string, seq: number): Promise<void> {
    return spooled.catch((error: unknown) => {
      sequences.forget(elevatorId, seq);
      throw error;
    });
  }

  function handle(topic: string, payload: Buffer, { receivedAt, qos = 1 }: HandleOptions = {}): Promise<void> {
    const receivedAtMs = receivedAt?.getTime() ?? Date.now();
    try {
      const parsed = parseTopic(topic);
      if (!parsed) return deadLetter(topic, payload, 'invalid_topic', 'not elevators/{id}/{kind}', receivedAtMs);
      metrics.messagesReceived.inc({ kind: parsed.kind });
      const decoded = decodePayload(parsed.kind, payload);
      if (!decoded.ok) return deadLetter(topic, payload, 'invalid_payload', decoded.reason, receivedAtMs);
      const registered = registry.get(parsed.elevatorId);
      if (!registered) return deadLetter(topic, payload, 'unregistered_elevator', parsed.elevatorId, receivedAtMs);
      const { elevator } = registered;
      const ts = ownTime(decoded.message);
      // Before the rules see it: a fault stamped years ahead would open a ticket due years ahead.
      if (ts !== null && ts - receivedAtMs > maxClockSkewMs) {
        const detail = `ts ${iso(ts)} is more than LW_MAX_CLOCK_SKEW (${maxClockSkewMs} ms) ahead of its arrival at ${iso(receivedAtMs)}`;
        return deadLetter(topic, payload, 'clock_ahead', detail, receivedAtMs);
      }
      if (qos === 0 && parsed.kind === 'telemetry' && writer.full()) {
        metrics.messagesShed.inc();
        return DONE;
      }
      const line = messageLine(decoded.message, registered, receivedAtMs);
      const seq = sequenceOf(decoded.message);
      if (seq === null) {
        const spooled = writer.push([line]);
        notify(decoded.message, elevator);
        return spooled;
      }
      const verdict = sequences.observe(elevator.id, seq, pointTime(decoded.message, receivedAtMs));
      // Seen before: acknowledge once the first copy is on disk, store and notify nothing twice.
      if (verdict.kind === 'duplicate') {
        metrics.duplicates.inc();
        return writer.sync();
      }
      const lines = [line];
      if (verdict.kind === 'new' && verdict.missing > 0) {
        metrics.sequenceGaps.inc(verdict.missing);
        lines.push(gapLine(elevator, verdict.missing, pointTime(decoded.message, receivedAtMs)));
      }
      const spooled = forgetUnstored(writer.push(lines), elevator.id, seq);
      notify(decoded.message, elevator);
      return spooled;
    } catch (error) {
      logger.error({ err: error, topic }, 'ingest failed on a message');
      return deadLetter(topic, payload, 'internal_error', (error as Error).message, receivedAtMs);
    }
  }

  return {
    handle,

    subscribe(url, password) {
      const connection = mqtt.connect(url, {
        clientId: INGEST_PRINCIPAL,
        username: INGEST_PRINCIPAL,
        password,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: MQTT_RECONNECT_MS,
      });
      client = connection;
      // The PUBACK to the broker goes once the message is spooled: a crash before it makes the broker resend.
      connection.handleMessage = (packet, done) => {
        const { topic, payload, qos } = packet;
        // Traffic shows the broker is there. mqtt.js counts only acknowledgements it receives, so
        // under a backlog its PINGRESP waited behind the messages and it dropped a live connection.
        connection.reschedulePing();
        if (!topic.startsWith(TOPIC_PREFIX)) return done();
        handle(topic, payload as Buffer, { qos }).then(
          () => done(),
          (error: unknown) => done(error as Error),
        );
      };
      connection.on('error', (error) => logger.error({ err: error }, 'ingest MQTT client error'));
      let connectedBefore = false;
      connection.on('connect', () => {
        if (!connectedBefore) return void (connectedBefore = true);
        metrics.ingestReconnects.inc();
        reconnectedAt = [...recentReconnects(), Date.now()];
        if (reconnectedAt.length !== MQTT_UNSTABLE_RECONNECTS) return;
        logger.error(
          { reconnects: reconnectedAt.length, windowMs: MQTT_UNSTABLE_WINDOW_MS },
          "the broker keeps closing ingest's connection: messages may wait there unstored",
        );
      });
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
      // Fed by the broker in this process unless it subscribed as a client of a broker elsewhere.
      const source = client ? 'mqtt' : 'in-process';
      const mqttUnstable = client ? recentReconnects().length >= MQTT_UNSTABLE_RECONNECTS : null;
      return { source, mqttConnected: client ? client.connected : null, mqttUnstable, writer: writer.status() };
    },

    flush: () => writer.flush(),

    async close() {
      await client?.endAsync();
      await writer.close(options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    },
  };
}
