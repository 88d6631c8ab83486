import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import { ELEVATOR_ID_PATTERN, GATEWAY_USERNAME_PREFIX } from '../contract/index.js';
import type { Principal } from './hooks/principal.js';

/**
 * A will is published only while the connection that left it is its client's latest. A device
 * that drops from one broker and connects through another (or the same) has a newer connection
 * by then, and its old connection's will (`online 0`, retained) would land after the new
 * connection's `online 1`: seen in 1 or 2 of 20 moves between two brokers on one Redis. Each
 * authenticated connection takes the next number of its client id, kept where the brokers share
 * their sessions; its will carries the number, in Redis too, so a dead broker's will is judged
 * alike by the broker that publishes it.
 */

/** Where a will's connection number is kept on the will itself (persisted with it; never sent). */
const CONNECTION_FIELD = 'liftwatchConnection';
/** The Redis hash of each client id's latest connection number. */
const REDIS_CONNECTIONS_KEY = 'liftwatch:connections';

/** Numbers each client id's connections, in the order they are let in. */
export interface ConnectionNumbers {
  /** The number of a connection of `clientId` let in now: greater than any before it. */
  next(clientId: string): Promise<number>;
  /** The number of `clientId`'s latest connection; undefined before its first. */
  latest(clientId: string): Promise<number | undefined>;
}

/** For one broker keeping its sessions in memory. */
export function memoryConnectionNumbers(): ConnectionNumbers {
  /** One entry per client id that ever authenticated: the registry's elevators and gateways, and the readers. */
  const numbers = new Map<string, number>();
  return {
    async next(clientId) {
      const number = (numbers.get(clientId) ?? 0) + 1;
      numbers.set(clientId, number);
      return number;
    },
    latest: async (clientId) => numbers.get(clientId),
  };
}

/** For brokers sharing a Redis: the number is taken there, before the broker announces the connection to the others. */
export function redisConnectionNumbers(db: Redis): ConnectionNumbers {
  return {
    next: (clientId) => db.hincrby(REDIS_CONNECTIONS_KEY, clientId, 1),
    async latest(clientId) {
      const number = await db.hget(REDIS_CONNECTIONS_KEY, clientId);
      return number === null ? undefined : Number(number);
    },
  };
}

/** A will as aedes hands it to the broker's hooks and keeps it in its persistence. */
export interface WillPacket {
  readonly topic: string;
  /** Set by aedes' persistence when it stores the will. */
  readonly clientId?: string;
}

/** Marks a connection's will with the connection's number, before aedes stores it. */
export function numberWill(will: object, connection: number): void {
  Object.assign(will, { [CONNECTION_FIELD]: connection });
}

/** The number of the connection a will was left by; undefined for a publish, or a will an older liftwatch stored. */
export function willConnection(packet: object): number | undefined {
  const connection = (packet as Record<string, unknown>)[CONNECTION_FIELD];
  return typeof connection === 'number' ? connection : undefined;
}

/**
 * Who a numbered will speaks for when no connection of its client is at hand (a dead broker's
 * will, published by another broker): the elevator or gateway its client id names, bound to it at
 * CONNECT [MQTT-3.1.3-9]. Its topic was judged at that CONNECT.
 */
export function willOwner(packet: WillPacket): Principal | undefined {
  const clientId = packet.clientId;
  if (willConnection(packet) === undefined || clientId === undefined) return undefined;
  if (clientId.startsWith(GATEWAY_USERNAME_PREFIX)) {
    const id = clientId.slice(GATEWAY_USERNAME_PREFIX.length);
    return ELEVATOR_ID_PATTERN.test(id) ? { kind: 'gateway', id } : undefined;
  }
  return ELEVATOR_ID_PATTERN.test(clientId) ? { kind: 'elevator', id: clientId } : undefined;
}

/** Whether a will may still be published: its connection is its client's latest (a publish, or an unnumbered will, always). */
export async function isLatestWill(numbers: ConnectionNumbers, packet: WillPacket, clientId: string): Promise<boolean> {
  const connection = willConnection(packet);
  return connection === undefined || connection === (await numbers.latest(clientId));
}

/** Wills whose authorization let aedes go on, to be dropped by the publish that follows. */
const droppedWills = new WeakSet<object>();

/**
 * Lets aedes go on with a numbered will without publishing it: its authorization answers
 * `done(null)`, the publish that follows is dropped, and aedes deletes the will as it does a
 * published one. Refused instead, a stopped broker's will would end aedes' pass over those wills
 * (the rest waiting for the next pass, four heartbeats later, the refused one never deleted) and,
 * refused while aedes still gathers its batch, kill the process with an unhandled rejection.
 */
export function dropWill(will: object): void {
  droppedWills.add(will);
}

/** A will as aedes-persistence-redis (or aedes' memory persistence) stores it: both set by putWill. */
interface StoredWill extends WillPacket {
  readonly clientId: string;
  readonly brokerId: string;
}

/** What aedes' persistence does with the wills of brokers that stopped (aedes publishes them). */
interface WillStore {
  streamWill(brokers: object): AsyncIterable<StoredWill>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
}

/** Why a stopped broker's will was deleted unpublished. */
export type UnpublishedWill = 'superseded' | 'unattributed';

/**
 * The wills aedes finds left by a broker that stopped come through without those it should not
 * publish, which are deleted instead: a will whose client has connected again since (through any
 * broker, this one included), and one no connection number or device names (left by an older
 * liftwatch: whether its device came back cannot be told). What comes through has no client
 * connected here, so aedes authorizes it as the stopped broker's. Call once aedes listens (its
 * persistence exists from then).
 */
export function screenStoppedBrokersWills(
  aedes: Aedes,
  numbers: ConnectionNumbers,
  onDeleted: (will: WillPacket, why: UnpublishedWill) => void,
): void {
  const persistence = (aedes as unknown as { persistence: WillStore }).persistence;
  const clients = (aedes as unknown as { clients: Record<string, unknown> }).clients;
  const streamWill = persistence.streamWill.bind(persistence);
  const unpublished = async (will: StoredWill): Promise<UnpublishedWill | null> => {
    if (willOwner(will) === undefined) return 'unattributed';
    const latest = await isLatestWill(numbers, will, will.clientId);
    // A client connected here was numbered before it was let in: after the will's connection.
    return latest && clients[will.clientId] === undefined ? null : 'superseded';
  };
  persistence.streamWill = (brokers) =>
    (async function* publishable() {
      for await (const will of streamWill(brokers)) {
        const why = await unpublished(will);
        if (why === null) {
          yield will;
          continue;
        }
        await persistence.delWill({ id: will.clientId, brokerId: will.brokerId });
        onDeleted(will, why);
      }
    })();
}

type Done = (error?: Error | null) => void;
/** aedes.publish, with the publishing client its typings leave out. */
type AedesPublish = (packet: object, client: unknown, done?: Done) => void;

/** What a broker still has to do for wills: checks, publications, deletions from its persistence. */
export interface WillWork {
  /** Counts `work` as will work until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once no will work is left, counting the work that work under way starts. */
  drained(): Promise<void>;
}

/**
 * Follows the will work aedes does after a client is gone (publishing a numbered will, deleting a
 * will from the persistence), which nothing awaits: a broker that closes waits for it before it
 * lets its Redis go, else those commands fail as unhandled rejections. Call once aedes listens.
 */
export function watchWillWork(aedes: Aedes): WillWork {
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    const forget = () => void pending.delete(work);
    work.then(forget, forget);
    return work;
  };
  const persistence = (aedes as unknown as { persistence: WillStore }).persistence;
  const delWill = persistence.delWill.bind(persistence);
  persistence.delWill = (client) => track(delWill(client));
  const router = aedes as unknown as { publish: AedesPublish };
  const publish = router.publish.bind(aedes);
  router.publish = (packet, client, done) => {
    const [by, callback] = typeof client === 'function' ? [null, client as Done] : [client, done];
    if (willConnection(packet) === undefined) return publish(packet, by, callback);
    if (droppedWills.has(packet)) return callback?.(null);
    void track(new Promise<void>((resolve) => publish(packet, by, (error) => (resolve(), callback?.(error)))));
  };
  return {
    track,
    async drained() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
