import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { onTestFinished } from 'vitest';
import { buildTopic, type PayloadInputOf, type TopicKind } from '../../contract/index.js';

const CONNECT_TIMEOUT_MS = 5000;

/** Connects like an elevator controller (MQTT 3.1.1, username = client id = elevator id); closed after the test. */
export async function connectDevice(url: string, id: string, token: string, options: IClientOptions = {}) {
  const client = await mqtt.connectAsync(url, {
    clientId: id,
    username: id,
    password: token,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...options,
  });
  onTestFinished(() => client.endAsync(true));
  return client;
}

/** The CONNACK return code of a refused connection. */
export async function refusedWith(url: string, options: IClientOptions): Promise<number> {
  const error = await mqtt
    .connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: CONNECT_TIMEOUT_MS, ...options })
    .then(
      async (client) => {
        await client.endAsync(true);
        return new Error('the broker accepted the connection');
      },
      (e: unknown) => e as Error & { code?: number },
    );
  if (typeof (error as { code?: unknown }).code !== 'number') throw error;
  return (error as { code: number }).code;
}

export function publish<K extends TopicKind>(client: MqttClient, id: string, kind: K, payload: PayloadInputOf<K>) {
  return client.publishAsync(buildTopic(id, kind), JSON.stringify(payload), { qos: 1 });
}

/** A minimal telemetry message in normal service (mode 1) at `ts`: a lift's sign of life. */
export function publishTelemetry(client: MqttClient, id: string, ts: number, seq: number) {
  const payload = { ts, seq, mode: 1, floor: 1, direction: 0, doorState: 2, runs: 1, runSeconds: 1, doorCycles: 1 };
  return publish(client, id, 'telemetry', payload as PayloadInputOf<'telemetry'>);
}

/** Resolves when the broker closes the connection. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected) return resolve();
    client.once('close', () => resolve());
  });
}

/** The SUBACK return code for each filter (mqtt.js rejects when one is 0x80, with the packet attached). */
export async function subscribeCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  return client.subscribeAsync(filters).then(
    (grants) => grants.map((grant) => grant.qos),
    (error: { packet?: { granted: number[] } }) => {
      if (!error.packet) throw error;
      return error.packet.granted;
    },
  );
}
