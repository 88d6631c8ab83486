import type { Aedes, Client } from 'aedes';
import type { Metrics } from '../lib/metrics.js';

type Done = (error?: Error) => void;
/** Released entries kept at the head of the queue before it is copied without them. */
const COMPACT_AFTER = 4096;
type AedesPublish = (packet: Parameters<Aedes['publish']>[0], client: Client | null, done: Done) => void;
/** Aedes passes the publishing client as a middle argument, which its typings leave out. */
type Router = { publish: AedesPublish };

export interface RouterQueue {
  /** Null when a device's publish may go on now (a place is taken for it); else a promise that settles when it may. */
  admit(client: Client): Promise<void> | null;
  status(): { inRouter: number; waiting: number };
  stop(): void;
}

/**
 * The bound on publishes inside Aedes's router at once. Aedes hands every publish to mqemitter,
 * which delivers a hundred at a time and queues the rest without limit; when a slow subscriber
 * goes away, the whole queue completes synchronously, one message calling the next, and the
 * broker dies of a stack overflow (aedes #193, seen here with a lagging separate ingest). A
 * device's publish takes a place before it is authorised and gives it back once the router is
 * done with it; without a place it waits (its device's socket is not read meanwhile: TCP slows
 * it down).
 */
export function boundRouterQueue(aedes: Aedes, maxInRouter: number, metrics: Metrics): RouterQueue {
  /** Places taken by each client's publishes between authorisation and the router. */
  const taken = new Map<Client, number>();
  let placesTaken = 0;
  let inRouter = 0;
  /** First in, first out; `next` is the head, so releasing is not a shift of the whole array. */
  let waiting: Array<{ client: Client; release: () => void }> = [];
  let next = 0;

  const take = (client: Client) => {
    taken.set(client, (taken.get(client) ?? 0) + 1);
    placesTaken++;
  };
  const releaseWaiting = () => {
    while (next < waiting.length && placesTaken + inRouter < maxInRouter) {
      const { client, release } = waiting[next++] as (typeof waiting)[number];
      // A client gone while it waited publishes nothing: its place would never come back.
      if (!client.closed) take(client);
      release();
    }
    // Released entries are dropped now and then, so a queue that never empties does not grow.
    if (next === waiting.length || next > COMPACT_AFTER) [waiting, next] = [waiting.slice(next), 0];
  };

  const router = aedes as unknown as Router;
  const publish = router.publish.bind(aedes);
  const bounded: AedesPublish = (packet, client, done) => {
    const places = client ? (taken.get(client) ?? 0) : 0;
    if (!client || places === 0) return publish(packet, client, done);
    taken.set(client, places - 1);
    placesTaken--;
    inRouter++;
    publish(packet, client, (error) => {
      inRouter--;
      releaseWaiting();
      done(error);
    });
  };
  router.publish = bounded;

  const onDisconnect = (client: Client) => {
    placesTaken -= taken.get(client) ?? 0;
    taken.delete(client);
    releaseWaiting();
  };
  aedes.on('clientDisconnect', onDisconnect);

  return {
    admit(client) {
      if (next === waiting.length && placesTaken + inRouter < maxInRouter) {
        take(client);
        return null;
      }
      metrics.routerHeld.inc();
      return new Promise((release) => waiting.push({ client, release }));
    },
    status: () => ({ inRouter: inRouter + placesTaken, waiting: waiting.length - next }),
    stop() {
      router.publish = publish;
      aedes.off('clientDisconnect', onDisconnect);
      for (const { release } of waiting.splice(next)) release();
    },
  };
}
