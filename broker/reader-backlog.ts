import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

/** How often held publishes look again at a backlog, besides every acknowledgement a reader sends. */
const RECHECK_INTERVAL_MS = 100;
/** The gate opens again at half its bound, so it does not flap at every acknowledgement. */
const REOPEN_SHARE = 0.5;

export interface ReaderBacklogStatus {
  /** Bytes waiting for liftwatch's readers: unsent on their sockets, or queued for one offline. */
  readonly bytes: number;
  readonly boundBytes: number;
  /** True while device QoS 1 acknowledgements are held back. */
  readonly holding: boolean;
  readonly readers: number;
  readonly offlineReaders: number;
}

export interface ReaderBacklog {
  /** Null when a device's QoS 1 publish may go on now; else a promise that settles when it may. */
  admit(packet: PublishPacket): Promise<void> | null;
  /** aedes's authorizeForward: a QoS 0 message to a lagging reader is shed, and counted. */
  forward<P extends PublishPacket>(client: Client, packet: P): P | null;
  status(): ReaderBacklogStatus;
  stop(): void;
}

interface Options {
  readonly boundBytes: number;
  /** Whether a client is one of liftwatch's own services (a separate ingest, a recorder). */
  readonly isService: (client: Client) => boolean;
  /** Whether a topic is an elevator topic, the traffic a reader takes. */
  readonly isElevatorTopic: (topic: string) => boolean;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

const bytesOf = (packet: PublishPacket) => packet.topic.length + (packet.payload as Buffer).length;

/**
 * The bound on what the broker holds for a separately running ingest. Aedes writes every QoS 1
 * delivery to a subscriber at once and keeps it until acknowledged, so a reader slower than the
 * devices grows the broker's memory without limit until it dies (aedes #193). Here, while the
 * readers' backlog is over its bound, devices' QoS 1 publishes wait before their PUBACK (they
 * slow down; nothing is lost) and QoS 0 to the reader is shed. A reader with a persistent
 * session that is offline has its queue in the broker's persistence: that is counted too.
 */
export function watchReaderBacklog(aedes: Aedes, options: Options): ReaderBacklog {
  const { boundBytes, metrics, logger } = options;
  const readers = new Set<Client>();
  /** Bytes queued for each persistent reader while it is offline, by client id. */
  const offlineQueues = new Map<string, number>();
  const waiting: Array<() => void> = [];
  let holding = false;
  let timer: NodeJS.Timeout | undefined;

  const backlogBytes = () => {
    let bytes = 0;
    for (const reader of readers) bytes += reader.conn.writableLength;
    for (const queued of offlineQueues.values()) bytes += queued;
    return bytes;
  };

  const recheck = () => {
    const bytes = backlogBytes();
    metrics.readerBacklogBytes.set(bytes);
    const wasHolding = holding;
    holding = holding ? bytes > boundBytes * REOPEN_SHARE : bytes > boundBytes;
    if (holding && !wasHolding) {
      logger.warn(
        { bytes, boundBytes, offlineReaders: [...offlineQueues.keys()] },
        'a liftwatch reader is behind: device QoS 1 acknowledgements are held, QoS 0 to it is shed',
      );
    }
    if (holding) return;
    if (!wasHolding && waiting.length === 0) return;
    logger.info({ bytes }, 'the readers caught up: device acknowledgements flow again');
    clearInterval(timer);
    timer = undefined;
    for (const release of waiting.splice(0)) release();
  };

  const onSubscribe = (subscriptions: Array<{ topic: string }>, client: Client) => {
    if (!options.isService(client) || !subscriptions.some((s) => options.isElevatorTopic(s.topic))) return;
    readers.add(client);
    offlineQueues.delete(client.id);
    recheck();
  };
  const onDisconnect = (client: Client) => {
    if (!readers.delete(client)) return;
    // A clean session's queue ends with its connection [MQTT-3.1.2-6]; a persistent one's stays.
    if (client.clean === false) offlineQueues.set(client.id, 0);
    recheck();
  };
  const onAck = (_packet: unknown, client: Client) => {
    if (readers.has(client) && (holding || waiting.length > 0)) recheck();
  };
  aedes.on('subscribe', onSubscribe);
  aedes.on('clientDisconnect', onDisconnect);
  aedes.on('ack', onAck);

  return {
    admit(packet) {
      if (packet.qos === 0 || (readers.size === 0 && offlineQueues.size === 0)) return null;
      if (!holding) recheck();
      if (!holding) {
        // Counted as it is let in: the queues of offline readers are where it will wait.
        for (const [id, queued] of offlineQueues) offlineQueues.set(id, queued + bytesOf(packet));
        return null;
      }
      metrics.acksHeld.inc();
      timer ??= setInterval(recheck, RECHECK_INTERVAL_MS);
      return new Promise((resolve) => waiting.push(() => resolve(this.admit(packet) ?? undefined)));
    },
    forward(client, packet) {
      if (packet.qos !== 0 || !holding || !readers.has(client)) return packet;
      metrics.messagesShed.inc();
      return null;
    },
    status: () => ({
      bytes: backlogBytes(),
      boundBytes,
      holding,
      readers: readers.size,
      offlineReaders: offlineQueues.size,
    }),
    stop() {
      clearInterval(timer);
      aedes.off('subscribe', onSubscribe);
      aedes.off('clientDisconnect', onDisconnect);
      aedes.off('ack', onAck);
      for (const release of waiting.splice(0)) release();
    },
  };
}
