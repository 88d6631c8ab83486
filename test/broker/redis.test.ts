import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import mqtt, { type IConnackPacket, type IPublishPacket } from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { registerGateway, reissueToken } from '../../api/elevator-registry.js';
import { build as buildBroker, type BrokerOptions } from '../../broker/index.js';
import type { WillPacket } from '../../broker/wills.js';
import {
  ALL_ELEVATOR_TOPICS,
  INGEST_PRINCIPAL,
  RECORDER_PRINCIPAL,
  buildTopic,
  gatewayUsername,
  parseTopic,
} from '../../contract/index.js';
import { createMetrics } from '../../lib/metrics.js';
import { freePort } from '../../lib/net.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { closed, connectDevice, publish } from '../helpers/device.js';
import { registration, tempDir } from '../helpers/fixtures.js';
import { rawReader } from '../helpers/raw-mqtt.js';
import { runCli } from '../helpers/cli.js';
import { ingestFor } from '../helpers/ingest.js';
import { startRedis } from '../helpers/redis.js';
import { startTestSystem } from '../helpers/system.js';
import { issueTestToken } from '../helpers/tokens.js';

/** The encoding aedes-persistence-redis stores wills in (msgpack-lite, its dependency; untyped). */
const msgpack = createRequire(createRequire(import.meta.url).resolve('aedes-persistence-redis'))('msgpack-lite') as {
  encode(value: unknown): Buffer;
  decode(buffer: Buffer): Record<string, unknown>;
};
const ADMIN = 'admin-key-for-the-redis-tests';
const logger = pino({ level: 'silent' });
const TS = 1_764_000_000_000;
/** More queued messages than aedes-persistence-redis hands a session at one CONNECT by default. */
const BACKLOG = 1200;
/** Moves of a device between two brokers: the will landing late was seen in 1 or 2 of 20. */
const MOVES = 20;
/** Long enough for the old broker to have published a will it was going to publish. */
const WILL_SETTLE_MS = 100;
/** A broker's heartbeat in the tests of a killed broker's wills: aedes publishes them after four. */
const SHORT_HEARTBEAT_MS = 250;
const WILLS_OF_THE_DEAD_MS = 10_000;
/** More wills than aedes publishes in one batch (16): one it fails to publish ends its pass after the first batch. */
const FLEET = 20;
/** The survivor's heartbeat in the tests of a will it cannot publish: aedes goes through the wills every four. */
const WILL_PASS_HEARTBEAT_MS = 1000;
/** Long enough for two passes over a killed broker's wills at WILL_PASS_HEARTBEAT_MS. */
const WILL_PASSES_MS = 20_000;
/** The longest a spool's fsync takes in the two-broker test. */
const SPOOL_SYNC_MS = 20;

function openStore(): Store {
  const store = openSqliteStore(tempDir());
  onTestFinished(() => store.close());
  return store;
}

/** A registry in a data directory of its own, shared by a `liftwatch broker` and the test's brokers. */
function sharedRegistry() {
  const dataDir = tempDir();
  const store = openSqliteStore(dataDir);
  onTestFinished(() => store.close());
  return { dataDir, store };
}

/** A device's will: its retained online flag 0. */
const offlineWill = (id: string) => ({
  topic: buildTopic(id, 'online'),
  payload: Buffer.from('0'),
  qos: 1 as const,
  retain: true,
});

const seqOf = (payload: Buffer) => (JSON.parse(payload.toString()) as { seq: number }).seq;

/**
 * A broker on an ephemeral loopback port, closed after the test (closing twice is harmless). `handled()`
 * counts the elevator messages it has queued and routed: a PUBACK goes out before it does either.
 */
async function startBroker(store: Store, redisUrl?: string, options: Partial<BrokerOptions> = {}) {
  const broker = await buildBroker({
    elevators: store.elevators,
    adminToken: ADMIN,
    metrics: createMetrics(),
    logger,
    redisUrl,
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    ...options,
  });
  onTestFinished(() => broker.close());
  let handled = 0;
  broker.aedes.on('publish', (packet) => {
    if (parseTopic(packet.topic)) handled += 1;
  });
  const { port } = await broker.listen();
  return { broker, handled: () => handled, port, url: `mqtt://127.0.0.1:${port}` };
}

/**
 * liftwatch's ingest identity with a persistent session (clean=false), as `liftwatch ingest` connects;
 * `seqs` records every message from the first packet on (queued ones come right after the CONNACK).
 */
async function persistentReader(url: string) {
  const client = mqtt.connect(url, {
    clientId: INGEST_PRINCIPAL,
    username: INGEST_PRINCIPAL,
    password: ADMIN,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  onTestFinished(() => client.endAsync(true));
  const seqs: number[] = [];
  client.on('message', (_topic, payload) => seqs.push(seqOf(payload)));
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, seqs, sessionPresent: connack.sessionPresent };
}

/**
 * A `liftwatch broker` on `redisUrl` with the registry in `dataDir`, killed (SIGKILL) once `hold` has
 * connected its clients to it: it publishes no will and deletes none, they stay in Redis for the brokers that remain.
 */
async function killBroker(dataDir: string, redisUrl: string, hold: (url: string) => Promise<void>): Promise<void> {
  const mqttPort = await freePort();
  const killed = runCli(['broker'], {
    LW_DATA_DIR: dataDir,
    LW_REDIS_URL: redisUrl,
    LW_ADMIN_TOKEN: ADMIN,
    LW_MQTT_PORT: String(mqttPort),
    LW_MQTT_WS_PORT: String(await freePort()),
  });
  await killed.waitFor(/liftwatch broker on/);
  await hold(`mqtt://127.0.0.1:${mqttPort}`);
  killed.child.kill('SIGKILL');
  await killed.exited();
}

/** The retained online flags, by topic, a reader connecting to `url` is given, once it has `count` of them. */
async function onlineFlags(url: string, count: number): Promise<Record<string, string>> {
  const reader = await connectDevice(url, RECORDER_PRINCIPAL, ADMIN);
  const seen: Record<string, string> = {};
  reader.on('message', (topic, payload, packet) => {
    if (packet.retain && parseTopic(topic)?.kind === 'online') seen[topic] = payload.toString();
  });
  await reader.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
  await expect.poll(() => Object.keys(seen).length).toBe(count);
  await reader.endAsync();
  return seen;
}

/** The wills kept in Redis, by their keys (aedes-persistence-redis lists them under `will`). */
async function willsInRedis(redisUrl: string): Promise<string[]> {
  const db = new Redis(redisUrl);
  try {
    return await db.lrange('will', 0, -1);
  } finally {
    db.disconnect();
  }
}

/** Changes the will a broker keeps in Redis for `clientId`, as aedes-persistence-redis encodes it (msgpack). */
async function rewriteWill(redisUrl: string, clientId: string, change: (will: Record<string, unknown>) => void) {
  const db = new Redis(redisUrl);
  try {
    const keys = (await db.lrange('will', 0, -1)).filter((key) => key.endsWith(`:${encodeURIComponent(clientId)}`));
    expect(keys).toHaveLength(1);
    const key = keys[0] ?? '';
    const will = msgpack.decode((await db.getBuffer(key)) ?? Buffer.alloc(0));
    change(will);
    await db.set(key, msgpack.encode(will));
  } finally {
    db.disconnect();
  }
}

async function publishFaults(client: mqtt.MqttClient, id: string, seqs: number[]) {
  for (const seq of seqs) await publish(client, id, 'faults', { ts: TS + seq, seq, code: 2, floor: 1 });
}

describe('broker with Redis (LW_REDIS_URL)', () => {
  it('keeps a persistent session and its QoS 1 queue across a restart, delivering each message once', async () => {
    const redis = await startRedis();
    const store = openStore();
    const token = await issueTestToken(store, registration('RESTART-1'));

    const first = await startBroker(store, redis.url);
    const reader = await persistentReader(first.url);
    await reader.client.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    await reader.client.endAsync();
    const before = await connectDevice(first.url, 'RESTART-1', token);
    await publishFaults(before, 'RESTART-1', [1, 2, 3]);
    await expect.poll(first.handled).toBe(3);
    await before.endAsync();
    await first.broker.close();

    const second = await startBroker(store, redis.url);
    const after = await connectDevice(second.url, 'RESTART-1', token);
    await publishFaults(after, 'RESTART-1', [4, 5]);
    await expect.poll(second.handled).toBe(2);

    const back = await persistentReader(second.url);
    expect(back.sessionPresent).toBe(true);
    await expect.poll(() => back.seqs).toEqual([1, 2, 3, 4, 5]);
    // A live message after the queue: it comes, and nothing queued comes again.
    await publishFaults(after, 'RESTART-1', [6]);
    await expect.poll(() => back.seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("gives a returning session a backlog beyond the library's default of 1000 at one CONNECT", async () => {
    const redis = await startRedis();
    const store = openStore();
    const token = await issueTestToken(store, registration('BACKLOG-1'));
    const broker = await startBroker(store, redis.url);
    const reader = await persistentReader(broker.url);
    await reader.client.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    await reader.client.endAsync();
    const device = await connectDevice(broker.url, 'BACKLOG-1', token);
    const seqs = Array.from({ length: BACKLOG }, (_, index) => index + 1);
    await Promise.all(
      seqs.map((seq) => publish(device, 'BACKLOG-1', 'faults', { ts: TS + seq, seq, code: 2, floor: 1 })),
    );
    await expect.poll(broker.handled).toBe(BACKLOG);

    const back = await persistentReader(broker.url);
    await expect.poll(() => back.seqs.length).toBe(BACKLOG);
    expect(new Set(back.seqs).size).toBe(BACKLOG);
  });

  it('sets DUP on a QoS 1 message sent again to a returning session, after a broker restart too [MQTT-3.3.1-1]', async () => {
    const redis = await startRedis();
    const store = openStore();
    const token = await issueTestToken(store, registration('DUP-1'));
    const first = await startBroker(store, redis.url);
    const reader = await rawReader(first.port, ADMIN, { subscribe: true });
    const device = await connectDevice(first.url, 'DUP-1', token);
    await publishFaults(device, 'DUP-1', [1]);
    const sent = (await reader.client.next('publish')) as IPublishPacket;
    expect(sent).toMatchObject({ qos: 1, dup: false });
    // Gone without its PUBACK, and the broker with it.
    reader.client.socket.destroy();
    await device.endAsync();
    await first.broker.close();

    const second = await startBroker(store, redis.url);
    const back = await rawReader(second.port, ADMIN, { subscribe: false });
    expect(back.sessionPresent).toBe(true);
    const resent = (await back.client.next('publish')) as IPublishPacket;
    expect(resent).toMatchObject({ qos: 1, dup: true, messageId: sent.messageId });
    expect(seqOf(resent.payload as Buffer)).toBe(1);
  });

  it('routes messages between two brokers on one Redis, retained ones included', async () => {
    const redis = await startRedis();
    const store = openStore();
    const token = await issueTestToken(store, registration('PAIR-1'));
    const a = await startBroker(store, redis.url);
    const b = await startBroker(store, redis.url);

    const reader = await connectDevice(b.url, INGEST_PRINCIPAL, ADMIN);
    const seqs: number[] = [];
    reader.on('message', (_topic, payload) => seqs.push(seqOf(payload)));
    await reader.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    const device = await connectDevice(a.url, 'PAIR-1', token);
    await publishFaults(device, 'PAIR-1', [1, 2]);
    await expect.poll(() => seqs).toEqual([1, 2]);

    const online = buildTopic('PAIR-1', 'online');
    await device.publishAsync(online, '1', { qos: 1, retain: true });
    await expect.poll(a.handled).toBe(3);
    const late = await connectDevice(b.url, RECORDER_PRINCIPAL, ADMIN);
    const retained = new Promise<string>((resolve) =>
      late.on('message', (topic, payload, packet) => {
        if (topic === online && packet.retain) resolve(payload.toString());
      }),
    );
    await late.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    expect(await retained).toBe('1');
  });

  /**
   * A device moving back and forth between two brokers on one Redis, each broker with an ingest of
   * its own (two `liftwatch start`) whose spool's fsync takes a few milliseconds, more or less: a
   * will waits for it as any publish does. `move` leaves the old connection as the case says and
   * connects through the other broker (`connectNext`); the retained online flag after each move is given.
   */
  async function moveDevice(
    move: (old: mqtt.MqttClient, connectNext: () => Promise<mqtt.MqttClient>) => Promise<mqtt.MqttClient>,
  ): Promise<string[]> {
    const redis = await startRedis();
    const store = openStore();
    const token = await issueTestToken(store, registration('MOVE-1'));
    const accept = () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * SPOOL_SYNC_MS));
    const a = await startBroker(store, redis.url, { accept });
    const b = await startBroker(store, redis.url, { accept });
    const online = buildTopic('MOVE-1', 'online');
    const will = offlineWill('MOVE-1');
    /** The device's retained online flag, as a reader connecting now is given it. */
    const retained = async () => {
      const reader = await connectDevice(b.url, RECORDER_PRINCIPAL, ADMIN);
      const flag = new Promise<string>((resolve) =>
        reader.on('message', (topic, payload, packet) => {
          if (topic === online && packet.retain) resolve(payload.toString());
        }),
      );
      await reader.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
      const value = await flag;
      await reader.endAsync();
      return value;
    };
    const finals: string[] = [];
    let connection = await connectDevice(a.url, 'MOVE-1', token, { will });
    await connection.publishAsync(online, '1', { qos: 1, retain: true });
    for (let moves = 0; moves < MOVES; moves++) {
      const gone = closed(connection);
      const next = (moves % 2 === 0 ? b : a).url;
      connection = await move(connection, () => connectDevice(next, 'MOVE-1', token, { will }));
      await connection.publishAsync(online, '1', { qos: 1, retain: true });
      await gone;
      await new Promise((resolve) => setTimeout(resolve, WILL_SETTLE_MS));
      finals.push(await retained());
    }
    return finals;
  }
  const allOnline = Array.from({ length: MOVES }, () => '1');

  it("keeps a device that moved to the other broker online: the old connection's will never lands after it", async () => {
    // It connects through the other broker before the first has seen it go: that one closes it then.
    expect(await moveDevice((_old, connectNext) => connectNext())).toEqual(allOnline);
  });

  it('keeps a device online that lost its connection and connected through the other broker at once', async () => {
    expect(
      await moveDevice((old, connectNext) => {
        old.stream.destroy();
        return connectNext();
      }),
    ).toEqual(allOnline);
  });

  it("keeps InfluxDB's last online 1 for a device whose old will reached ingest after it connected again", async () => {
    const redis = await startRedis();
    const { store, telemetry, ingest } = await ingestFor('LATE-1');
    onTestFinished(async () => {
      await ingest.close();
      store.close();
    });
    const { token } = await reissueToken(store.elevators, 'LATE-1');
    const online = buildTopic('LATE-1', 'online');
    // The old connection's will is held on its way into ingest (the broker asked first whether its
    // connection is still the device's latest, and was told yes) until the device is back.
    let willHeld!: () => void;
    const held = new Promise<void>((resolve) => (willHeld = resolve));
    let releaseWill!: () => void;
    const released = new Promise<void>((resolve) => (releaseWill = resolve));
    let willSpooled!: () => void;
    const spooled = new Promise<void>((resolve) => (willSpooled = resolve));
    const accept: NonNullable<BrokerOptions['accept']> = async (topic, payload, qos, receivedAt) => {
      const handle = () => ingest.handle(topic, payload, { qos, receivedAt });
      if (topic !== online || payload.toString() !== '0') return handle();
      willHeld();
      await released;
      await handle();
      willSpooled();
    };
    const a = await startBroker(store, redis.url, { accept });
    const b = await startBroker(store, redis.url, { accept });
    const old = await connectDevice(a.url, 'LATE-1', token, { will: offlineWill('LATE-1') });
    await old.publishAsync(online, '1', { qos: 1, retain: true });
    old.stream.destroy();
    await held;
    const again = await connectDevice(b.url, 'LATE-1', token);
    // Acknowledged once ingest has it.
    await again.publishAsync(online, '1', { qos: 1, retain: true });
    releaseWill();
    await spooled;
    await ingest.flush();
    const [series] = await telemetry.query('SELECT last(online) FROM online WHERE elevator = $id', { id: 'LATE-1' });
    expect(series?.rows[0]?.last).toBe(1);
    expect((await onlineFlags(b.url, 1))[online]).toBe('1');
  });

  it('publishes the wills a killed broker left, except for a device that connected again since', async () => {
    const redis = await startRedis();
    const { dataDir, store } = sharedRegistry();
    const tokens = {
      gone: await issueTestToken(store, registration('GONE-1')),
      moved: await issueTestToken(store, registration('MOVED-1')),
    };
    await killBroker(dataDir, redis.url, async (url) => {
      for (const [id, token] of [
        ['GONE-1', tokens.gone],
        ['MOVED-1', tokens.moved],
      ] as const) {
        const device = await connectDevice(url, id, token, { will: offlineWill(id), reconnectPeriod: 0 });
        await device.publishAsync(buildTopic(id, 'online'), '1', { qos: 1, retain: true });
      }
    });

    const survivor = await startBroker(store, redis.url, { heartbeatIntervalMs: SHORT_HEARTBEAT_MS });
    const moved = await connectDevice(survivor.url, 'MOVED-1', tokens.moved);
    await moved.publishAsync(buildTopic('MOVED-1', 'online'), '1', { qos: 1, retain: true });
    // Once a stopped broker's heartbeats have been missed (three of them), another publishes its wills.
    await expect
      .poll(() => onlineFlags(survivor.url, 2), { timeout: WILLS_OF_THE_DEAD_MS })
      .toEqual({ 'elevators/GONE-1/online': '0', 'elevators/MOVED-1/online': '1' });
  });

  /**
   * A `liftwatch broker` that held a fleet (FLEET elevators, each with its will) after the clients
   * `first` connects, killed; `whileDown` runs once it is gone. Then a broker on the same Redis and
   * registry: it is given, and when each fleet elevator's will reached a reader of it (ms, by id).
   */
  async function killedFleet(
    { dataDir, store }: ReturnType<typeof sharedRegistry>,
    redisUrl: string,
    first: (url: string) => Promise<void>,
    whileDown: () => Promise<void> = async () => undefined,
  ) {
    const fleet = await Promise.all(
      Array.from({ length: FLEET }, async (_, index) => {
        const id = `FLEET-${index + 1}`;
        return { id, token: await issueTestToken(store, registration(id)) };
      }),
    );
    await killBroker(dataDir, redisUrl, async (url) => {
      await first(url);
      for (const { id, token } of fleet) await connectDevice(url, id, token, { will: offlineWill(id) });
    });
    await whileDown();
    const survivor = await startBroker(store, redisUrl, { heartbeatIntervalMs: WILL_PASS_HEARTBEAT_MS });
    const reader = await connectDevice(survivor.url, RECORDER_PRINCIPAL, ADMIN);
    const arrivals = new Map<string, number>();
    reader.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'online' && payload.toString() === '0') arrivals.set(parsed.elevatorId, performance.now());
    });
    await reader.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    /** Resolves once every fleet elevator's will has come; gives the time from the first to the last. */
    const fleetWillsSpread = async () => {
      await expect
        .poll(() => fleet.filter(({ id }) => arrivals.has(id)).length, { timeout: WILL_PASSES_MS })
        .toBe(FLEET);
      const times = fleet.map(({ id }) => arrivals.get(id) ?? Number.NaN);
      return Math.max(...times) - Math.min(...times);
    };
    return { survivor, arrivals, fleetWillsSpread };
  }

  it("publishes a killed broker's wills in one pass, deleting those it may not publish", async () => {
    const redis = await startRedis();
    const registry = sharedRegistry();
    const { token: gatewayToken } = await registerGateway(registry.store.gateways, { id: 'GW-1', name: 'GW-1' });
    await issueTestToken(registry.store, registration('GWE-1', { gateway: 'GW-1' }));
    const oldToken = await issueTestToken(registry.store, registration('OLD-1'));
    const { fleetWillsSpread, arrivals } = await killedFleet(
      registry,
      redis.url,
      // First in the list of wills, so in aedes' first batch.
      async (url) => {
        await connectDevice(url, gatewayUsername('GW-1'), gatewayToken, { will: offlineWill('GWE-1') });
        await connectDevice(url, 'OLD-1', oldToken, { will: offlineWill('OLD-1') });
      },
      async () => {
        // The elevator leaves the gateway: its will is no longer the gateway's to send.
        registry.store.elevators.setGateway('GWE-1', null);
        // As an older liftwatch left it: whether its device came back since cannot be told.
        await rewriteWill(redis.url, 'OLD-1', (will) => delete will.liftwatchConnection);
      },
    );
    expect(await fleetWillsSpread()).toBeLessThan(WILL_PASS_HEARTBEAT_MS);
    expect(arrivals.has('GWE-1')).toBe(false);
    expect(arrivals.has('OLD-1')).toBe(false);
    await expect.poll(() => willsInRedis(redis.url)).toEqual([]);
  });

  it("publishes a killed broker's wills in one pass when a device connects again as its will goes out", async () => {
    const redis = await startRedis();
    const registry = sharedRegistry();
    const token = await issueTestToken(registry.store, registration('RACE-1'));
    const { survivor, fleetWillsSpread, arrivals } = await killedFleet(registry, redis.url, async (url) => {
      await connectDevice(url, 'RACE-1', token, { will: offlineWill('RACE-1') });
    });
    // The survivor's first pass over the wills is a few heartbeats away. Between its look at this
    // will (its device had not connected since) and the will's publication, the device connects again.
    const { aedes } = survivor.broker;
    const authorize = aedes.authorizePublish;
    let again: Promise<void> | undefined;
    aedes.authorizePublish = (client, packet, done) => {
      if (client !== null || (packet as WillPacket).clientId !== 'RACE-1' || again !== undefined) {
        return authorize.call(aedes, client, packet, done);
      }
      again = connectDevice(survivor.url, 'RACE-1', token).then(async (device) => {
        await device.publishAsync(buildTopic('RACE-1', 'online'), '1', { qos: 1, retain: true });
        authorize.call(aedes, client, packet, done);
      });
    };
    expect(await fleetWillsSpread()).toBeLessThan(WILL_PASS_HEARTBEAT_MS);
    expect(again).toBeDefined();
    expect(arrivals.has('RACE-1')).toBe(false);
    expect((await onlineFlags(survivor.url, FLEET + 1))['elevators/RACE-1/online']).toBe('1');
    await expect.poll(() => willsInRedis(redis.url)).toEqual([]);
  });

  it('hands a session over to the broker where its client connects again', async () => {
    const redis = await startRedis();
    const store = openStore();
    const a = await startBroker(store, redis.url);
    const b = await startBroker(store, redis.url);
    const onA = await connectDevice(a.url, INGEST_PRINCIPAL, ADMIN);
    await connectDevice(b.url, INGEST_PRINCIPAL, ADMIN);
    await closed(onA);
    await expect.poll(() => a.broker.status().clients).toBe(0);
  });

  it('says in its status that it keeps sessions in Redis, and whether Redis answers', async () => {
    const redis = await startRedis();
    const system = await startTestSystem({ LW_REDIS_URL: redis.url });
    onTestFinished(() => system.stop());
    const brokerHealth = async () => {
      const response = await fetch(`${system.httpUrl}/api/health`, {
        headers: { authorization: `Bearer ${system.adminToken}` },
      });
      return ((await response.json()) as { components: Record<string, unknown> }).components.broker;
    };
    expect(await brokerHealth()).toMatchObject({
      status: 'up',
      detail: { persistence: 'redis', redisReachable: true },
    });

    await redis.stop();
    await expect
      .poll(brokerHealth)
      .toMatchObject({ status: 'down', detail: { persistence: 'redis', redisReachable: false } });
    // It stops without waiting for the Redis that is gone.
    await system.stop();
  });

  it('refuses to start when Redis does not answer', async () => {
    const store = openStore();
    await expect(startBroker(store, `redis://127.0.0.1:${await freePort()}`)).rejects.toMatchObject({
      code: 'LW_ERR_REDIS_UNAVAILABLE',
    });
  });
});

describe('broker without Redis (the default)', () => {
  it('keeps sessions and queues in memory, for as long as it runs', async () => {
    const store = openStore();
    const token = await issueTestToken(store, registration('MEMORY-1'));
    const first = await startBroker(store);
    expect(first.broker.status()).toMatchObject({ persistence: 'memory' });

    const reader = await persistentReader(first.url);
    await reader.client.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    await reader.client.endAsync();
    const device = await connectDevice(first.url, 'MEMORY-1', token);
    await publishFaults(device, 'MEMORY-1', [1, 2]);
    await expect.poll(first.handled).toBe(2);
    const back = await persistentReader(first.url);
    expect(back.sessionPresent).toBe(true);
    await expect.poll(() => back.seqs).toEqual([1, 2]);
    await back.client.endAsync();
    await publishFaults(device, 'MEMORY-1', [3]);
    await expect.poll(first.handled).toBe(3);
    await device.endAsync();

    await first.broker.close();
    const second = await startBroker(store);
    const afterRestart = await persistentReader(second.url);
    expect(afterRestart.sessionPresent).toBe(false);
  });
});
