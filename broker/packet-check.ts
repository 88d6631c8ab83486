import { isUtf8 } from 'node:buffer';

/**
 * MQTT 3.1.1 rules that neither mqtt-packet nor aedes enforces, on the raw bodies of the packets
 * that carry them: CONNECT, SUBSCRIBE and UNSUBSCRIBE. A client that breaks one has its connection
 * closed, unanswered [MQTT-4.8.0-1]. Raw bytes, because mqtt-packet decodes ill-formed UTF-8 into
 * U+FFFD, after which it cannot be told from a valid string.
 */

const TYPE_SHIFT = 4;
const PACKET_TYPE = { connect: 1, subscribe: 8, unsubscribe: 10 } as const;

/** Whether a packet's body is read whole and checked: those of a rare, small kind, never a PUBLISH. */
export const isCheckedPacket = (first: number): boolean => {
  const type = first >> TYPE_SHIFT;
  return type === PACKET_TYPE.connect || type === PACKET_TYPE.subscribe || type === PACKET_TYPE.unsubscribe;
};

const CONNECT_FLAG = {
  username: 0x80,
  password: 0x40,
  willRetain: 0x20,
  willQos: 0x18,
  will: 0x04,
  reserved: 0x01,
} as const;
const WILL_QOS_SHIFT = 3;
/** The highest QoS of MQTT 3.1.1 [MQTT-3.3.1-4]. */
export const MAX_QOS = 2;
const MQTT_31_LEVEL = 3;
const MQTT_311_LEVEL = 4;
/**
 * What mqtt-packet reads as a CONNECT of 3.1 or 3.1.1, which aedes then takes: either protocol
 * name with either level, the level's bridge bit set or not. Any other it refuses.
 */
const PROTOCOL_NAMES: ReadonlySet<string> = new Set(['MQTT', 'MQIsdp']);
const BRIDGE_BIT = 0x80;
const NUL = 0;
const SINGLE_LEVEL_WILDCARD = '+'.charCodeAt(0);
const MULTI_LEVEL_WILDCARD = '#'.charCodeAt(0);

class Truncated extends Error {}

/** Reads a body front to back; running past its end throws Truncated. */
class BodyReader {
  private at = 0;

  constructor(private readonly body: Buffer) {}

  get done(): boolean {
    return this.at >= this.body.length;
  }

  byte(): number {
    if (this.at >= this.body.length) throw new Truncated();
    return this.body[this.at++] as number;
  }

  uint16(): number {
    return (this.byte() << 8) | this.byte();
  }

  /** A length-prefixed field [MQTT-1.5.3]. */
  bytes(): Buffer {
    const length = this.uint16();
    if (this.at + length > this.body.length) throw new Truncated();
    const field = this.body.subarray(this.at, this.at + length);
    this.at += length;
    return field;
  }
}

/** Why a string field is not a valid MQTT string: ill-formed UTF-8 [MQTT-1.5.3-1] or U+0000 [MQTT-1.5.3-2]. */
function stringFault(field: Buffer, name: string): string | null {
  if (!isUtf8(field)) return `${name} is not valid UTF-8 [MQTT-1.5.3-1]`;
  if (field.includes(NUL)) return `${name} holds U+0000 [MQTT-1.5.3-2]`;
  return null;
}

function connectFault(reader: BodyReader): string | null {
  const protocol = reader.bytes().toString('latin1');
  const level = reader.byte() & ~BRIDGE_BIT;
  if (!PROTOCOL_NAMES.has(protocol) || (level !== MQTT_31_LEVEL && level !== MQTT_311_LEVEL)) return null;
  const flags = reader.byte();
  if (flags & CONNECT_FLAG.reserved) return 'the reserved CONNECT flag is set [MQTT-3.1.2-3]';
  const will = (flags & CONNECT_FLAG.will) !== 0;
  const willQos = (flags & CONNECT_FLAG.willQos) >> WILL_QOS_SHIFT;
  if (!will && (willQos !== 0 || flags & CONNECT_FLAG.willRetain))
    return 'will QoS or retain without a will [MQTT-3.1.2-13, MQTT-3.1.2-15]';
  if (willQos > MAX_QOS) return `a will of QoS ${willQos} [MQTT-3.1.2-14]`;
  if (level === MQTT_311_LEVEL && flags & CONNECT_FLAG.password && !(flags & CONNECT_FLAG.username))
    return 'a password without a user name [MQTT-3.1.2-22]';
  reader.uint16(); // keepalive
  const fault = stringFault(reader.bytes(), 'the client id');
  if (fault) return fault;
  if (will) {
    const topic = reader.bytes();
    const topicFault = stringFault(topic, 'the will topic');
    if (topicFault) return topicFault;
    if (topic.length === 0) return 'an empty will topic [MQTT-4.7.3-1]';
    if (topic.includes(SINGLE_LEVEL_WILDCARD) || topic.includes(MULTI_LEVEL_WILDCARD))
      return 'a wildcard in the will topic [MQTT-3.3.2-2]';
    reader.bytes(); // will payload
  }
  if (flags & CONNECT_FLAG.username) return stringFault(reader.bytes(), 'the user name');
  return null;
}

/** SUBSCRIBE (each filter followed by its options byte) or UNSUBSCRIBE. */
function filtersFault(reader: BodyReader, kind: 'SUBSCRIBE' | 'UNSUBSCRIBE'): string | null {
  if (reader.uint16() === 0) return `${kind} with packet identifier 0 [MQTT-2.3.1-1]`;
  if (reader.done) return `${kind} without a topic filter [MQTT-3.8.3-3, MQTT-3.10.3-2]`;
  while (!reader.done) {
    const fault = stringFault(reader.bytes(), `a ${kind} topic filter`);
    if (fault) return fault;
    if (kind === 'SUBSCRIBE') reader.byte(); // requested QoS, which mqtt-packet checks
  }
  return null;
}

/** Why a whole CONNECT, SUBSCRIBE or UNSUBSCRIBE (its first byte, its body) breaks MQTT 3.1.1; null if it does not. */
export function packetFault(first: number, body: Buffer): string | null {
  const reader = new BodyReader(body);
  const type = first >> TYPE_SHIFT;
  try {
    if (type === PACKET_TYPE.connect) return connectFault(reader);
    return filtersFault(reader, type === PACKET_TYPE.subscribe ? 'SUBSCRIBE' : 'UNSUBSCRIBE');
  } catch (error) {
    if (error instanceof Truncated) return 'a field runs past the end of the packet';
    throw error;
  }
}

/** What publishFault reads of a parsed PUBLISH. */
export interface PublishHeader {
  readonly qos: number;
  readonly dup?: boolean;
  readonly messageId?: number;
}

/**
 * Why a parsed PUBLISH breaks MQTT 3.1.1 where aedes does not check: packet identifier 0 at QoS
 * 1 or 2 [MQTT-2.3.1-1], or DUP at QoS 0 [MQTT-3.3.1-2]; null if it does not. A will has neither.
 */
export function publishFault({ qos, dup, messageId }: PublishHeader): string | null {
  if (qos > 0 && messageId === 0) return `a QoS ${qos} PUBLISH with packet identifier 0 [MQTT-2.3.1-1]`;
  if (qos === 0 && dup) return 'a QoS 0 PUBLISH with the DUP flag [MQTT-3.3.1-2]';
  return null;
}
