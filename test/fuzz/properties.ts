import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import {
  DEFAULT_MAX_CLOCK_SKEW_MS,
  TOPIC_KINDS,
  buildTopic,
  decodePayload,
  elevatorRegistrationSchema,
  parseTopic,
  type DecodedMessage,
  type Elevator,
  type ElevatorRegistration,
  type PayloadInputOf,
  type TopicKind,
} from '../../contract/index.js';
import type { Point } from '../../influx/line-protocol.js';
import type { Series } from '../../influx/types.js';
import type { DeadLetterReason } from '../../ingest/index.js';
import { FIELD_TYPES, toPoint } from '../../ingest/schema.js';
import { DEAD_LETTER_LIMITS } from '../../store/sqlite-dead-letters.js';
import {
  InputCounter,
  plainRegistration,
  registerDevice,
  runProperty,
  type FuzzResult,
  type FuzzTarget,
} from './harness.js';
import { outputSchemaOf, valueArbitrary, type JsonSchema } from './json-schema.js';
import { connectionArbitrary, play, wireOf, type FuzzDevice } from './mqtt-packets.js';
import { messageArbitrary, payloadBytes, withKey, type FuzzMessage } from './payloads.js';

export interface FuzzSize {
  /** fast-check runs; each is a batch of inputs. */
  readonly numRuns: number;
  readonly seed: number;
  /** Shrink a failing batch of payloads to a smaller one (the broker socket's never shrink). */
  readonly shrink: boolean;
}

/**
 * Heap growth allowed over a whole property (after a full GC at each end). What the fuzz
 * legitimately leaves behind is small (a registry entry and a seq track per elevator, the fuzz
 * device's session); a leak per connection or message would pass it within a few thousand inputs.
 */
export const HEAP_BOUND_MB = 48;
/** How long the canary may take to connect and get its PUBACK after a batch of garbage. */
const LIVENESS_TIMEOUT_MS = 10_000;
/** Batches of any length up to their maximum (half of it on average), not fast-check's default short ones. */
const BATCH_SIZE = 'medium';
/** Connections of garbage sent at once before each liveness check. */
const MAX_CONNECTIONS_PER_BATCH = 24;
/** Messages per run: each run registers an elevator of its own, sends them all, then checks them all. */
const MAX_MESSAGES_PER_RUN = 64;
const PUBLISH_TIMEOUT_MS = 10_000;
/** How long a failed check waits to look again, telling a point InfluxDB shows late from a lost one. */
const LATE_CHECK_MS = 2000;
/** Point times are whole milliseconds. */
const CLOCK_TICK_MS = 1;
const UNREGISTERED_ID = 'FZ-NOBODY';
/** The store wants a token hash; elevators fed to ingest directly never connect. */
const NO_TOKEN = 'none';

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connectDevice(url: string, device: FuzzDevice): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: device.id,
    username: device.id,
    password: device.token,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: LIVENESS_TIMEOUT_MS,
  });
}

/** A legitimate device connects, publishes QoS 1 and gets its PUBACK; throws otherwise. */
async function canaryDelivers(url: string, canary: FuzzDevice, seq: number): Promise<void> {
  const client = await connectDevice(url, canary);
  try {
    const payload: PayloadInputOf<'telemetry'> = {
      ts: Date.now(),
      seq,
      mode: 1,
      floor: 1,
      direction: 0,
      doorState: 2,
      runs: seq,
      runSeconds: seq,
      doorCycles: seq,
    };
    const topic = buildTopic(canary.id, 'telemetry');
    await within(client.publishAsync(topic, JSON.stringify(payload), { qos: 1 }), LIVENESS_TIMEOUT_MS, 'PUBACK');
  } finally {
    await client.endAsync(true);
  }
}

/**
 * Property 1: batches of random and mutated MQTT connections at the broker's TCP socket; after
 * each batch a fresh device still connects and gets its PUBACK. No error goes uncaught, and the
 * heap stays within its bound.
 */
export async function fuzzBrokerSocket(target: FuzzTarget, { numRuns, seed }: FuzzSize): Promise<FuzzResult> {
  const device = await registerDevice(target.store, plainRegistration('FZ-SOCKET'));
  const canary = await registerDevice(target.store, plainRegistration('FZ-CANARY'));
  const counter = new InputCounter();
  let canarySeq = 0;
  return runProperty({
    name: 'broker socket: random and mutated MQTT packets',
    arbitrary: fc.array(connectionArbitrary(device), {
      minLength: 1,
      maxLength: MAX_CONNECTIONS_PER_BATCH,
      size: BATCH_SIZE,
    }),
    predicate: async (batch) => {
      counter.inputs += batch.length;
      await Promise.all(
        batch.map((connection) =>
          play(target.mqttHost, target.mqttPort, wireOf(connection, device), connection.ending),
        ),
      );
      await canaryDelivers(target.mqttUrl, canary, ++canarySeq);
    },
    counter,
    numRuns,
    seed,
    heapBoundMb: HEAP_BOUND_MB,
    shrink: false,
  });
}

/**
 * Registrations from the contract's schema (the registry's labels are tags of every point), as
 * the API takes them (trimmed, refined), with an id each run replaces by one of its own. The
 * device publishes itself: a gateway would have to be registered first, and is no label.
 */
const registrationSchema = outputSchemaOf(elevatorRegistrationSchema);
const NOT_LABELS: ReadonlySet<string> = new Set(['id', 'gateway']);
const labels: JsonSchema = {
  ...registrationSchema,
  properties: Object.fromEntries(
    Object.entries(registrationSchema.properties ?? {}).filter(([name]) => !NOT_LABELS.has(name)),
  ),
  required: registrationSchema.required?.filter((name) => !NOT_LABELS.has(name)),
};
const PLACEHOLDER_ID = 'FZ';
const registrationArbitrary: fc.Arbitrary<ElevatorRegistration> = valueArbitrary(labels)
  .map((value) => elevatorRegistrationSchema.safeParse({ ...(value as object), id: PLACEHOLDER_ID }))
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as ElevatorRegistration);

interface Run {
  readonly registration: ElevatorRegistration;
  readonly messages: readonly FuzzMessage[];
}

const runArbitrary = (ownTopicsOnly: boolean): fc.Arbitrary<Run> =>
  fc.record({
    registration: registrationArbitrary,
    messages: fc.array(messageArbitrary({ ownTopicsOnly }), {
      minLength: 1,
      maxLength: MAX_MESSAGES_PER_RUN,
      size: BATCH_SIZE,
    }),
  });

/** What ingest must do with one message. */
type Expectation =
  | { readonly outcome: 'dead-letter'; readonly reason: DeadLetterReason }
  /** `timed` is false for a bare online flag sent over MQTT: its point's time is its arrival, unknown here. */
  | { readonly outcome: 'stored'; readonly point: Point; readonly timed: boolean };

interface Sent {
  readonly topic: string;
  readonly payload: Buffer;
  readonly receivedAt: Date | undefined;
  readonly expect: Expectation;
}

function sequenceOf(message: DecodedMessage): number | null {
  return typeof message.payload === 'object' ? message.payload.seq : null;
}

/** Its `ts` further ahead of its arrival than the test system's LW_MAX_CLOCK_SKEW (the default). */
function clockAhead(message: DecodedMessage, arrivalMs: number): boolean {
  return typeof message.payload === 'object' && message.payload.ts - arrivalMs > DEFAULT_MAX_CLOCK_SKEW_MS;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function freeSeq(taken: ReadonlySet<number>): number {
  let seq = 0;
  while (taken.has(seq)) seq++;
  return seq;
}

function topicOf(message: FuzzMessage, elevatorId: string): string {
  switch (message.route.to) {
    case 'own':
      return buildTopic(elevatorId, message.kind);
    case 'unregistered':
      return buildTopic(UNREGISTERED_ID, message.kind);
    case 'invalid':
      return message.route.topic;
  }
}

/**
 * The run's messages as they are sent, with what ingest must do with each, judged by the
 * contract (topic, then payload, then registry, then the clock). Ingest stores each (elevator, seq) once, so a
 * valid message whose seq an earlier one of the run took gets a free seq (deduplication has
 * tests of its own); one that still collides (its bytes were mutated) is left out.
 */
function prepare(messages: readonly FuzzMessage[], elevator: Elevator, arrivalMs: number | null): Sent[] {
  const taken = new Set<number>();
  const sent: Sent[] = [];
  for (const message of messages) {
    const topic = topicOf(message, elevator.id);
    let payload = payloadBytes(message);
    const parsedTopic = parseTopic(topic);
    let decoded = parsedTopic && decodePayload(parsedTopic.kind, payload);
    if (message.generatedValid && decoded && !decoded.ok) {
      throw new Error(`the contract refused a ${message.kind} payload made from its own schema: ${decoded.reason}`);
    }
    const own = parsedTopic?.elevatorId === elevator.id;
    if (own && decoded?.ok) {
      const seq = sequenceOf(decoded.message);
      if (seq !== null && taken.has(seq)) {
        if (!isRecord(message.value)) continue;
        payload = payloadBytes({ ...message, value: withKey(message.value, 'seq', freeSeq(taken)) });
        decoded = decodePayload(message.kind, payload);
        const again = decoded.ok ? sequenceOf(decoded.message) : null;
        if (again !== null && taken.has(again)) continue;
      }
      if (decoded.ok) {
        const final = sequenceOf(decoded.message);
        if (final !== null) taken.add(final);
      }
    }
    const receivedAt = arrivalMs === null ? undefined : new Date(arrivalMs + sent.length);
    let expect: Expectation;
    if (!parsedTopic || !decoded) expect = { outcome: 'dead-letter', reason: 'invalid_topic' };
    else if (!decoded.ok) expect = { outcome: 'dead-letter', reason: 'invalid_payload' };
    else if (!own) expect = { outcome: 'dead-letter', reason: 'unregistered_elevator' };
    // Over MQTT the arrival is a moment after now: only a ts within that moment of the bound is in doubt.
    else if (clockAhead(decoded.message, receivedAt?.getTime() ?? Date.now())) {
      expect = { outcome: 'dead-letter', reason: 'clock_ahead' };
    } else {
      const timed = receivedAt !== undefined || typeof decoded.message.payload === 'object';
      expect = { outcome: 'stored', point: toPoint(decoded.message, elevator, receivedAt?.getTime() ?? 0), timed };
    }
    sent.push({ topic, payload, receivedAt, expect });
  }
  return sent;
}

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 300);

/** Every refused message of the run is a dead letter, in order, with its topic, payload and a reason. */
function checkDeadLetters(target: FuzzTarget, sent: readonly Sent[], lastIdBefore: number): void {
  const refused = sent.filter((item) => item.expect.outcome === 'dead-letter');
  const rows = target.store.deadLetters
    .list({ limit: refused.length + 1 })
    .filter((row) => row.id > lastIdBefore)
    .reverse();
  if (rows.length !== refused.length)
    throw new Error(`${refused.length} messages refused, ${rows.length} dead letters`);
  refused.forEach((item, i) => {
    const row = rows[i] as (typeof rows)[number];
    const reason = (item.expect as { reason: DeadLetterReason }).reason;
    const payload = item.payload.subarray(0, DEAD_LETTER_LIMITS.maxPayloadBytes).toString('utf8');
    if (row.topic !== item.topic || row.payload !== payload) {
      throw new Error(`dead letter ${row.id} is not the message sent to ${show(item.topic)}`);
    }
    if (!row.reason.startsWith(`${reason}: `) || row.reason.length <= reason.length + 2) {
      throw new Error(`dead letter ${row.id} has reason ${show(row.reason)}, expected ${reason} with a detail`);
    }
  });
}

const tagsKey = (tags: Readonly<Record<string, string>>) =>
  JSON.stringify(
    Object.entries(tags)
      .filter(([, value]) => value !== '')
      .sort(([a], [b]) => a.localeCompare(b)),
  );
const pointKey = (measurement: string, tags: Readonly<Record<string, string>>, timeMs: number) =>
  `${measurement} ${tagsKey(tags)} ${timeMs}`;

function fieldMismatches(point: Point, row: Readonly<Record<string, unknown>>): string[] {
  const types = FIELD_TYPES[point.measurement as TopicKind];
  return Object.entries(point.fields).flatMap(([name, value]) => {
    const type = types[name];
    if (type === undefined) return [];
    const expected = type === 'integer' ? Math.trunc(value as number) : value;
    return row[name] === expected ? [] : [`${name}: sent ${show(expected)}, stored ${show(row[name])}`];
  });
}

/**
 * Every accepted message of the run is a point in InfluxDB with its fields as sent, and there is
 * no other: one point per series and time (a later message at the same time overwrites an
 * earlier one, as InfluxDB does). Bare online flags over MQTT are matched in order of arrival.
 */
async function checkStored(target: FuzzTarget, elevatorId: string, sent: readonly Sent[]): Promise<void> {
  const expected = new Map<string, Point>();
  const untimed: Point[] = [];
  for (const item of sent) {
    if (item.expect.outcome !== 'stored') continue;
    const { point, timed } = item.expect;
    if (timed) expected.set(pointKey(point.measurement, point.tags, point.timeMs), point);
    else untimed.push(point);
  }
  await target.ingest.flush();
  const problems = await storedProblems(target, elevatorId, expected, untimed);
  if (problems.length === 0) return;
  // Tell a point InfluxDB shows late from one that is lost, and say what the writer saw.
  await new Promise((resolve) => setTimeout(resolve, LATE_CHECK_MS));
  const later = await storedProblems(target, elevatorId, expected, untimed);
  const rejected = (await target.metrics.pointsRejected.get()).values[0]?.value ?? 0;
  throw new Error(
    [
      'InfluxDB does not hold what was accepted:',
      ...problems,
      `${LATE_CHECK_MS} ms later: ${later.length === 0 ? 'all there' : later.join('\n')}`,
      `writer: ${show(target.ingest.status().writer)}, points InfluxDB refused so far: ${rejected}`,
    ].join('\n'),
  );
}

async function storedProblems(
  target: FuzzTarget,
  elevatorId: string,
  expected: ReadonlyMap<string, Point>,
  untimed: readonly Point[],
): Promise<string[]> {
  const measurements = TOPIC_KINDS.map((kind) => `"${kind}"`).join(',');
  const series: Series[] = await target.telemetry.query(
    `SELECT * FROM ${measurements} WHERE "elevator" = '${elevatorId}' GROUP BY *`,
  );
  const stored = new Map<string, Readonly<Record<string, unknown>>>();
  const leftOver: Array<{ time: number; row: Readonly<Record<string, unknown>>; key: string }> = [];
  for (const { name, tags, rows } of series) {
    for (const row of rows) {
      const key = pointKey(name, tags, row.time as number);
      stored.set(key, row);
      if (!expected.has(key)) leftOver.push({ time: row.time as number, row, key });
    }
  }
  const problems: string[] = [];
  for (const [key, point] of expected) {
    const row = stored.get(key);
    if (!row) problems.push(`missing: ${key} ${show(point.fields)}`);
    else problems.push(...fieldMismatches(point, row).map((mismatch) => `${key}: ${mismatch}`));
  }
  leftOver.sort((a, b) => a.time - b.time);
  if (leftOver.length !== untimed.length) {
    problems.push(`${leftOver.length} points not sent: ${leftOver.map((point) => point.key).join('; ')}`);
  } else {
    untimed.forEach((point, i) => {
      const other = leftOver[i] as (typeof leftOver)[number];
      if (!other.key.startsWith(`${point.measurement} ${tagsKey(point.tags)} `))
        problems.push(`unexpected ${other.key}`);
      problems.push(...fieldMismatches(point, other.row).map((mismatch) => `${other.key}: ${mismatch}`));
    });
  }
  return problems;
}

const lastDeadLetterId = (target: FuzzTarget) => target.store.deadLetters.list({ limit: 1 })[0]?.id ?? 0;

/**
 * Property 2, at ingest directly: every message of a run is handled without a rejection, every
 * refused one is a dead letter with its reason, every accepted one is stored.
 */
export async function fuzzIngestPayloads(target: FuzzTarget, { numRuns, seed, shrink }: FuzzSize): Promise<FuzzResult> {
  const counter = new InputCounter();
  let runIndex = 0;
  return runProperty({
    name: 'payloads at every topic, to ingest',
    arbitrary: runArbitrary(false),
    predicate: async ({ registration, messages }) => {
      counter.inputs += messages.length;
      const elevator = target.store.elevators.register({ ...registration, id: `FZ-IN-${++runIndex}` }, NO_TOKEN);
      const sent = prepare(messages, elevator, Date.now());
      const lastId = lastDeadLetterId(target);
      const settled = await Promise.allSettled(
        sent.map(({ topic, payload, receivedAt }) => target.ingest.handle(topic, payload, { receivedAt, qos: 1 })),
      );
      const rejected = settled.find((outcome) => outcome.status === 'rejected');
      if (rejected) throw new Error(`ingest.handle rejected: ${String(rejected.reason)}`);
      checkDeadLetters(target, sent, lastId);
      await checkStored(target, elevator.id, sent);
    },
    counter,
    numRuns,
    seed,
    heapBoundMb: HEAP_BOUND_MB,
    shrink,
  });
}

const publishOne = (client: MqttClient, { topic, payload }: Sent) =>
  within(client.publishAsync(topic, payload, { qos: 1 }), PUBLISH_TIMEOUT_MS, `PUBACK on ${topic}`);

/**
 * Publishes a run's messages at once, in order, except bare online flags: timed on arrival, each
 * goes alone and the next message waits a clock tick, so two flags never share a time (and a point).
 */
async function publishAll(client: MqttClient, sent: readonly Sent[]): Promise<void> {
  let pending: Array<Promise<unknown>> = [];
  for (const item of sent) {
    if (item.expect.outcome === 'stored' && !item.expect.timed) {
      await Promise.all(pending);
      pending = [];
      await publishOne(client, item);
      await new Promise((resolve) => setTimeout(resolve, CLOCK_TICK_MS));
    } else {
      pending.push(publishOne(client, item));
    }
  }
  await Promise.all(pending);
}

/**
 * Property 2, over MQTT: a registered device publishes the run's messages to its own topics
 * (QoS 1, each acknowledged), then the same checks as at ingest.
 */
export async function fuzzMqttPayloads(target: FuzzTarget, { numRuns, seed, shrink }: FuzzSize): Promise<FuzzResult> {
  const counter = new InputCounter();
  let runIndex = 0;
  return runProperty({
    name: 'payloads at every topic, over MQTT',
    arbitrary: runArbitrary(true),
    predicate: async ({ registration, messages }) => {
      const device = await registerDevice(target.store, { ...registration, id: `FZ-MQ-${++runIndex}` });
      const elevator = target.store.elevators.get(device.id) as Elevator;
      // Payloads over the broker's limit close the connection before ingest sees them; they are fuzzed at ingest.
      const sent = prepare(messages, elevator, null).filter((item) => item.payload.length <= target.maxPayloadBytes);
      counter.inputs += sent.length;
      const lastId = lastDeadLetterId(target);
      const client = await connectDevice(target.mqttUrl, device);
      try {
        await publishAll(client, sent);
      } finally {
        await client.endAsync(true);
      }
      checkDeadLetters(target, sent, lastId);
      await checkStored(target, elevator.id, sent);
    },
    counter,
    numRuns,
    seed,
    heapBoundMb: HEAP_BOUND_MB,
    shrink,
  });
}
