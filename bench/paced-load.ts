/**
 * Open-loop load for the overload benchmark: elevators that produce telemetry on a schedule
 * whether or not the broker keeps up, as real devices do. What the broker does not take yet
 * waits in the devices (their buffer), and goes out as soon as acknowledgements make room:
 * nothing is dropped, so the run can check that every message is stored once.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTopic } from '../contract/index.js';
import { telemetry } from './telemetry-load.js';

/** Publishes awaiting their PUBACK, over all connections, as the simulator bounds them. */
const MAX_INFLIGHT = 2000;
/** Connections opened at once: each costs the broker a token check (scrypt). */
const CONNECT_CONCURRENCY = 32;
/** How often the schedule is looked at: fine enough for rates of tens of thousands a second. */
const TICK_MS = 10;
const CONNECT_TIMEOUT_MS = 30_000;
const RECONNECT_MS = 1000;
const MS_PER_SECOND = 1000;

export interface Phase {
  readonly name: string;
  readonly seconds: number;
  /** Messages a second the fleet produces; null: as fast as the broker acknowledges. */
  readonly rate: number | null;
}

export interface LoadCounts {
  /** Messages the fleet has produced so far (sent or waiting in the devices). */
  readonly produced: number;
  readonly sent: number;
  readonly acked: number;
  readonly errors: number;
}

export async function connectPacedLoad(mqttUrl: string, tokens: Record<string, string>, ids: readonly string[]) {
  const clients: MqttClient[] = [];
  const connect = (id: string) =>
    mqtt.connectAsync(mqttUrl, {
      clientId: id,
      username: id,
      password: tokens[id],
      protocolVersion: 4,
      // Held back long enough, a device's PINGREQ goes unanswered and it reconnects, as real ones
      // do: mqtt.js then resends what was not acknowledged, under the same callbacks.
      reconnectPeriod: RECONNECT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
  for (let start = 0; start < ids.length; start += CONNECT_CONCURRENCY) {
    clients.push(...(await Promise.all(ids.slice(start, start + CONNECT_CONCURRENCY).map(connect))));
  }
  let reconnects = 0;
  for (const client of clients) {
    client.on('reconnect', () => reconnects++);
    // A keepalive timeout is an 'error' too: the reconnection that follows is what counts.
    client.on('error', () => undefined);
  }
  const topics = ids.map((id) => buildTopic(id, 'telemetry'));
  const counts = { produced: 0, sent: 0, acked: 0, errors: 0 };
  let stopped = false;

  const sendOne = () => {
    const index = counts.sent % ids.length;
    const seq = Math.floor(counts.sent / ids.length);
    counts.sent++;
    (clients[index] as MqttClient).publish(topics[index] as string, telemetry(seq), { qos: 1 }, (error) => {
      if (error) counts.errors++;
      else counts.acked++;
    });
  };
  /** Sends what the schedule has produced while room is left in flight. */
  const flush = () => {
    while (counts.sent < counts.produced && counts.sent - counts.acked - counts.errors < MAX_INFLIGHT) sendOne();
  };

  return {
    counts: (): LoadCounts => ({ ...counts }),
    /** Runs the phases in order; `onPhase` is told when each begins. */
    async run(phases: readonly Phase[], onPhase: (phase: Phase) => void): Promise<void> {
      for (const phase of phases) {
        onPhase(phase);
        const start = performance.now();
        const producedAtStart = counts.produced;
        for (let elapsed = 0; elapsed < phase.seconds * MS_PER_SECOND && !stopped;) {
          counts.produced =
            phase.rate === null
              ? counts.acked + counts.errors + MAX_INFLIGHT
              : Math.max(counts.produced, producedAtStart + Math.floor((phase.rate * elapsed) / MS_PER_SECOND));
          flush();
          await sleep(TICK_MS);
          elapsed = performance.now() - start;
        }
        if (phase.rate === null) counts.produced = counts.sent;
      }
    },
    /** Sends what the devices still hold and waits for every acknowledgement, up to `timeoutMs`. */
    async drain(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (counts.acked + counts.errors < counts.produced && Date.now() < deadline) {
        flush();
        await sleep(TICK_MS);
      }
    },
    /** Reconnections of the fleet so far: devices that gave up waiting for the broker. */
    reconnects: () => reconnects,
    async close(): Promise<void> {
      stopped = true;
      await Promise.all(clients.map((client) => client.endAsync(true)));
    },
  };
}
