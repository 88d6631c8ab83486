import { once } from 'node:events';
import net from 'node:net';
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { TOPIC_KINDS, TOPIC_ROOT, buildTopic } from '../../contract/index.js';
import { remainingLength } from '../helpers/raw-mqtt.js';

/**
 * Connections of MQTT bytes for the broker's socket: packets built with mqtt-packet (the parser
 * aedes uses, so they are well formed to start with), then mutated at the byte level, split into
 * chunks and sent over raw TCP. Each connection is a value fast-check can print and shrink.
 */

/** A registered elevator whose valid CONNECT opens most connections, so the fuzz reaches past authentication. */
export interface FuzzDevice {
  readonly id: string;
  readonly token: string;
}

const MAX_PACKET_ID = 0xffff;
const MAX_KEEPALIVE = 0xffff;
const MAX_QOS = 2;
/** QoS 3 is malformed [MQTT-3.3.1-4]; mqtt-packet's parser must refuse it. */
const INVALID_QOS = 3;
const BYTE = 0xff;
/** The largest remaining length MQTT can say, with four length bytes [MQTT-2.2.3]. */
const MAX_REMAINING_LENGTH = 268_435_455;
const LENGTH_CONTINUATION = 0x80;
const LENGTH_VALUE_BITS = 0x7f;
const MAX_LENGTH_BYTES = 4;
/** A topic deeper than the broker's level cap (8), and far deeper. */
const DEEP_TOPIC_LEVELS = [9, 100, 1000] as const;
/** A topic or client id longer than a 16-bit length prefix can say: mqtt-packet writes it anyway, wrapped. */
const OVERLONG_STRING = 70_000;
const MAX_SEGMENTS = 12;
const MAX_SUBSCRIPTIONS = 6;
const MAX_PACKETS = 8;
const MAX_PAYLOAD = 2048;
const MAX_GARBAGE = 512;
const MAX_SPLITS = 6;
/** Bytes of a CONNECT's variable header with protocol name "MQTT": name (2 + 4), level, flags, keepalive (2). */
const CONNECT_HEADER_BYTES = 10;

const kinds = fc.constantFrom(...TOPIC_KINDS);

/**
 * Weights of the kinds of topic: the device's own topics often, so publishes get past the ACL
 * and into ingest; an overlong one rarely, as the broker's packet size limit ends its connection.
 */
const TOPIC_WEIGHTS = { own: 4, nasty: 3, deep: 1, overlong: 1, random: 3 } as const;

/** Topic names and filters: the device's own, the contract's, and what a broker must refuse. */
function topicArbitrary(device: FuzzDevice): fc.Arbitrary<string> {
  const segment = fc.oneof(
    fc.constantFrom('+', '#', '', TOPIC_ROOT, device.id, '$SYS', 'other-elevator', ...TOPIC_KINDS),
    fc.string({ unit: 'binary', maxLength: 16 }),
  );
  return fc.oneof(
    { weight: TOPIC_WEIGHTS.own, arbitrary: kinds.map((kind) => buildTopic(device.id, kind)) },
    {
      weight: TOPIC_WEIGHTS.nasty,
      arbitrary: fc.constantFrom(
        '',
        '#',
        '+',
        '/',
        '//',
        '$SYS/#',
        '$SYS/broker/clients/connected',
        `${TOPIC_ROOT}/#`,
        `${TOPIC_ROOT}/+/+`,
        `${TOPIC_ROOT}/${device.id}/#`,
        `${TOPIC_ROOT}/${device.id}/+`,
        `${TOPIC_ROOT}/${device.id}/#/telemetry`,
        `${TOPIC_ROOT}/${device.id}/tele#metry`,
        `${TOPIC_ROOT}/${device.id}/telemetry\u0000`,
        `${TOPIC_ROOT}/${device.id}/telemetry/extra`,
        `${TOPIC_ROOT}/other-elevator/faults`,
        'a/#/b',
        '#/a',
        '+x/y',
      ),
    },
    {
      weight: TOPIC_WEIGHTS.deep,
      arbitrary: fc
        .constantFrom(...DEEP_TOPIC_LEVELS)
        .map((levels) => `${TOPIC_ROOT}/${device.id}/${'a/'.repeat(levels)}a`),
    },
    { weight: TOPIC_WEIGHTS.overlong, arbitrary: fc.constant('t'.repeat(OVERLONG_STRING)) },
    {
      weight: TOPIC_WEIGHTS.random,
      arbitrary: fc.array(segment, { minLength: 1, maxLength: MAX_SEGMENTS }).map((segments) => segments.join('/')),
    },
  );
}

const packetId = fc.integer({ min: 1, max: MAX_PACKET_ID });
const qos = fc.integer({ min: 0, max: MAX_QOS }) as fc.Arbitrary<0 | 1 | 2>;
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));

/** A CONNECT that authenticates as the fuzz device. */
export function deviceConnect(device: FuzzDevice, clean = true, keepalive = 0): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: device.id,
    username: device.id,
    password: Buffer.from(device.token),
    clean,
    keepalive,
  };
}

/** Weights of the packet types: publishes and subscriptions are where a device reaches the broker's hooks and ingest. */
const PACKET_WEIGHTS = {
  connect: 2,
  deviceConnect: 1,
  publish: 5,
  subscribe: 4,
  unsubscribe: 2,
  acknowledgement: 2,
  other: 2,
} as const;

function packetArbitrary(device: FuzzDevice): fc.Arbitrary<Packet> {
  const topic = topicArbitrary(device);
  const identity = fc.oneof(fc.constantFrom(device.id, '', 'liftwatch:ingest'), fc.string({ maxLength: 40 }));
  const payload = fc.oneof(
    bytes(MAX_PAYLOAD),
    fc.constantFrom('1', '0', '{}', '{"ts":1764000000000,"seq":1,"code":2,"floor":1}').map((text) => Buffer.from(text)),
  );
  const connect = fc.record({
    cmd: fc.constant('connect' as const),
    protocolId: fc.constantFrom('MQTT' as const, 'MQIsdp' as const),
    protocolVersion: fc.constantFrom(3 as const, 4 as const, 5 as const),
    clientId: identity,
    clean: fc.boolean(),
    keepalive: fc.integer({ min: 0, max: MAX_KEEPALIVE }),
    username: fc.option(identity, { nil: undefined }),
    password: fc.option(fc.oneof(fc.constant(Buffer.from(device.token)), bytes(MAX_GARBAGE)), { nil: undefined }),
    will: fc.option(fc.record({ topic, payload, qos, retain: fc.boolean() }), { nil: undefined }),
  });
  const publish = fc.record({
    cmd: fc.constant('publish' as const),
    topic,
    payload,
    qos,
    dup: fc.boolean(),
    retain: fc.boolean(),
    messageId: packetId,
  });
  const subscription = fc.record({ topic, qos });
  const acknowledgement = fc.record({
    cmd: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const),
    messageId: packetId,
  });
  return fc.oneof(
    {
      weight: PACKET_WEIGHTS.connect,
      arbitrary: connect.map((packet) =>
        packet.password && !packet.username ? { ...packet, username: device.id } : packet,
      ),
    },
    { weight: PACKET_WEIGHTS.deviceConnect, arbitrary: fc.constant(deviceConnect(device)) },
    { weight: PACKET_WEIGHTS.publish, arbitrary: publish },
    {
      weight: PACKET_WEIGHTS.subscribe,
      arbitrary: fc.record({
        cmd: fc.constant('subscribe' as const),
        messageId: packetId,
        subscriptions: fc.array(subscription, { minLength: 1, maxLength: MAX_SUBSCRIPTIONS }),
      }),
    },
    {
      weight: PACKET_WEIGHTS.unsubscribe,
      arbitrary: fc.record({
        cmd: fc.constant('unsubscribe' as const),
        messageId: packetId,
        unsubscriptions: fc.array(topic, { minLength: 1, maxLength: MAX_SUBSCRIPTIONS }),
      }),
    },
    { weight: PACKET_WEIGHTS.acknowledgement, arbitrary: acknowledgement },
    {
      weight: PACKET_WEIGHTS.other,
      arbitrary: fc.constantFrom<Packet>(
        { cmd: 'pingreq' },
        { cmd: 'disconnect' },
        // Packets only a server sends: a client sending them breaks the protocol.
        { cmd: 'pingresp' },
        { cmd: 'connack', returnCode: 0, sessionPresent: false },
        { cmd: 'suback', messageId: 1, granted: [0] },
        { cmd: 'unsuback', messageId: 1, granted: [] },
      ),
    },
  ) as fc.Arbitrary<Packet>;
}

/** A change to one packet's bytes. */
export type FrameMutation =
  | { readonly op: 'flip'; readonly at: number; readonly mask: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Buffer }
  /** The remaining length rewritten: too short or long by `delta`, the largest MQTT allows, or five bytes long. */
  | { readonly op: 'length'; readonly form: 'delta'; readonly delta: number }
  | { readonly op: 'length'; readonly form: 'oversize' | 'five-bytes' | 'non-minimal' }
  /** The first byte (packet type and flags) replaced, e.g. reserved types 0 and 15, or PUBLISH with QoS 3. */
  | { readonly op: 'first-byte'; readonly value: number }
  /** A CONNECT's protocol name, level, flags or keepalive: byte `at` of its variable header replaced. */
  | { readonly op: 'connect-header'; readonly at: number; readonly value: number };

const MAX_LENGTH_DELTA = 64;
const PUBLISH_QOS_SHIFT = 1;
const PUBLISH_TYPE = 3;
const TYPE_SHIFT = 4;

const frameMutation: fc.Arbitrary<FrameMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: BYTE }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: bytes(MAX_GARBAGE) }),
  fc.record({
    op: fc.constant('length' as const),
    form: fc.constant('delta' as const),
    delta: fc.integer({ min: -MAX_LENGTH_DELTA, max: MAX_LENGTH_DELTA }),
  }),
  fc.record({
    op: fc.constant('length' as const),
    form: fc.constantFrom('oversize' as const, 'five-bytes' as const, 'non-minimal' as const),
  }),
  fc.record({
    op: fc.constant('first-byte' as const),
    value: fc.oneof(
      fc.integer({ min: 0, max: BYTE }),
      fc.constant((PUBLISH_TYPE << TYPE_SHIFT) | (INVALID_QOS << PUBLISH_QOS_SHIFT)),
    ),
  }),
  fc.record({
    op: fc.constant('connect-header' as const),
    at: fc.integer({ min: 0, max: CONNECT_HEADER_BYTES - 1 }),
    value: fc.integer({ min: 0, max: BYTE }),
  }),
);

export interface FuzzPacket {
  readonly packet: Packet;
  readonly mutation: FrameMutation | null;
}

/** How the fuzz leaves a connection: FIN, waiting for the broker to act first, or RST. */
export type Ending = 'end' | 'linger' | 'reset';

export interface FuzzConnection {
  /** Opens with the fuzz device's valid CONNECT, so what follows is judged as an authenticated device's. */
  readonly authenticated: boolean;
  readonly packets: readonly FuzzPacket[];
  /** Bytes after the packets (after a DISCONNECT, say), or the whole connection when there are no packets. */
  readonly garbage: Buffer;
  /** Offsets where the bytes are cut into separate writes. */
  readonly splits: readonly number[];
  readonly ending: Ending;
}

/**
 * Weights: most connections authenticate first and most packets arrive intact, so the broker
 * parses deep into a connection; random bytes after the packets end a connection now and then.
 */
const INTACT_WEIGHT = 4;
const MUTATED_WEIGHT = 1;
const AUTHENTICATED_WEIGHT = 3;
const CLEAN_END_WEIGHT = 3;

export function connectionArbitrary(device: FuzzDevice): fc.Arbitrary<FuzzConnection> {
  const fuzzPacket = fc.record({
    packet: packetArbitrary(device),
    mutation: fc.oneof(
      { weight: INTACT_WEIGHT, arbitrary: fc.constant(null) },
      { weight: MUTATED_WEIGHT, arbitrary: frameMutation },
    ),
  });
  return fc.record({
    authenticated: fc.oneof(
      { weight: AUTHENTICATED_WEIGHT, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    packets: fc.array(fuzzPacket, { maxLength: MAX_PACKETS }),
    garbage: fc.oneof(
      { weight: CLEAN_END_WEIGHT, arbitrary: fc.constant(Buffer.alloc(0)) },
      { weight: 1, arbitrary: bytes(MAX_GARBAGE) },
    ),
    splits: fc.array(fc.nat(), { maxLength: MAX_SPLITS }),
    ending: fc.constantFrom<Ending>('end', 'linger', 'reset'),
  });
}

/** The fixed header's first byte, its length bytes and the rest, of an encoded packet. */
function splitFrame(frame: Buffer): { first: number; lengthBytes: number; body: Buffer } {
  let at = 1;
  while (at < frame.length && at <= MAX_LENGTH_BYTES && (frame[at] as number) & LENGTH_CONTINUATION) at++;
  return { first: frame[0] as number, lengthBytes: at, body: frame.subarray(at + 1) };
}

function lengthBytesFor(mutation: Extract<FrameMutation, { op: 'length' }>, bodyLength: number): Buffer {
  switch (mutation.form) {
    case 'delta':
      return remainingLength(Math.max(0, bodyLength + mutation.delta));
    case 'oversize':
      return remainingLength(MAX_REMAINING_LENGTH);
    case 'five-bytes':
      return Buffer.from([BYTE, BYTE, BYTE, BYTE, 1]);
    case 'non-minimal':
      return Buffer.from([(bodyLength & LENGTH_VALUE_BITS) | LENGTH_CONTINUATION, 0]);
  }
}

function mutate(frame: Buffer, mutation: FrameMutation, isConnect: boolean): Buffer {
  const at = (position: number) => position % (frame.length + 1);
  switch (mutation.op) {
    case 'flip': {
      const copy = Buffer.from(frame);
      const index = mutation.at % copy.length;
      copy[index] = (copy[index] as number) ^ mutation.mask;
      return copy;
    }
    case 'truncate':
      return frame.subarray(0, at(mutation.at));
    case 'insert':
      return Buffer.concat([frame.subarray(0, at(mutation.at)), mutation.bytes, frame.subarray(at(mutation.at))]);
    case 'length': {
      const { first, body } = splitFrame(frame);
      return Buffer.concat([Buffer.from([first]), lengthBytesFor(mutation, body.length), body]);
    }
    case 'first-byte':
      return Buffer.concat([Buffer.from([mutation.value]), frame.subarray(1)]);
    case 'connect-header': {
      if (!isConnect) return frame;
      const { lengthBytes } = splitFrame(frame);
      const copy = Buffer.from(frame);
      const index = 1 + lengthBytes + mutation.at;
      if (index < copy.length) copy[index] = mutation.value;
      return copy;
    }
  }
}

/** What mqtt-packet writes for a packet, or for one it refuses to write (a password without a username, say), nothing. */
function encode(packet: Packet): Buffer {
  try {
    return mqttPacket.generate(packet, { protocolVersion: 4 });
  } catch {
    return Buffer.alloc(0);
  }
}

/** The bytes of a connection: the device's CONNECT when it authenticates, then the rest in the writes it is sent as. */
export interface Wire {
  readonly connect: Buffer | null;
  readonly chunks: readonly Buffer[];
}

export function wireOf(connection: FuzzConnection, device: FuzzDevice): Wire {
  const frames = connection.packets.map(({ packet, mutation }) => {
    const frame = encode(packet);
    return mutation && frame.length > 0 ? mutate(frame, mutation, packet.cmd === 'connect') : frame;
  });
  const rest = Buffer.concat([...frames, connection.garbage]);
  const cuts = [...new Set(connection.splits.map((split) => split % (rest.length + 1)))].sort((a, b) => a - b);
  const chunks = [...cuts, rest.length]
    .map((end, i) => rest.subarray(i === 0 ? 0 : cuts[i - 1], end))
    .filter((chunk) => chunk.length > 0);
  return { connect: connection.authenticated ? encode(deviceConnect(device)) : null, chunks };
}

/** How long a lingering connection waits for the broker to answer or close. */
const LINGER_MS = 20;
/** How long an authenticating connection waits for its CONNACK. */
const CONNACK_TIMEOUT_MS = 2000;
/** A connection the broker keeps open past this is closed by the fuzz. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Sends a connection's bytes to the broker and closes it as its ending says: after a CONNECT,
 * the rest waits for the broker's answer, as a client's would, so it is judged as an
 * authenticated device's. Resolves when the socket is closed, whatever the broker did; never rejects.
 */
export async function play(host: string, port: number, wire: Wire, ending: Ending): Promise<void> {
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  // Whatever the broker sends is read and dropped, so it never waits on the fuzz.
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  try {
    await once(socket, 'connect');
    if (wire.connect) {
      const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write(wire.connect);
      await Promise.race([answered, closed, new Promise((resolve) => setTimeout(resolve, CONNACK_TIMEOUT_MS))]);
    }
    for (const chunk of wire.chunks) {
      if (socket.destroyed) break;
      socket.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch {
    // refused or reset: the broker's part is over
  }
  if (ending === 'reset' && !socket.destroyed) socket.resetAndDestroy();
  else if (ending === 'linger') await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, LINGER_MS))]);
  if (!socket.destroyed) socket.end();
  const timer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
}
