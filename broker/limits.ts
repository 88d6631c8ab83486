const KIB = 1024;

/** The broker's limits. Each default is the documented default of its environment variable. */
export interface BrokerLimits {
  /** Largest PUBLISH payload; a larger one closes the connection, nothing stored (LW_MQTT_MAX_PAYLOAD_BYTES). */
  readonly maxPayloadBytes: number;
  /** Publishes a second each elevator may keep up; 0 turns the limit off (LW_MQTT_PUBLISH_RATE). */
  readonly publishRatePerSecond: number;
  /** Publishes an elevator may make at once, above the rate (LW_MQTT_PUBLISH_BURST). */
  readonly publishBurst: number;
  /**
   * New connections from one address, a token bucket: this many at once, then one every 60/this
   * seconds as it refills; connections already open do not count; 0 is off (LW_MQTT_CONNECT_RATE).
   */
  readonly connectRatePerMinute: number;
  /** Longest keepalive, seconds: 0 (none) or longer is clamped to it; 0 keeps each as asked (LW_MQTT_MAX_KEEPALIVE). */
  readonly maxKeepaliveSeconds: number;
  /** Addresses and subnets the publish and connection rates do not apply to (LW_MQTT_RATE_EXEMPT). */
  readonly rateExempt: readonly string[];
  /**
   * Most bytes held for liftwatch's readers (a separately running ingest) before devices' QoS 1
   * acknowledgements are held back and QoS 0 to the readers is shed (LW_MQTT_READER_BACKLOG_BYTES).
   */
  readonly readerBacklogBytes: number;
  /** Device publishes inside the broker's router at once; more wait, unread (LW_MQTT_MAX_IN_ROUTER). */
  readonly maxPublishesInRouter: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  /**
   * Our payloads are about 200 bytes, but the contract's largest (a maintenance visit with 100
   * items of 200 Chinese characters) is about 60 KiB: a device whose valid message is refused
   * resends it at every reconnection and gets nothing through (test/fuzz/payloads.test.ts).
   */
  maxPayloadBytes: 64 * KIB,
  /** An elevator publishes a few messages a minute; a device above this is broken or hostile. */
  publishRatePerSecond: 50,
  /** Room for a terminal that sends what it buffered while offline. */
  publishBurst: 200,
  /** Room for a few devices behind one NAT reconnecting after a broker restart. */
  connectRatePerMinute: 60,
  /** 20 minutes: a dead connection is found within 30. */
  maxKeepaliveSeconds: 1200,
  /** This machine: liftwatch's own ingest, simulator and replay. */
  rateExempt: ['127.0.0.0/8', '::1'],
  /**
   * About 4,000 messages: a few seconds of a separate ingest's work. Deeper, its PINGRESP waits
   * behind them past its keepalive and it reconnects (seen at 8 MiB with the machine busy).
   */
  readerBacklogBytes: KIB * KIB,
  /**
   * Ten times what Aedes delivers at once (its concurrency of 100): deep enough to keep it busy,
   * shallow enough that its queue completing synchronously cannot overflow the stack (aedes #193).
   */
  maxPublishesInRouter: 1000,
};

/**
 * Room beyond the payload in the largest packet a device needs: a PUBLISH's topic and packet id,
 * or a CONNECT's client id, username, token and will topic. A packet announcing more than
 * payload + this ends its connection at its fixed header.
 */
export const PACKET_HEADROOM_BYTES = KIB;
/** The largest remaining length four length bytes can say [MQTT-2.2.3]. */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;
export const MAX_PAYLOAD_BYTES = MQTT_MAX_REMAINING_LENGTH - PACKET_HEADROOM_BYTES;
/** The keepalive field has 16 bits [MQTT-3.1.2.10]. */
export const MAX_KEEPALIVE_SECONDS = 65_535;
