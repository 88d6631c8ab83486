import mqtt, { type MqttClient } from 'mqtt';
import { buildTopic, OFFLINE } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import { FleetError } from './errors.js';

const CONNECT_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 10_000;
const POLL_MS = 20;
const LOGGED_ERRORS = 10;
/** Waits shorter than this are not worth a timer. */
const MIN_SLEEP_MS = 2;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface PublisherOptions {
  readonly mqttUrl: string;
  readonly logger: Logger;
  /** Publishes awaiting their PUBACK before publishing waits for the broker. */
  readonly maxInflight: number;
}

export interface PublisherStats {
  readonly published: number;
  readonly errors: number;
  readonly byKind: Readonly<Record<string, number>>;
}

/** Why a connection failed, in words an operator can act on. */
function connectionProblem(url: string, id: string, error: Error & { code?: string | number }): string {
  if (error.code === 4 || error.code === 5) {
    return `the broker refused ${id} (CONNACK ${error.code}): its token is not valid. If the credentials file of this data directory is stale, delete it and run again.`;
  }
  if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EHOSTUNREACH') {
    return `cannot reach the broker at ${url} (${error.code}). Is liftwatch running? Set LW_MQTT_URL if it listens elsewhere.`;
  }
  return `connecting ${id} to ${url} failed: ${error.message}`;
}

export const hasInflight = (client: MqttClient) => Object.keys(client.outgoing).length > 0;

/**
 * MQTT connections of many elevators, each with its own credentials, and QoS 1 publishing
 * with a bound on what is in flight, so a slow broker slows the publisher rather than
 * filling its memory.
 */
export class DevicePublisher {
  private inflight = 0;
  /** Publishes waiting for room in flight: every one of them, when several callers publish at once. */
  private room: Array<() => void> = [];
  private published = 0;
  private errors = 0;
  private readonly byKind: Record<string, number> = {};

  constructor(private readonly options: PublisherOptions) {}

  /** Connects as elevator `id` (client id = username = id) with its will on the online topic. */
  async connect(id: string, token: string): Promise<MqttClient> {
    const client = mqtt.connect(this.options.mqttUrl, {
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
      client.once('error', (error) => reject(new FleetError(connectionProblem(this.options.mqttUrl, id, error))));
    }).catch(async (error: unknown) => {
      await client.endAsync(true);
      throw error;
    });
    client.on('error', (error) => this.options.logger.warn({ elevator: id, err: error.message }, 'MQTT client error'));
    return client;
  }

  /** QoS 1; waits first while too much is in flight. The online flag is retained, as the contract has it. */
  async publish(client: MqttClient, topic: string, payload: string | Buffer, kind: string): Promise<void> {
    while (this.inflight >= this.options.maxInflight) await new Promise<void>((resolve) => this.room.push(resolve));
    this.inflight++;
    this.published++;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    client.publish(topic, payload, { qos: 1, retain: kind === 'online' }, (error) => this.settle(error));
  }

  fail(message: string): void {
    this.errors++;
    if (this.errors <= LOGGED_ERRORS) this.options.logger.warn({ err: message }, 'simulator error');
  }

  /** Resolves once every publish so far is acknowledged (or has failed). */
  async acknowledged(): Promise<void> {
    while (this.inflight > 0) await sleep(POLL_MS);
  }

  /** Waits for the last PUBACKs; what never came back in time counts as an error. */
  async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inflight > 0 && Date.now() < deadline) await sleep(POLL_MS);
    this.errors += this.inflight;
  }

  stats(): PublisherStats {
    return { published: this.published, errors: this.errors, byKind: { ...this.byKind } };
  }

  private settle(error?: Error): void {
    this.inflight--;
    if (error) this.fail(error.message);
    if (this.room.length > 0 && this.inflight <= this.options.maxInflight / 2) {
      for (const resolve of this.room.splice(0)) resolve();
    }
  }
}

/** Waits (a little) for one client's unacknowledged publishes, before dropping its connection. */
export async function settled(client: MqttClient): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (hasInflight(client) && Date.now() < deadline) await sleep(POLL_MS);
}

/** Ends connections cleanly (no will) unless something is still in flight. */
export function disconnectAll(clients: readonly MqttClient[]): Promise<unknown> {
  return Promise.all(clients.map((client) => client.endAsync(hasInflight(client)).catch(() => undefined)));
}

/**
 * Keeps a timeline's pace: an event at `at` on a timeline starting at `timelineStart` is due
 * (at - timelineStart) / speed after `wallStart`. `max` never waits; an abort ends a wait.
 */
export function pacer(wallStart: number, timelineStart: number, speed: number | 'max', signal: AbortSignal) {
  return async (at: number): Promise<void> => {
    if (speed === 'max') return;
    const wait = wallStart + (at - timelineStart) / speed - Date.now();
    if (wait >= MIN_SLEEP_MS) await sleep(wait, signal);
  };
}

/** Connects many elevators no faster than `perSecond`, so the broker is not stormed. */
export async function connectSpread<T>(
  items: readonly T[],
  perSecond: number,
  connectOne: (item: T) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const start = Date.now();
  for (const [i, item] of items.entries()) {
    if (signal.aborted) return;
    await connectOne(item);
    const ahead = start + ((i + 1) * 1000) / perSecond - Date.now();
    if (ahead >= MIN_SLEEP_MS) await sleep(ahead, signal);
  }
}
