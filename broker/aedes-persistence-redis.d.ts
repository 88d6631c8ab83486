/** The part of aedes-persistence-redis 12 that liftwatch uses; the package ships no types. */
declare module 'aedes-persistence-redis' {
  import type { Redis, RedisOptions } from 'ioredis';

  namespace aedesPersistenceRedis {
    interface Options extends RedisOptions {
      /** A connection made by the caller, used instead of one made from the other options. */
      conn?: Redis;
      /** Queued messages a returning persistent session gets at its CONNECT; default 1000. */
      maxSessionDelivery?: number;
    }

    interface Persistence {
      /** Leaves the broker's subscription channel and disconnects from Redis. */
      destroy(): Promise<void>;
    }
  }

  function aedesPersistenceRedis(options?: aedesPersistenceRedis.Options): aedesPersistenceRedis.Persistence;
  export = aedesPersistenceRedis;
}
