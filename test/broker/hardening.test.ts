import net from 'node:net';
import mqtt, { type IClientOptions } from 'mqtt';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { deleteGateway, registerGateway, reissueGatewayToken, reissueToken } from '../../api/elevator-registry.js';
import { gatewayUsername } from '../../contract/index.js';
import type { BrokerOptions } from '../../broker/index.js';
import { TokenReplacements } from '../../lib/token-replacements.js';
import { TestCa } from '../helpers/certificates.js';
import { closed, connectDevice, refusedWith, subscribeCodes } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import { listeningBroker } from '../helpers/broker.js';
import { rawClient, rawConnect } from '../helpers/raw-mqtt.js';
import { issueTestToken } from '../helpers/tokens.js';
import { within } from '../helpers/within.js';

const ADMIN_TOKEN = 'admin-token-for-broker-tests';
const HOST = '127.0.0.1';
/** Long enough for a broker on loopback to answer, short enough to keep the file fast. */
const PROMPTLY_MS = 1000;
/** The close code of a WebSocket message over the receiver's limit (RFC 6455, 7.4.1). */
const WS_MESSAGE_TOO_BIG = 1009;
/** No exemption: every test connects from loopback. */
const NO_EXEMPT = { rateExempt: [] };

async function startBroker(options: Partial<BrokerOptions> = {}) {
  const { broker, store, metrics, addresses, url, close } = await listeningBroker(ADMIN_TOKEN, options);
  /** Topics of the messages the broker let through (what ingest would store). */
  const published: string[] = [];
  broker.aedes.on('publish', (packet, client) => {
    if (client) published.push(packet.topic);
  });
  const tokens = {
    E1: await issueTestToken(store, registration('E1')),
    E2: await issueTestToken(store, registration('E2')),
  };
  const refusals = async (reason: string) =>
    (await metrics.mqttRefusals.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  return {
    broker,
    store,
    metrics,
    addresses,
    published,
    tokens,
    refusals,
    close,
    url,
  };
}
type TestBroker = Awaited<ReturnType<typeof startBroker>>;

/** Resolves with the bytes received before the server closed the socket. */
function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => socket.write(bytes));
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(received)));
  });
}

describe('a broker with small limits', () => {
  const MAX_PAYLOAD = 1024;
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker({
      limits: { ...NO_EXEMPT, maxPayloadBytes: MAX_PAYLOAD, publishRatePerSecond: 1, publishBurst: 5 },
    });
  });
  afterAll(() => b.close());

  it('takes a payload at the size limit and refuses one byte more, closing the connection', async () => {
    const device = await connectDevice(b.url, 'E2', b.tokens.E2);
    await device.publishAsync('elevators/E2/telemetry', Buffer.alloc(MAX_PAYLOAD, 'x'), { qos: 1 });
    const gone = closed(device);
    device.publish('elevators/E2/faults', Buffer.alloc(MAX_PAYLOAD + 1, 'x'), { qos: 1 });
    await within(PROMPTLY_MS, gone);
    expect(b.published).toContain('elevators/E2/telemetry');
    expect(b.published).not.toContain('elevators/E2/faults');
    expect(await b.refusals('payload_too_large')).toBe(1);
  });

  it('cuts off a packet announcing a huge remaining length at its fixed header, before any body', async () => {
    // PUBLISH QoS 0 whose remaining length says 256 MB - 1 (0xff 0xff 0xff 0x7f), then a few bytes
    const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]);
    const received = await within(PROMPTLY_MS, rawExchange(b.addresses.port, Buffer.concat([header, Buffer.alloc(8)])));
    expect(received).toHaveLength(0);
    expect(await b.refusals('packet_too_large')).toBe(1);
  });

  it('refuses the publish beyond the burst, closes the connection, and a reconnect does not refill the bucket', async () => {
    const before = b.published.length;
    const device = await connectDevice(b.url, 'E1', b.tokens.E1);
    const gone = closed(device);
    for (let seq = 0; seq < 6; seq++) device.publish('elevators/E1/telemetry', `{"seq":${seq}}`, { qos: 0 });
    await within(PROMPTLY_MS, gone);
    expect(b.published.length - before).toBe(5);
    expect(await b.refusals('publish_rate')).toBe(1);

    const again = await connectDevice(b.url, 'E1', b.tokens.E1);
    const goneAgain = closed(again);
    again.publish('elevators/E1/telemetry', '{"seq":6}', { qos: 0 });
    await within(PROMPTLY_MS, goneAgain);
    expect(b.published.length - before).toBe(5);
    expect(await b.refusals('publish_rate')).toBe(2);
  });
});

describe('MQTT over WebSocket', () => {
  it('closes a connection whose WebSocket message is over the packet limit, and counts it', async () => {
    const b = await startBroker({ limits: { maxPayloadBytes: 1024 } });
    onTestFinished(() => b.close());
    const device = await connectDevice(`ws://${HOST}:${b.addresses.wsPort}`, 'E1', b.tokens.E1);
    await device.publishAsync('elevators/E1/telemetry', Buffer.alloc(1024), { qos: 1 });
    const gone = closed(device);
    device.publish('elevators/E1/faults', Buffer.alloc(4096), { qos: 1 });
    await within(PROMPTLY_MS, gone);
    expect(b.published).toEqual(['elevators/E1/telemetry']);
    expect(await b.refusals('packet_too_large')).toBe(1);

    // One WebSocket message holding a whole oversize packet: ws refuses it at its frame header
    const socket = new WebSocket(`ws://${HOST}:${b.addresses.wsPort}`, 'mqtt');
    socket.on('open', () => socket.send(Buffer.concat([Buffer.from([0x30, 0x80, 0x20]), Buffer.alloc(4096)])));
    const code = await within(PROMPTLY_MS, new Promise((resolve) => socket.on('close', resolve)));
    expect(code).toBe(WS_MESSAGE_TOO_BIG);
    expect(await b.refusals('packet_too_large')).toBe(2);
  });
});

describe('a broker with a connection rate of 3 a minute per address', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker({ limits: { ...NO_EXEMPT, connectRatePerMinute: 3 } });
  });
  afterAll(() => b.close());

  it('accepts three connections from loopback, then closes the fourth at once, unanswered', async () => {
    for (let i = 0; i < 3; i++) await connectDevice(b.url, 'E1', b.tokens.E1);
    const connect = Buffer.from([0x10, 0x0c, 0, 4, ...Buffer.from('MQTT'), 4, 2, 0, 60, 0, 0]);
    expect(await within(PROMPTLY_MS, rawExchange(b.addresses.port, connect))).toHaveLength(0);
    expect(await b.refusals('connect_rate')).toBe(1);
  });
});

describe('the connection rate, a token bucket per address', () => {
  it('takes the rate at once, then one connection each 60/rate seconds, however many are still open', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const b = await startBroker({ limits: { ...NO_EXEMPT, connectRatePerMinute: 3 } });
    onTestFinished(() => b.close());
    const ids = Array.from({ length: 10 }, (_, i) => `R${i + 1}`);
    const tokens = await Promise.all(ids.map((id) => issueTestToken(b.store, registration(id))));
    let connections = 0;
    /** Whether the broker keeps a new connection: a device of its own let in and left open, or closed unanswered at accept. */
    const kept = async () => {
      const at = connections++;
      const id = ids[at] as string;
      const client = await rawClient(b.addresses.port);
      client.send(rawConnect({ clientId: id, username: id, password: tokens[at] as string }));
      const connack = await client.next('connack');
      if (connack) expect(connack).toMatchObject({ returnCode: 0 });
      return connack !== null;
    };
    expect([await kept(), await kept(), await kept(), await kept()]).toEqual([true, true, true, false]);
    vi.setSystemTime(Date.now() + 20_000);
    // One more after 20 s, the three first still open: a rate, not a cap on open connections.
    expect([await kept(), await kept()]).toEqual([true, false]);
    vi.setSystemTime(Date.now() + 60_000);
    expect([await kept(), await kept(), await kept(), await kept()]).toEqual([true, true, true, false]);
  });
});

describe('a broker with the default limits', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker();
  });
  afterAll(() => b.close());

  it('refuses a device subscription to $SYS (SUBACK 0x80) and grants its own subtree', async () => {
    const device = await connectDevice(b.url, 'E1', b.tokens.E1);
    expect(await subscribeCodes(device, ['$SYS/#', 'elevators/E1/commands'])).toEqual([0x80, 0]);
    expect(await subscribeCodes(device, ['$SYS/+/heartbeat'])).toEqual([0x80]);
  });

  it('refuses a topic deeper than maxTopicLevels (8) even inside the elevator subtree', async () => {
    const device = await connectDevice(b.url, 'E1', b.tokens.E1);
    expect(await subscribeCodes(device, ['elevators/E1/1/2/3/4/5/6'])).toEqual([0]);
    const gone = closed(device);
    device.publish('elevators/E1/1/2/3/4/5/6/7', '{}', { qos: 0 });
    await within(PROMPTLY_MS, gone);
    expect(b.published).not.toContain('elevators/E1/1/2/3/4/5/6/7');
    // aedes refuses it before the ACL sees it
    expect((await b.metrics.publishDenied.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('counts authentication failures per source address, bounded, in its status', async () => {
    for (let i = 0; i < 2; i++)
      expect(await refusedWith(b.url, { clientId: 'E2', username: 'E2', password: 'no' })).toBe(4);
    expect(b.broker.status().failingAddresses).toEqual([{ address: HOST, failures: 2, lastAt: expect.any(String) }]);
  });

  it('exempts loopback from the rates by default', async () => {
    const device = await connectDevice(b.url, 'E2', b.tokens.E2);
    await Promise.all(
      Array.from({ length: 300 }, (_, seq) => device.publishAsync('elevators/E2/doors', `${seq}`, { qos: 1 })),
    );
    expect(await b.refusals('publish_rate')).toBe(0);
  });
});

describe('keepalive', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker({ limits: { maxKeepaliveSeconds: 1 } });
  });
  afterAll(() => b.close());

  it('clamps keepalive 0 to the maximum, so a silent client is dropped after 1.5 times it', async () => {
    const device = await connectDevice(b.url, 'E1', b.tokens.E1, { keepalive: 0 });
    const started = Date.now();
    await within(3 * PROMPTLY_MS, closed(device));
    expect(Date.now() - started).toBeGreaterThanOrEqual(PROMPTLY_MS);
    expect((await b.metrics.keepaliveClamped.get()).values[0]?.value).toBe(1);
  });
});

describe('a replaced device token', () => {
  it('disconnects the device at once when the replacement is announced in this process', async () => {
    const tokenReplacements = new TokenReplacements();
    // A check of the store far in the future: only the announcement can drop the device.
    const b = await startBroker({ tokenReplacements, tokenCheckIntervalMs: 60_000 });
    onTestFinished(() => b.close());
    const device = await connectDevice(b.url, 'E1', b.tokens.E1);
    const other = await connectDevice(b.url, 'E2', b.tokens.E2);
    const gone = closed(device);
    await reissueToken(b.store.elevators, 'E1', tokenReplacements);
    await within(PROMPTLY_MS, gone);
    expect(other.connected).toBe(true);
    expect(await b.refusals('token_replaced')).toBe(1);
    expect(await refusedWith(b.url, { clientId: 'E1', username: 'E1', password: b.tokens.E1 })).toBe(4);
  });

  it('disconnects the device within the check interval when another process replaced it', async () => {
    const b = await startBroker({ tokenCheckIntervalMs: 100 });
    onTestFinished(() => b.close());
    const device = await connectDevice(b.url, 'E1', b.tokens.E1);
    const gone = closed(device);
    await reissueToken(b.store.elevators, 'E1');
    await within(PROMPTLY_MS, gone);
    expect(await b.refusals('token_replaced')).toBe(1);
  });
});

describe('a gateway whose token is reissued or which is deleted', () => {
  const connectGateway = async (b: TestBroker, id: string) => {
    const { token } = await registerGateway(b.store.gateways, { id, name: id });
    return connectDevice(b.url, gatewayUsername(id), token);
  };

  it('is disconnected at once when the change is announced in this process', async () => {
    const tokenReplacements = new TokenReplacements();
    const b = await startBroker({ tokenReplacements, tokenCheckIntervalMs: 60_000 });
    onTestFinished(() => b.close());
    const [reissued, deleted, other] = await Promise.all(['G1', 'G2', 'G3'].map((id) => connectGateway(b, id)));
    const gone = [closed(reissued!), closed(deleted!)];
    await reissueGatewayToken(b.store.gateways, 'G1', tokenReplacements);
    deleteGateway(b.store.gateways, 'G2', tokenReplacements);
    await within(PROMPTLY_MS, Promise.all(gone));
    expect(other!.connected).toBe(true);
    expect(await b.refusals('token_replaced')).toBe(2);
  });

  it('is disconnected within the check interval when another process changed it', async () => {
    const b = await startBroker({ tokenCheckIntervalMs: 100 });
    onTestFinished(() => b.close());
    const [reissued, deleted] = await Promise.all(['G1', 'G2'].map((id) => connectGateway(b, id)));
    const gone = [closed(reissued!), closed(deleted!)];
    await reissueGatewayToken(b.store.gateways, 'G1');
    deleteGateway(b.store.gateways, 'G2');
    await within(PROMPTLY_MS, Promise.all(gone));
  });
});

describe('MQTT over TLS', () => {
  let ca: TestCa;
  beforeAll(() => {
    ca = new TestCa();
  });
  const tlsOf = (mutual: boolean) => {
    const server = ca.server();
    return { port: 0, cert: server.cert, key: server.key, ca: mutual ? ca.ca.cert : null };
  };
  const mqtts = (b: TestBroker, options: IClientOptions = {}) => ({
    url: `mqtts://${HOST}:${b.addresses.tlsPort}`,
    options: { ca: ca.ca.cert, rejectUnauthorized: true, ...options },
  });

  it('closes a connection that has not finished its handshake within the timeout, and counts it', async () => {
    const handshakeTimeoutMs = 200;
    const b = await startBroker({ tls: { ...tlsOf(false), handshakeTimeoutMs } });
    onTestFinished(() => b.close());
    // A client that connects and says nothing: no ClientHello, so the handshake never starts.
    const socket = net.connect(b.addresses.tlsPort as number, HOST);
    onTestFinished(() => void socket.destroy());
    socket.on('error', () => {});
    const started = Date.now();
    await within(handshakeTimeoutMs + PROMPTLY_MS, new Promise((resolve) => socket.once('close', resolve)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(handshakeTimeoutMs - 50);
    expect(await b.refusals('tls_handshake')).toBe(1);
  });

  it('serves devices on the TLS port with their token', async () => {
    const b = await startBroker({ tls: tlsOf(false) });
    onTestFinished(() => b.close());
    const { url, options } = mqtts(b);
    const device = await connectDevice(url, 'E1', b.tokens.E1, options);
    await device.publishAsync('elevators/E1/telemetry', '{}', { qos: 1 });
    expect(b.published).toContain('elevators/E1/telemetry');
  });

  it('with a CA, lets in the client certificate named like the elevator, and no other', async () => {
    const b = await startBroker({ tls: tlsOf(true) });
    onTestFinished(() => b.close());
    const e1 = ca.client('E1');
    const { url, options } = mqtts(b);
    const device = await connectDevice(url, 'E1', b.tokens.E1, { ...options, cert: e1.cert, key: e1.key });
    expect(device.connected).toBe(true);

    // A certificate of the right CA for another elevator: CONNACK 5
    const e2 = ca.client('E2');
    expect(
      await refusedWith(url, {
        ...options,
        cert: e2.cert,
        key: e2.key,
        clientId: 'E1',
        username: 'E1',
        password: b.tokens.E1,
      }),
    ).toBe(5);

    // No certificate, or one of another CA: the handshake fails
    const rogue = new TestCa('rogue').client('E1');
    for (const certificate of [{}, { cert: rogue.cert, key: rogue.key }]) {
      const error = await mqtt
        .connectAsync(
          url,
          { ...options, ...certificate, clientId: 'E1', username: 'E1', password: b.tokens.E1, reconnectPeriod: 0 },
          false,
        )
        .then(
          (client) => client.endAsync(true).then(() => null),
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(Error);
    }
    await expect.poll(() => b.refusals('tls_handshake')).toBe(2);
    expect(b.broker.status().failingAddresses[0]).toMatchObject({ address: HOST, failures: 3 });
  });
});
