import type { Aedes, Client, PublishPacket, PubrelPacket } from 'aedes';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

/** How often held publishes look again at a backlog, besides every acknowledgement a reader sends. */
const RECHECK_INTERVAL_MS = 100;
/** The gate opens again at half its bound, so it does not flap at every acknowledgement. */
const REOPEN_SHARE = 0.5;

export interface ReaderBacklogStatus {
  /** Bytes let in for liftwatch's readers and not yet acknowledged by them (sent, or queued while offline). */
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

/** What one reader has not acknowledged yet: sent to it, on its socket, or queued while it is offline. */
interface Unacknowledged {
  messages: number;
  bytes: number;
}

/**
 * The bound on what the broker holds for a separately running ingest. Aedes acknowledges a
 * device's QoS 1 publish at once and keeps each delivery to a subscriber until that subscriber
 * acknowledges it, so a reader slower than the devices grows the broker's memory without limit
 * until it dies (aedes #193). Here every QoS 1 elevator message let in counts toward each
 * reader's backlog until that reader acknowledges it, whether it is connected or offline with a
 * persistent session; while the backlog is over its bound, devices' QoS 1 publishes wait before
 * their PUBACK (they slow down; nothing is lost) and QoS 0 to the readers is shed.
 */
export function watchReaderBacklog(aedes: Aedes, options: Options): ReaderBacklog {
  const { boundBytes, metrics, logger } = options;
  /** Each reader's backlog by client id; a persistent session's outlives its connection. */
  const backlogs = new Map<string, Unacknowledged>();
  const connected = new Set<Client>();
  const waiting: Array<() => void> = [];
  let holding = false;
  let timer: NodeJS.Timeout | undefined;

  const backlogBytes = () => {
    let bytes = 0;
    for (const backlog of backlogs.values()) bytes += backlog.bytes;
    return bytes;
  };

  const recheck = () => {
    const bytes = backlogBytes();
    metrics.readerBacklogBytes.set(bytes);
    const wasHolding = holding;
    holding = holding ? bytes > boundBytes * REOPEN_SHARE : bytes > boundBytes;
    if (holding && !wasHolding) {
      logger.warn(
        { bytes, boundBytes, readers: [...backlogs.keys()] },
        'a liftwatch reader is behind: device QoS 1 acknowledgements are held, QoS 0 to it is shed',
      );
    }
    if (holding || !wasHolding) return;
    logger.info({ bytes }, 'the readers caught up: device acknowledgements flow again');
    clearInterval(timer);
    timer = undefined;
    for (const release of waiting.splice(0)) release();
  };

  const onSubscribe = (subscriptions: Array<{ topic: string; qos: number }>, client: Client) => {
    // A reader at QoS 0 acknowledges nothing: there is nothing for the broker to keep for it.
    const reads = subscriptions.some((s) => s.qos > 0 && options.isElevatorTopic(s.topic));
    if (!options.isService(client) || !reads) return;
    connected.add(client);
    // A clean session starts with nothing queued [MQTT-3.1.2-6]; a persistent one resumes its queue.
    if (client.clean || !backlogs.has(client.id)) backlogs.set(client.id, { messages: 0, bytes: 0 });
    recheck();
  };
  const onDisconnect = (client: Client) => {
    if (!connected.delete(client)) return;
    if (client.clean) backlogs.delete(client.id);
    recheck();
  };
  const onAck = (packet: PublishPacket | PubrelPacket | undefined, client: Client) => {
    const backlog = connected.has(client) ? backlogs.get(client.id) : undefined;
    if (!backlog || backlog.messages === 0) return;
    // The broker's persistence hands back the acknowledged packet; without it, count an average one.
    const bytes = packet?.cmd === 'publish' ? bytesOf(packet) : backlog.bytes / backlog.messages;
    backlog.messages--;
    backlog.bytes = backlog.messages === 0 ? 0 : Math.max(0, backlog.bytes - bytes);
    if (holding) recheck();
  };
  aedes.on('subscribe', onSubscribe);
  aedes.on('clientDisconnect', onDisconnect);
  aedes.on('ack', onAck);

  return {
    admit(packet) {
      if (packet.qos === 0 || backlogs.size === 0) return null;
      if (!holding) recheck();
      if (!holding) {
        const bytes = bytesOf(packet);
        for (const backlog of backlogs.values()) {
          backlog.messages++;
          backlog.bytes += bytes;
        }
        return null;
      }
      metrics.acksHeld.inc();
      timer ??= setInterval(recheck, RECHECK_INTERVAL_MS);
      // Released, it is admitted again: the backlog may be full once more by then.
      return new Promise((resolve) => waiting.push(() => resolve(this.admit(packet) ?? undefined)));
    },
    forward(client, packet) {
      if (packet.qos !== 0 || !holding || !connected.has(client)) return packet;
      metrics.messagesShed.inc();
      return null;
    },
    status: () => ({
      bytes: backlogBytes(),
      boundBytes,
      holding,
      readers: connected.size,
      offlineReaders: backlogs.size - connected.size,
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
