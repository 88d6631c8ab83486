import mqtt from 'mqtt';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ALL_ELEVATOR_TOPICS, INGEST_PRINCIPAL } from '../../contract/index.js';
import { listeningBroker } from '../helpers/broker.js';
import { connectDevice, publish } from '../helpers/device.js';
import { registration } from '../helpers/fixtures.js';
import {
  CONNECT_FLAGS,
  frame,
  lengthPrefixed,
  rawClient,
  rawConnect,
  rawPuback,
  rawReader,
  rawSubscribe,
  rawUnsubscribe,
  uint16,
  type RawClient,
  type RawConnect,
} from '../helpers/raw-mqtt.js';
import { issueTestToken } from '../helpers/tokens.js';
import { within } from '../helpers/within.js';

const ADMIN_TOKEN = 'admin-token-for-protocol-tests';
/** Long enough for a broker on loopback to answer, short enough to keep the file fast. */
const PROMPTLY_MS = 1000;
const MAX_PAYLOAD = 1024;
const PINGREQ = frame(0xc0);
const CONNECT_FIRST_BYTE = 0x10;
/** A remaining-length byte with more to follow [MQTT-2.2.3]. */
const CONTINUATION_BIT = 0x80;
const TS = 1_764_000_000_000;

/** Byte sequences that are not UTF-8 [MQTT-1.5.3-1]: overlong NUL, a surrogate in CESU-8 form, a byte never valid, a cut sequence. */
const INVALID_UTF8 = {
  'overlong NUL (C0 80)': Buffer.from([0xc0, 0x80]),
  'UTF-16 surrogate U+D800 (ED A0 80)': Buffer.from([0xed, 0xa0, 0x80]),
  'byte FF': Buffer.from([0xff]),
  'truncated sequence (E2 82)': Buffer.from([0xe2, 0x82]),
} as const;

let b: Awaited<ReturnType<typeof listeningBroker>>;
let token: string;
let token2: string;
/** Topics of the messages the broker let through. */
const published: string[] = [];
beforeAll(async () => {
  b = await listeningBroker(ADMIN_TOKEN, { limits: { maxPayloadBytes: MAX_PAYLOAD } });
  token = await issueTestToken(b.store, registration('E1'));
  token2 = await issueTestToken(b.store, registration('E2'));
  b.broker.aedes.on('publish', (packet, client) => {
    if (client) published.push(packet.topic);
  });
});
afterAll(() => b.close());

const violations = async () =>
  (await b.metrics.mqttRefusals.get()).values.find((value) => value.labels.reason === 'protocol_violation')?.value ?? 0;

const device = (fields: Partial<RawConnect> = {}): RawConnect => ({
  clientId: 'E1',
  username: 'E1',
  password: token,
  ...fields,
});

/** A CONNECT with another protocol name and level byte; mqtt-packet takes either name at 3 or 4, the bridge bit (128) set or not. */
function withProtocol(connect: Buffer, name: string, level: number): Buffer {
  let at = 1;
  while ((connect[at++] as number) & CONTINUATION_BIT);
  const body = connect.subarray(at);
  const rest = body.subarray(lengthPrefixed('MQTT').length + 1);
  return frame(CONNECT_FIRST_BYTE, lengthPrefixed(name), Buffer.from([level]), rest);
}

/** The broker's answer to a CONNECT: its CONNACK return code, or 'closed' when it closed the connection unanswered. */
async function answerTo(connect: Buffer): Promise<number | 'closed'> {
  const client = await rawClient(b.addresses.port);
  client.send(connect);
  const connack = await within(PROMPTLY_MS, client.next('connack'));
  client.socket.destroy();
  return connack ? (connack as Packet & { returnCode: number }).returnCode : 'closed';
}

/** A connection of the device E1, past its CONNACK 0. */
async function connected(): Promise<RawClient> {
  const client = await rawClient(b.addresses.port);
  client.send(rawConnect(device()));
  expect(await within(PROMPTLY_MS, client.next('connack'))).toMatchObject({ returnCode: 0 });
  return client;
}

/** Sends `bytes` on an open connection: true when the broker closes it without an answer of `cmd`. */
async function closesOn(bytes: Buffer, cmd: Packet['cmd']): Promise<boolean> {
  const client = await connected();
  client.send(bytes);
  const answer = await within(PROMPTLY_MS, client.next(cmd));
  await within(PROMPTLY_MS, client.closed);
  return answer === null;
}

describe('CONNECT', () => {
  it('accepts a will on the device’s own online topic, retained, QoS 1', async () => {
    expect(
      await answerTo(
        rawConnect(device({ will: { topic: 'elevators/E1/online', payload: '0', qos: 1, retain: true } })),
      ),
    ).toBe(0);
  });

  it('closes the connection, unanswered, at a will of QoS 3 [MQTT-3.1.2-14]', async () => {
    expect(
      await answerTo(
        rawConnect(device({ will: { topic: 'elevators/E1/online', payload: '0', qos: 3, retain: true } })),
      ),
    ).toBe('closed');
  });

  it.each([
    ['MQTT', 3],
    ['MQTT', 0x84],
    ['MQIsdp', 4],
    ['MQIsdp', 0x83],
  ])(
    'closes the connection, unanswered, at a will of QoS 3 under protocol %s level %i, which aedes takes as 3.1 or 3.1.1',
    async (name, level) => {
      const will = { topic: 'elevators/E1/online', payload: '0', qos: 3, retain: true };
      expect(await answerTo(withProtocol(rawConnect(device({ will })), name, level))).toBe('closed');
    },
  );

  it.each([
    ['will QoS without the will flag [MQTT-3.1.2-13]', 1 << CONNECT_FLAGS.willQosShift],
    ['will retain without the will flag [MQTT-3.1.2-15]', CONNECT_FLAGS.willRetain],
    ['the reserved flag [MQTT-3.1.2-3]', CONNECT_FLAGS.reserved],
  ])('closes the connection, unanswered, at %s', async (_case, extraFlags) => {
    expect(await answerTo(rawConnect(device({ extraFlags })))).toBe('closed');
  });

  it('closes the connection, unanswered, at a password without a user name [MQTT-3.1.2-22]', async () => {
    expect(await answerTo(rawConnect({ clientId: 'E1', password: token }))).toBe('closed');
  });

  it.each(['elevators/+/online', 'elevators/E1/#', ''])(
    'closes the connection at a will topic that is no topic name: "%s" [MQTT-3.3.2-2, MQTT-4.7.3-1]',
    async (topic) => {
      expect(await answerTo(rawConnect(device({ will: { topic, payload: '0', qos: 1, retain: true } })))).toBe(
        'closed',
      );
    },
  );

  it.each(Object.entries(INVALID_UTF8))(
    'closes the connection at a client id, user name or will topic with %s',
    async (_case, bytes) => {
      const bad = Buffer.concat([Buffer.from('E1'), bytes]);
      expect(await answerTo(rawConnect(device({ clientId: bad, username: bad })))).toBe('closed');
      const will = { topic: Buffer.concat([Buffer.from('elevators/E1/'), bytes]), payload: '0', qos: 1, retain: false };
      expect(await answerTo(rawConnect(device({ will })))).toBe('closed');
    },
  );

  it('closes the connection at a client id with U+0000 [MQTT-1.5.3-2]', async () => {
    expect(await answerTo(rawConnect(device({ clientId: 'E1\u0000', username: 'E1\u0000' })))).toBe('closed');
  });

  it.each([
    ["another elevator's topic", { topic: 'elevators/E2/online', payload: '0', qos: 1, retain: true }],
    ['a topic outside the contract', { topic: 'alerts/E1', payload: '0', qos: 1, retain: false }],
    ['$SYS', { topic: '$SYS/broker/E1', payload: '0', qos: 0, retain: false }],
    ['a retained fault', { topic: 'elevators/E1/faults', payload: '{}', qos: 1, retain: true }],
    [
      'a payload over the limit',
      { topic: 'elevators/E1/online', payload: Buffer.alloc(MAX_PAYLOAD + 1), qos: 1, retain: true },
    ],
  ])('refuses with CONNACK 5 a will it would not let the device publish: %s', async (_case, will) => {
    expect(await answerTo(rawConnect(device({ will })))).toBe(5);
  });
});

describe('SUBSCRIBE and UNSUBSCRIBE', () => {
  it('answers a valid SUBSCRIBE and UNSUBSCRIBE and keeps the connection', async () => {
    const client = await connected();
    client.send(rawSubscribe(7, ['elevators/E1/commands']));
    expect(await within(PROMPTLY_MS, client.next('suback'))).toMatchObject({ messageId: 7, granted: [1] });
    client.send(rawUnsubscribe(8, ['elevators/E1/commands']));
    expect(await within(PROMPTLY_MS, client.next('unsuback'))).toMatchObject({ messageId: 8 });
    client.send(PINGREQ);
    expect(await within(PROMPTLY_MS, client.next('pingresp'))).not.toBeNull();
  });

  it.each(Object.entries(INVALID_UTF8))(
    'closes the connection at a filter with %s [MQTT-1.5.3-1]',
    async (_case, bytes) => {
      const filter = Buffer.concat([Buffer.from('elevators/E1/'), bytes]);
      expect(await closesOn(rawSubscribe(1, [filter]), 'suback')).toBe(true);
      expect(await closesOn(rawUnsubscribe(1, [filter]), 'unsuback')).toBe(true);
    },
  );

  it('closes the connection at a filter with U+0000 [MQTT-1.5.3-2]', async () => {
    expect(await closesOn(rawSubscribe(1, ['elevators/E1/\u0000']), 'suback')).toBe(true);
    expect(await closesOn(rawUnsubscribe(1, ['elevators/E1/\u0000']), 'unsuback')).toBe(true);
  });

  it('closes the connection at packet identifier 0 [MQTT-2.3.1-1], and counts it', async () => {
    const before = await violations();
    expect(await closesOn(rawSubscribe(0, ['elevators/E1/commands']), 'suback')).toBe(true);
    expect(await closesOn(rawUnsubscribe(0, ['elevators/E1/commands']), 'unsuback')).toBe(true);
    expect((await violations()) - before).toBe(2);
  });

  it('closes the connection at a SUBSCRIBE or UNSUBSCRIBE without filters [MQTT-3.8.3-3, MQTT-3.10.3-2]', async () => {
    expect(await closesOn(rawSubscribe(1, []), 'suback')).toBe(true);
    expect(await closesOn(rawUnsubscribe(1, []), 'unsuback')).toBe(true);
  });
});

describe('PUBLISH', () => {
  const PUBLISH_QOS1 = 0x32;
  const PUBLISH_QOS0_DUP = 0x38;

  it('closes the connection at a QoS 1 PUBLISH with packet identifier 0 [MQTT-2.3.1-1], and routes nothing', async () => {
    const topic = 'elevators/E1/doors';
    const publish = frame(PUBLISH_QOS1, lengthPrefixed(topic), uint16(0), Buffer.from('{}'));
    expect(await closesOn(publish, 'puback')).toBe(true);
    expect(published).not.toContain(topic);
  });

  it('closes the connection at a QoS 0 PUBLISH with the DUP flag [MQTT-3.3.1-2]', async () => {
    const topic = 'elevators/E1/telemetry';
    const publish = frame(PUBLISH_QOS0_DUP, lengthPrefixed(topic), Buffer.from('{}'));
    const client = await connected();
    client.send(publish);
    await within(PROMPTLY_MS, client.closed);
    expect(published).not.toContain(topic);
  });
});

describe('redelivery', () => {
  /** The next fault the reader is sent; retained online flags of other tests' devices are passed over. */
  const nextFault = async (client: RawClient): Promise<IPublishPacket> => {
    for (;;) {
      const packet = (await client.next('publish')) as IPublishPacket | null;
      if (!packet) throw new Error('the connection closed');
      if (packet.topic.endsWith('/faults')) return packet;
    }
  };

  it('sets DUP on a QoS 1 message sent again to a returning persistent session, with its first packet id [MQTT-3.3.1-1]', async () => {
    const first = await rawReader(b.addresses.port, ADMIN_TOKEN, { subscribe: true });
    const publisher = await connectDevice(b.url, 'E2', token2);
    await publisher.publishAsync('elevators/E2/faults', '{"ts":1764000000000,"seq":1,"code":2,"floor":1}', { qos: 1 });
    const sent = await within(PROMPTLY_MS, nextFault(first.client));
    expect(sent).toMatchObject({ topic: 'elevators/E2/faults', qos: 1, dup: false });
    // Gone without its PUBACK: the message is still the session's.
    first.client.socket.destroy();
    await first.client.closed;

    const again = await rawReader(b.addresses.port, ADMIN_TOKEN, { subscribe: false });
    expect(again.sessionPresent).toBe(true);
    const resent = await within(PROMPTLY_MS, nextFault(again.client));
    expect(resent).toMatchObject({ topic: 'elevators/E2/faults', qos: 1, dup: true, messageId: sent.messageId });
    expect(resent.payload.toString()).toBe(sent.payload.toString());
    again.client.send(rawPuback(resent.messageId as number));
    again.client.socket.destroy();
    await again.client.closed;

    // Acknowledged, it is not sent a third time; a new message is new, DUP clear.
    const third = await rawReader(b.addresses.port, ADMIN_TOKEN, { subscribe: false });
    await publisher.publishAsync('elevators/E2/faults', '{"ts":1764000000001,"seq":2,"code":2,"floor":1}', { qos: 1 });
    const next = await within(PROMPTLY_MS, nextFault(third.client));
    expect(next).toMatchObject({ dup: false });
    expect(next.payload.toString()).toContain('"seq":2');
  });
});

describe('a message MQTT cannot carry', () => {
  /**
   * QoS 3: a will accepted before such wills were refused at CONNECT, still kept in a session's
   * queue or in Redis. aedes.publish is how the broker publishes a will.
   */
  const poison = { cmd: 'publish', topic: 'elevators/E2/online', payload: Buffer.from('0'), qos: 3, retain: false };
  const injectPoison = () =>
    new Promise<void>((resolve, reject) =>
      b.broker.aedes.publish({ ...poison, dup: false } as never, (error) => (error ? reject(error) : resolve())),
    );
  const undeliverable = async () => (await b.metrics.mqttUndeliverable.get()).values[0]?.value ?? 0;
  const fault = (seq: number) => ({ ts: TS + seq, seq, code: 2 as const, floor: 1 });

  it('is dropped and counted, not sent: a persistent reader keeps its connection and gets what follows', async () => {
    const reader = await mqtt.connectAsync(b.url, {
      clientId: INGEST_PRINCIPAL,
      username: INGEST_PRINCIPAL,
      password: ADMIN_TOKEN,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    onTestFinished(() => reader.endAsync(true));
    await reader.subscribeAsync(ALL_ELEVATOR_TOPICS, { qos: 1 });
    const faults: number[] = [];
    reader.on('message', (topic, payload) => {
      if (topic === 'elevators/E2/faults') faults.push((JSON.parse(payload.toString()) as { seq: number }).seq);
    });
    await injectPoison();
    const publisher = await connectDevice(b.url, 'E2', token2);
    for (let seq = 1; seq <= 5; seq++) await publish(publisher, 'E2', 'faults', fault(seq));
    await expect.poll(() => faults).toEqual([1, 2, 3, 4, 5]);
    expect(reader.connected).toBe(true);
    expect(await undeliverable()).toBe(1);

    // Queued while the reader is away, it is dropped from the queue when the reader comes back, once.
    await reader.endAsync();
    await injectPoison();
    await publish(publisher, 'E2', 'faults', fault(6));
    reader.reconnect();
    await expect.poll(() => faults).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await undeliverable()).toBe(2);
    await reader.endAsync();
    reader.reconnect();
    await publish(publisher, 'E2', 'faults', fault(7));
    await expect.poll(() => faults).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await undeliverable()).toBe(2);
  });
});
