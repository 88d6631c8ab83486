import type { EventEmitter } from 'node:events';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { Redis, type RedisOptions } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import { LiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { memoryConnectionNumbers, redisConnectionNumbers, type ConnectionNumbers } from './wills.js';

/**
 * Queued messages a returning persistent session (a split ingest) gets at its CONNECT: the Redis
 * persistence reads the queue once per CONNECT, so the rest wait for the next one. The library's
 * default, 1000, is a fraction of a second of a city's traffic; the bound stays because the broker
 * holds the key of each message it reads (a few MB for these).
 */
const MAX_SESSION_DELIVERY = 100_000;
const DEFAULT_REDIS_PORT = 6379;

/** Where the broker keeps sessions, subscriptions, QoS 1 queues and retained messages. */
export type PersistenceStatus =
  { readonly persistence: 'memory' } | { readonly persistence: 'redis'; readonly redisReachable: boolean };

export interface BrokerBackends {
  /** Spread into the Aedes options; empty for Aedes' in-memory defaults. */
  readonly aedesOptions: { readonly persistence?: unknown; readonly mq?: unknown };
  /** Numbers each client's connections, across the brokers sharing these sessions. */
  readonly connections: ConnectionNumbers;
  status(): PersistenceStatus;
  /**
   * Resolves once Aedes has closed (`aedesClosed`, which quits the emitter's connections) and Redis is
   * released. A Redis that does not answer is dropped instead: quitting would wait for it forever.
   */
  close(aedesClosed: Promise<void>): Promise<void>;
}

const inMemory = (): BrokerBackends => ({
  aedesOptions: {},
  connections: memoryConnectionNumbers(),
  status: () => ({ persistence: 'memory' }),
  close: (aedesClosed) => aedesClosed,
});

/** host:port of a redis:// URL, without the password it may carry. */
function redisAddress(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || DEFAULT_REDIS_PORT}`;
}

/**
 * The broker's persistence and message emitter: Aedes' in-memory ones without a Redis URL (one broker),
 * or aedes-persistence-redis and mqemitter-redis on that Redis, so sessions, QoS 1 queues and retained
 * messages outlive the broker and brokers sharing the Redis deliver each other's messages. Fails at once
 * when Redis does not answer, rather than starting a broker that cannot keep anything.
 */
export async function openBackends(redisUrl: string | undefined, logger: Logger): Promise<BrokerBackends> {
  if (redisUrl === undefined) return inMemory();
  const address = redisAddress(redisUrl);
  // While Redis is away, commands wait in memory for it rather than fail after ioredis' 20 retries
  // (about 10 s): aedes has already sent the PUBACK of the message a command carries, so failing loses it.
  // Measured over a 25 s outage: 209 of 600 acknowledged messages lost with the default, none waiting.
  const connect = (options: RedisOptions = {}) =>
    new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, ...options });
  const db = connect();
  // mqemitter-redis pipelines the connections it makes itself; this one gets the same.
  const pub = connect({ enableAutoPipelining: true });
  const sub = connect();
  const connections = [db, pub, sub];
  const reachable = () => connections.every((connection) => connection.status === 'ready');

  // An outage is logged once when it starts and once when it ends; ioredis reconnects by itself.
  // Before the first connection, the error goes into the one that refuses to start instead.
  let connected = false;
  let reportedDown = false;
  let lastError: Error | undefined;
  const onError = (error: Error) => {
    lastError = error;
    if (!connected || reportedDown) return;
    reportedDown = true;
    logger.error({ err: error, redis: address }, 'Redis is not reachable: broker sessions and routing wait for it');
  };
  const onReady = () => {
    if (!reportedDown || !reachable()) return;
    reportedDown = false;
    logger.info({ redis: address }, 'Redis is reachable again');
  };
  for (const connection of connections) connection.on('error', onError).on('ready', onReady);

  try {
    await Promise.all(connections.map((connection) => connection.connect()));
  } catch (error) {
    for (const connection of connections) connection.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    const message = `Redis at ${address} (LW_REDIS_URL) is not reachable: ${reason}`;
    throw new LiftwatchError('LW_ERR_REDIS_UNAVAILABLE', message, { cause: error });
  }
  connected = true;

  const persistence = aedesPersistenceRedis({ conn: db, maxSessionDelivery: MAX_SESSION_DELIVERY });
  const mq = mqemitterRedis({ pubConn: pub, subConn: sub });
  // The emitter re-emits its connections' errors on `state`, which throws when nothing listens (untyped upstream).
  (mq as unknown as { state: EventEmitter }).state.on('error', onError);
  logger.info({ redis: address }, 'broker sessions, queues and retained messages in Redis');

  async function close(aedesClosed: Promise<void>) {
    const lost = new Promise<void>((resolve) => {
      if (!reachable()) return resolve();
      for (const connection of connections) connection.once('reconnecting', () => resolve());
    });
    await Promise.race([aedesClosed.then(() => persistence.destroy()), lost]);
    for (const connection of connections) connection.disconnect();
  }
  let closing: Promise<void> | undefined;
  return {
    aedesOptions: { persistence, mq },
    connections: redisConnectionNumbers(db),
    status: () => ({ persistence: 'redis', redisReachable: reachable() }),
    close: (aedesClosed) => (closing ??= close(aedesClosed)),
  };
}
