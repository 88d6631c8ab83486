import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { BrokerLimits } from '../../broker/limits.js';
import { ALL_ELEVATOR_TOPICS, INGEST_PRINCIPAL, buildTopic } from '../../contract/index.js';
import { connectDevice } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { listeningBroker } from '../helpers/broker.js';
import { issueTestToken } from '../helpers/tokens.js';

const ADMIN_TOKEN = 'admin-token-for-backlog-tests';
const KIB = 1024;
/** Large messages fill loopback's socket buffers (several MiB) quickly, so the broker's own queue shows. */
const MESSAGE_BYTES = 32 * KIB;
const BOUND_BYTES = 256 * KIB;
/** Well beyond the socket buffers and the bound together. */
const MESSAGES = 400;
/**
 * Aedes takes a device's next packets only once its last were written toward every subscriber,
 * so one device alone cannot outrun a reader: the backlog grows with the devices publishing.
 */
const DEVICES = 20;
/** What aedes takes from one socket read of 64 KiB at once: one whole message and the start of the next. */
const MESSAGES_IN_A_READ = 2;
/** How long an acknowledgement count must stay still to count as held. */
const SETTLE_MS = 1500;
const ROUTER_PLACES = 8;
const SAMPLE_MS = 2;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startBroker(limits: Partial<BrokerLimits> = {}) {
  const { broker, store, metrics, url, close } = await listeningBroker(ADMIN_TOKEN, {
    limits: { readerBacklogBytes: BOUND_BYTES, ...limits },
  });
  closers.push(close);
  // One more than publish at QoS 1: its socket is not waiting behind held publishes.
  const ids = Array.from({ length: DEVICES + 1 }, (_, i) => `E${i + 1}`);
  const tokens = await Promise.all(ids.map((id) => issueTestToken(store, registration(id))));
  /** Connects `count` devices, starting with the `from`th. */
  const connectDevices = (count: number, from = 0) =>
    Promise.all(ids.slice(from, from + count).map((id, i) => connectDevice(url, id, tokens[from + i] as string)));
  return { broker, metrics, url, connectDevices };
}

/** A separately running ingest that takes messages only while `reading` is true. */
async function connectReader(url: string) {
  const received = new Set<number>();
  const held: Array<() => void> = [];
  const state = { reading: true };
  const client: MqttClient = mqtt.connect(url, {
    clientId: INGEST_PRINCIPAL,
    username: INGEST_PRINCIPAL,
    password: ADMIN_TOKEN,
    clean: false,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  onTestFinished(() => client.endAsync(true));
  // Before the CONNACK: a returning session's queue may come in the same read.
  client.handleMessage = (packet, done) => {
    received.add((packet.payload as Buffer).readUInt32BE(0));
    if (state.reading) done();
    else held.push(() => done());
  };
  await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
  await client.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
  return {
    client,
    received,
    pause: () => (state.reading = false),
    resume() {
      state.reading = true;
      for (const release of held.splice(0)) release();
    },
  };
}

function message(seq: number): Buffer {
  const payload = Buffer.alloc(MESSAGE_BYTES, 'x');
  payload.writeUInt32BE(seq, 0);
  return payload;
}

/** Publishes every message round robin from the devices without waiting; counts the acknowledgements. */
function publishAll(devices: MqttClient[], qos: 0 | 1 = 1) {
  const acked = { count: 0 };
  const all = Promise.all(
    Array.from({ length: MESSAGES }, (_, seq) => {
      const device = devices[seq % devices.length] as MqttClient;
      const topic = buildTopic(device.options.clientId as string, 'telemetry');
      return device.publishAsync(topic, message(seq), { qos }).then(() => acked.count++);
    }),
  );
  return { acked, all };
}

/** Resolves with a count once it has stopped changing. */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  for (let now = read(); now !== last; now = read()) {
    last = now;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }
  return last;
}

describe('the broker bounds the publishes inside its router', () => {
  it('keeps device publishes waiting, unread, while the router is full, and delivers them all later', async () => {
    const { broker, metrics, url, connectDevices } = await startBroker({ maxPublishesInRouter: ROUTER_PLACES });
    const reader = await connectReader(url);
    reader.pause();
    let fullest = 0;
    const sampler = setInterval(() => (fullest = Math.max(fullest, broker.status().router.inRouter)), SAMPLE_MS);
    onTestFinished(() => clearInterval(sampler));
    // QoS 0: the readers' backlog counts only QoS 1, so the router's bound is what holds them.
    const { all } = publishAll(await connectDevices(DEVICES), 0);
    await expect.poll(async () => (await metrics.routerHeld.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    expect(broker.status().router.waiting).toBeGreaterThan(0);

    reader.resume();
    await all;
    await expect.poll(() => reader.received.size).toBe(MESSAGES);
    expect(fullest).toBeLessThanOrEqual(ROUTER_PLACES);
    expect(broker.status().router).toEqual({ inRouter: 0, waiting: 0 });
  });
});

describe('the broker bounds what it holds for a lagging reader', () => {
  it('holds device acknowledgements while a connected reader lags, and lets them all through when it catches up', async () => {
    const { broker, metrics, url, connectDevices } = await startBroker();
    const reader = await connectReader(url);
    reader.pause();
    const devices = await connectDevices(DEVICES);
    const { acked, all } = publishAll(devices);

    const heldAt = await settled(() => acked.count);
    expect(heldAt).toBeLessThan(MESSAGES);
    const backlog = broker.status().readerBacklog;
    expect(backlog).toMatchObject({ holding: true, readers: 1 });
    // Over the bound by at most what each device had admitted before the backlog showed on the socket.
    expect(backlog.bytes).toBeLessThanOrEqual(BOUND_BYTES + DEVICES * MESSAGES_IN_A_READ * MESSAGE_BYTES);
    expect((await metrics.acksHeld.get()).values[0]?.value).toBeGreaterThan(0);

    const [idle] = await connectDevices(1, DEVICES);
    await idle?.publishAsync(buildTopic(`E${DEVICES + 1}`, 'telemetry'), message(MESSAGES), { qos: 0 });
    await expect.poll(async () => (await metrics.messagesShed.get()).values[0]?.value).toBe(1);
    reader.resume();
    await all;
    expect(acked.count).toBe(MESSAGES);
    await expect.poll(() => reader.received.size).toBe(MESSAGES);
    expect(reader.received.has(MESSAGES)).toBe(false);
    expect(broker.status().readerBacklog.holding).toBe(false);
  });

  it("counts a persistent reader's queue while it is offline, and delivers it all when it returns", async () => {
    const { broker, url, connectDevices } = await startBroker();
    const first = await connectReader(url);
    await first.client.endAsync();
    await expect.poll(() => broker.status().readerBacklog.offlineReaders).toBe(1);
    const { acked, all } = publishAll(await connectDevices(1));

    const heldAt = await settled(() => acked.count);
    expect(heldAt).toBeLessThan(MESSAGES);
    expect(heldAt * MESSAGE_BYTES).toBeLessThanOrEqual(BOUND_BYTES + MESSAGES_IN_A_READ * MESSAGE_BYTES);
    expect(broker.status().readerBacklog.holding).toBe(true);

    const returned = await connectReader(url);
    await all;
    await expect.poll(() => returned.received.size).toBe(MESSAGES);
    expect(broker.status().readerBacklog).toMatchObject({ holding: false, offlineReaders: 0, readers: 1 });
  });

  it('holds nothing when no reader subscribed: ingest inside the broker bounds its own spool', async () => {
    const { broker, connectDevices } = await startBroker();
    const { acked, all } = publishAll(await connectDevices(DEVICES));
    await all;
    expect(acked.count).toBe(MESSAGES);
    expect(broker.status().readerBacklog).toMatchObject({ holding: false, readers: 0, bytes: 0 });
  });
});
