import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { onTestFinished } from 'vitest';
import { ALL_ELEVATOR_TOPICS, INGEST_PRINCIPAL } from '../../contract/index.js';

/**
 * MQTT 3.1.1 written byte by byte, for packets mqtt.js and mqtt-packet will not send (a will of
 * QoS 3, a SUBSCRIBE without filters, invalid UTF-8), over a raw TCP socket.
 */

const LENGTH_BASE = 128;
const LENGTH_CONTINUATION = 0x80;
const UINT16_BYTES = 2;

/** MQTT's variable-length encoding of a remaining length [MQTT-2.2.3]. */
export function remainingLength(length: number): Buffer {
  const out: number[] = [];
  let rest = length;
  do {
    let byte = rest % LENGTH_BASE;
    rest = Math.floor(rest / LENGTH_BASE);
    if (rest > 0) byte |= LENGTH_CONTINUATION;
    out.push(byte);
  } while (rest > 0);
  return Buffer.from(out);
}

/** A packet: its first byte (type and flags), the remaining length, the body. */
export const frame = (first: number, ...body: Buffer[]) => {
  const joined = Buffer.concat(body);
  return Buffer.concat([Buffer.from([first]), remainingLength(joined.length), joined]);
};

export const uint16 = (value: number) => {
  const bytes = Buffer.alloc(UINT16_BYTES);
  bytes.writeUInt16BE(value);
  return bytes;
};

/** A length-prefixed string of whatever bytes it is given [MQTT-1.5.3]. */
export const lengthPrefixed = (bytes: Buffer | string) => {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return Buffer.concat([uint16(body.length), body]);
};

/** Connect flags [MQTT-3.1.2.3]. */
export const CONNECT_FLAGS = {
  username: 0x80,
  password: 0x40,
  willRetain: 0x20,
  willQosShift: 3,
  will: 0x04,
  clean: 0x02,
  reserved: 0x01,
} as const;

export interface RawConnect {
  readonly clientId: Buffer | string;
  readonly username?: Buffer | string;
  readonly password?: Buffer | string;
  readonly will?: { topic: Buffer | string; payload: Buffer | string; qos: number; retain: boolean };
  /** Flag bits set beside those the fields above imply. */
  readonly extraFlags?: number;
  readonly clean?: boolean;
  readonly keepalive?: number;
}

const CONNECT = 0x10;
const PROTOCOL_LEVEL_311 = 4;
const DEFAULT_KEEPALIVE_SECONDS = 60;

/** A CONNECT of MQTT 3.1.1 built from its fields as given, nothing checked. */
export function rawConnect(connect: RawConnect): Buffer {
  const { will } = connect;
  let flags = connect.extraFlags ?? 0;
  if (connect.clean ?? true) flags |= CONNECT_FLAGS.clean;
  if (connect.username !== undefined) flags |= CONNECT_FLAGS.username;
  if (connect.password !== undefined) flags |= CONNECT_FLAGS.password;
  if (will) flags |= CONNECT_FLAGS.will | (will.qos << CONNECT_FLAGS.willQosShift);
  if (will?.retain) flags |= CONNECT_FLAGS.willRetain;
  const parts = [
    lengthPrefixed('MQTT'),
    Buffer.from([PROTOCOL_LEVEL_311, flags]),
    uint16(connect.keepalive ?? DEFAULT_KEEPALIVE_SECONDS),
    lengthPrefixed(connect.clientId),
  ];
  if (will) parts.push(lengthPrefixed(will.topic), lengthPrefixed(will.payload));
  if (connect.username !== undefined) parts.push(lengthPrefixed(connect.username));
  if (connect.password !== undefined) parts.push(lengthPrefixed(connect.password));
  return frame(CONNECT, ...parts);
}

const SUBSCRIBE = 0x82;
const UNSUBSCRIBE = 0xa2;

/** A SUBSCRIBE with packet id `messageId` and each filter's bytes at QoS `qos`. */
export const rawSubscribe = (messageId: number, filters: Array<Buffer | string>, qos = 1) =>
  frame(
    SUBSCRIBE,
    uint16(messageId),
    ...filters.map((filter) => Buffer.concat([lengthPrefixed(filter), Buffer.from([qos])])),
  );

export const rawUnsubscribe = (messageId: number, filters: Array<Buffer | string>) =>
  frame(UNSUBSCRIBE, uint16(messageId), ...filters.map((filter) => lengthPrefixed(filter)));

/** A raw connection that parses what the broker sends. */
export interface RawClient {
  readonly socket: net.Socket;
  /** What came and was not taken by `next` yet. */
  readonly received: Packet[];
  /** Resolves when the broker closes the connection. */
  readonly closed: Promise<void>;
  send(bytes: Buffer): void;
  /** The next packet of this command from the broker, or null when the connection closes first. */
  next(cmd: Packet['cmd']): Promise<Packet | null>;
}

export async function rawClient(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = net.connect(port, host);
  onTestFinished(() => void socket.destroy());
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const parser = mqttPacket.parser({ protocolVersion: PROTOCOL_LEVEL_311 });
  const received: Packet[] = [];
  const waiting: Array<{ cmd: Packet['cmd']; resolve: (packet: Packet | null) => void }> = [];
  parser.on('packet', (packet) => {
    const index = waiting.findIndex((wait) => wait.cmd === packet.cmd);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(packet);
    else received.push(packet);
  });
  socket.on('data', (chunk) => parser.parse(chunk));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      for (const wait of waiting.splice(0)) wait.resolve(null);
      resolve();
    }),
  );
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    socket,
    received,
    closed,
    send: (bytes) => void socket.write(bytes),
    next(cmd) {
      const seen = received.findIndex((packet) => packet.cmd === cmd);
      if (seen >= 0) return Promise.resolve(received.splice(seen, 1)[0] as Packet);
      if (socket.destroyed) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push({ cmd, resolve }));
    },
  };
}

/**
 * liftwatch's ingest identity with a persistent session (clean=false), connected over a raw socket
 * that acknowledges nothing by itself; subscribed to every elevator topic when `subscribe` is set.
 */
export async function rawReader(
  port: number,
  password: string,
  { subscribe }: { subscribe: boolean },
): Promise<{ client: RawClient; sessionPresent: boolean }> {
  const client = await rawClient(port);
  client.send(rawConnect({ clientId: INGEST_PRINCIPAL, username: INGEST_PRINCIPAL, password, clean: false }));
  const connack = (await client.next('connack')) as (Packet & { returnCode: number; sessionPresent: boolean }) | null;
  if (connack?.returnCode !== 0) throw new Error(`the reader was refused: ${JSON.stringify(connack)}`);
  if (subscribe) {
    client.send(rawSubscribe(1, [ALL_ELEVATOR_TOPICS]));
    await client.next('suback');
  }
  return { client, sessionPresent: connack.sessionPresent };
}

const PUBACK = 0x40;

export const rawPuback = (messageId: number) => frame(PUBACK, uint16(messageId));
