import type { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { TOPIC_ROOT } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { TokenReplacementFeed } from '../lib/token-replacements.js';
import { secretsEqual, verifyStoredSecret } from '../store/credentials.js';
import type { ElevatorStore, GatewayStore } from '../store/types.js';
import { authenticate, CONNACK, type ConnectDecision, type CredentialVerifier } from './hooks/authenticate.js';
import { authorizePublish, authorizeWill } from './hooks/authorize-publish.js';
import { authorizeSubscribe } from './hooks/authorize-subscribe.js';
import { GatewayCache } from './hooks/gateway-cache.js';
import type { Principal } from './hooks/principal.js';
import {
  DEFAULT_TOKEN_CHECK_INTERVAL_MS,
  installHardening,
  type AddressFailures,
  type PeerCertificate,
} from './hardening.js';
import { DEFAULT_LIMITS, type BrokerLimits } from './limits.js';
import { createTlsServer, type BrokerTls } from './tls.js';
import { openBackends, type PersistenceStatus } from './persistence.js';
import { watchReaderBacklog, type ReaderBacklogStatus } from './reader-backlog.js';
import { MAX_QOS } from './packet-check.js';
import { markRedeliveries } from './redelivery.js';
import {
  dropWill,
  isLatestWill,
  numberWill,
  screenStoppedBrokersWills,
  watchWillWork,
  willConnection,
  willOwner,
  type WillPacket,
} from './wills.js';
import { boundRouterQueue, type RouterQueue } from './router-queue.js';

export interface BrokerOptions {
  readonly elevators: ElevatorStore;
  /** Building gateways; unset, none may connect. */
  readonly gateways?: GatewayStore;
  /** The admin key, which a separately running ingest presents as its MQTT password. */
  readonly adminToken: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Redis for sessions, QoS 1 queues and retained messages, shared with other brokers; unset keeps them in memory. */
  readonly redisUrl?: string;
  readonly host: string;
  readonly port: number;
  readonly wsPort: number;
  /** MQTT over TLS (mutual TLS when it has a CA); unset, none. */
  readonly tls?: BrokerTls | null;
  /** Each unset limit is its DEFAULT_LIMITS value. */
  readonly limits?: Partial<BrokerLimits>;
  /** Token replacements announced in this process: the device connected with the old token is dropped at once. */
  readonly tokenReplacements?: TokenReplacementFeed;
  /** How often the store is read for tokens replaced by another process; default 2 s. */
  readonly tokenCheckIntervalMs?: number;
  /**
   * Takes each allowed publish on an elevator topic (ingest in this process); the publish, and
   * its PUBACK, wait until it resolves. A rejection refuses the publish: the device resends.
   * `receivedAt` is given for a will (the time it is judged at); a publish is timed on arrival.
   */
  readonly accept?: (topic: string, payload: Buffer, qos: number, receivedAt?: Date) => Promise<void>;
  /**
   * How often this broker tells the brokers sharing its Redis that it runs (aedes' heartbeat);
   * one silent for three of them has stopped, and another publishes the wills it left. Default
   * DEFAULT_HEARTBEAT_INTERVAL_MS.
   */
  readonly heartbeatIntervalMs?: number;
}

type PublishDone = (error?: Error | null) => void;

/** A fixed header is at most five bytes: type and flags, and four of remaining length [MQTT-2.2]. */
const MQTT_MAX_FIXED_HEADER_BYTES = 5;
/** What ws calls a message over its maxPayload. */
const WS_MESSAGE_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

const ELEVATOR_TOPIC_PREFIX = `${TOPIC_ROOT}/`;
/** aedes' own: a stopped broker's wills are published within about four minutes. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 60_000;
/** CONNACK 3, server unavailable: the connection could not be numbered (its Redis failed). */
const SERVER_UNAVAILABLE = 3;

/** Whether mqtt-packet can write a message to a subscriber: its QoS 0, 1 or 2 and its topic a string. */
const isDeliverable = (packet: PublishPacket) =>
  Number.isInteger(packet.qos) && packet.qos >= 0 && packet.qos <= MAX_QOS && typeof packet.topic === 'string';

/** Aedes settings; the defaults of aedes are kept unless a reason is given. */
const AEDES_OPTIONS = {
  /** Our topics have three levels; a low cap keeps deep topics away from the router. */
  maxTopicLevels: 8,
  /** A subscriber that stops reading is dropped rather than stalling delivery to others. */
  drainTimeout: 30_000,
} as const;

export interface BrokerAddresses {
  readonly port: number;
  readonly wsPort: number;
  /** Null without TLS. */
  readonly tlsPort: number | null;
}

export interface Broker {
  readonly aedes: Aedes;
  listen(): Promise<BrokerAddresses>;
  status(): {
    listening: boolean;
    clients: number;
    failingAddresses: AddressFailures[];
    readerBacklog: ReaderBacklogStatus;
    router: ReturnType<RouterQueue['status']>;
  } & PersistenceStatus;
  close(): Promise<void>;
}

function listenOn(server: net.Server | http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server | http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** An Aedes broker (TCP and WebSocket) with liftwatch's deny-by-default hooks; not yet listening. */
export async function build(options: BrokerOptions): Promise<Broker> {
  const { elevators, metrics, logger } = options;
  const principals = new WeakMap<Client, Principal>();
  /** Each connecting client's will, from its CONNECT: judged once it is known who connects, numbered once let in. */
  const wills = new WeakMap<Client, NonNullable<ConnectPacket['will']>>();
  /** Source addresses of connections, TCP or WebSocket, for logging refusals. */
  const remoteAddresses = new WeakMap<object, string | undefined>();
  // An unknown id costs a verification too: a quicker CONNACK 4 would tell which ids are registered.
  const verifier: CredentialVerifier = {
    verifyDevice: (elevatorId, token) => verifyStoredSecret(token, elevators.tokenHash(elevatorId)),
    verifyService: (secret) => secretsEqual(secret, options.adminToken),
    verifyGateway: (gatewayId, token) => verifyStoredSecret(token, options.gateways?.tokenHash(gatewayId)),
  };
  const gatewayCache = new GatewayCache(elevators);
  gatewayCache.preload();

  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  /** An accepted client whose will it could not publish itself is refused. */
  const withWill = (client: Client, decision: ConnectDecision): ConnectDecision => {
    const will = wills.get(client);
    if (!decision.accepted || !will) return decision;
    const request = { topic: will.topic, payload: will.payload, retain: will.retain === true };
    const verdict = authorizeWill(decision.principal, request, limits.maxPayloadBytes, gatewayCache.gatewayOf);
    if (verdict.allowed) return decision;
    return {
      accepted: false,
      returnCode: CONNACK.notAuthorized,
      reason: `a will it may not publish: ${verdict.reason}`,
    };
  };

  const backends = await openBackends(options.redisUrl, logger);
  const elevatorTopic = (topic: string) => topic.startsWith(ELEVATOR_TOPIC_PREFIX);
  const aedes = new Aedes({
    ...AEDES_OPTIONS,
    heartbeatInterval: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    ...backends.aedesOptions,
    preConnect(client, packet, done) {
      if (packet.will) wills.set(client, packet.will);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      authenticate({ clientId: client.id, username, password }, verifier).then(
        (found) => {
          const decision = withWill(client, found);
          if (decision.accepted) {
            principals.set(client, decision.principal);
            return done(null, true);
          }
          metrics.authFailures.inc({ return_code: String(decision.returnCode) });
          logger.warn(
            {
              clientId: client.id,
              username,
              remote: remoteAddresses.get(client.conn),
              returnCode: decision.returnCode,
            },
            `MQTT connection refused: ${decision.reason}`,
          );
          const error = Object.assign(new Error(decision.reason), { returnCode: decision.returnCode });
          done(error as AuthenticateError, false);
        },
        (error: unknown) => {
          logger.error({ err: error, clientId: client.id }, 'MQTT authentication failed');
          done(Object.assign(new Error('authentication error'), { returnCode: 5 }) as AuthenticateError, false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      // Without a client: a will a stopped broker left, published by this one for the client it names.
      const principal = client ? principals.get(client) : willOwner(packet);
      const decision = authorizePublish(principal, packet, gatewayCache.gatewayOf);
      if (decision.allowed) {
        if (!elevatorTopic(packet.topic)) return done(null);
        const clientId = client?.id ?? (packet as WillPacket).clientId;
        if (willConnection(packet) !== undefined && clientId !== undefined) {
          return publishWill(client, clientId, packet, done);
        }
        // Ingest in this process first (its spool bounds its own wait), then a place in the router,
        // then room in the readers' backlog: a place is held only on the way into the router.
        const accepted = options.accept?.(packet.topic, packet.payload as Buffer, packet.qos);
        if (!accepted) return enterRouter(client, packet, done);
        return void accepted.then(() => enterRouter(client, packet, done), done);
      }
      // A stopped broker's will (numbered and naming its device: the screen let it through) that its
      // client may no longer publish, the elevator having left the gateway meanwhile, say.
      if (!client) return refuseStoppedBrokersWill(packet, decision.reason, done);
      metrics.publishDenied.inc();
      logger.warn({ clientId: client.id, topic: packet.topic }, `MQTT publish refused: ${decision.reason}`);
      done(new Error(decision.reason));
    },
    authorizeSubscribe(client, subscription, done) {
      const decision = authorizeSubscribe(principals.get(client), subscription.topic);
      if (decision.allowed) return done(null, subscription);
      logger.warn({ clientId: client.id, topic: subscription.topic }, `MQTT subscribe refused: ${decision.reason}`);
      done(null, null);
    },
    // The hooks run only once clients connect, after readerBacklog below exists.
    authorizeForward(client, packet) {
      if (isDeliverable(packet)) return readerBacklog.forward(client, packet);
      // Written, it would fail and close the subscriber's connection, and a persistent session
      // would get it again at every reconnect: dropped, it also leaves that session's queue.
      metrics.mqttUndeliverable.inc();
      logger.error(
        { clientId: client.id, topic: packet.topic, qos: packet.qos },
        'MQTT message dropped: no MQTT 3.1.1 packet can carry it',
      );
      return null;
    },
  });
  await aedes.listen();
  markRedeliveries(aedes);
  const willWork = watchWillWork(aedes);
  const skippedWill = (clientId: string | undefined, topic: string) => {
    metrics.willsSkipped.inc();
    // Every reconnect skips one (a whole fleet's after a restart): counted, logged only when debugging.
    logger.debug({ clientId, topic }, 'MQTT will not published: its client has connected again since');
  };
  const refusedWill = (will: WillPacket, reason: 'unattributed' | 'refused', detail: string) => {
    metrics.willsRefused.inc({ reason });
    logger.warn({ clientId: will.clientId, topic: will.topic }, `MQTT will of a stopped broker deleted: ${detail}`);
  };
  function refuseStoppedBrokersWill(packet: PublishPacket, reason: string, done: PublishDone): void {
    refusedWill(packet as WillPacket, 'refused', reason);
    dropWill(packet);
    done(null);
  }
  screenStoppedBrokersWills(aedes, backends.connections, (will, why) =>
    why === 'superseded'
      ? skippedWill(will.clientId, will.topic)
      : refusedWill(
          will,
          'unattributed',
          'no connection number or device names its client (an older liftwatch left it)',
        ),
  );
  // What aedes cannot do in the background (publish a stopped broker's wills, say) it emits here;
  // with nothing listening, the process would die of it.
  (aedes as EventEmitter).on('error', (error: Error) => logger.error({ err: error }, 'MQTT broker error'));
  const routerQueue = boundRouterQueue(aedes, limits.maxPublishesInRouter, metrics);
  const readerBacklog = watchReaderBacklog(aedes, {
    boundBytes: limits.readerBacklogBytes,
    isService: (client) => principals.get(client)?.kind === 'service',
    isElevatorTopic: elevatorTopic,
    metrics,
    logger,
  });
  /** A place in the router, then room in the readers' backlog: the publish goes on once it has both. */
  function enterRouter(client: Client | null, packet: PublishPacket, done: PublishDone): void {
    const place = client && routerQueue.admit(client);
    if (place) return void place.then(() => enterBacklog(packet, done), done);
    enterBacklog(packet, done);
  }
  function enterBacklog(packet: PublishPacket, done: PublishDone): void {
    const room = readerBacklog.admit(packet);
    if (room) return void room.then(() => done(null), done);
    done(null);
  }
  /**
   * A will goes the way of any publish while its connection is still its client's latest: asked
   * before ingest in this process takes it, and again after, as ingest waits for its disk. Once
   * it has a place in the router it is published; the router and the readers' backlog wait only
   * when the broker is overloaded. Ingest gets it timed before the first answer: a connection
   * numbered after that answer speaks later, so InfluxDB keeps its online 1 last, however late
   * the will reaches ingest (a busy event loop, say) and even when the second answer skips it.
   */
  function publishWill(client: Client | null, clientId: string, packet: PublishPacket, done: PublishDone): void {
    const judgedAt = new Date();
    const latest = () => isLatestWill(backends.connections, packet, clientId);
    const skip = () => {
      skippedWill(clientId, packet.topic);
      dropWill(packet);
      done(null);
    };
    void willWork.track(
      (async () => {
        if (!(await latest())) return skip();
        await options.accept?.(packet.topic, packet.payload as Buffer, packet.qos, judgedAt);
        if (!(await latest())) return skip();
        enterRouter(client, packet, done);
      })().catch(done),
    );
  }

  aedes.on('clientReady', () => metrics.mqttClients.set(aedes.connectedClients));
  aedes.on('clientDisconnect', () => metrics.mqttClients.set(aedes.connectedClients));
  aedes.on('connectionError', (client, error) =>
    logger.debug({ clientId: client?.id, err: error.message }, 'MQTT connection error'),
  );

  const hardening = installHardening(aedes, {
    limits,
    elevators,
    gateways: options.gateways,
    metrics,
    logger,
    tokenReplacements: options.tokenReplacements,
    tokenCheckIntervalMs: options.tokenCheckIntervalMs ?? DEFAULT_TOKEN_CHECK_INTERVAL_MS,
    addressOf: (conn) => remoteAddresses.get(conn),
  });
  // Once every check has let a client in, its connection is numbered (and its will with it):
  // before aedes announces the connection to the other brokers, which then close an older one.
  const authenticated = aedes.authenticate;
  aedes.authenticate = (client, username, password, done) =>
    authenticated.call(aedes, client, username, password, (error, success) => {
      if (!success) return done(error, success);
      backends.connections.next(client.id).then(
        (connection) => {
          const will = wills.get(client);
          if (will) numberWill(will, connection);
          done(null, true);
        },
        (failure: unknown) => {
          logger.error({ err: failure, clientId: client.id }, 'MQTT connection not numbered: refused');
          const refusal = Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE });
          done(refusal as AuthenticateError, false);
        },
      );
    });
  /** The connection rate limit, at accept: before a TLS handshake or an aedes client is spent on a flood. */
  const admit = (socket: net.Socket) => hardening.admit(socket.remoteAddress) || (socket.destroy(), false);
  const handle = (stream: Duplex, remote: string | undefined, peer?: PeerCertificate) => {
    const conn = hardening.guard(stream, peer);
    remoteAddresses.set(conn, remote);
    aedes.handle(conn);
  };

  const tcp = net.createServer((socket) => admit(socket) && handle(socket, socket.remoteAddress));
  const web = http.createServer((_request, response) => response.writeHead(426).end('MQTT over WebSocket only\n'));
  web.on('connection', admit);
  // ws holds a whole message before handing it on: its own limit keeps an oversize one out of memory.
  const wss = new WebSocketServer({ server: web, maxPayload: hardening.maxPacketBytes + MQTT_MAX_FIXED_HEADER_BYTES });
  wss.on('connection', (socket, request) => {
    const remote = request.socket.remoteAddress;
    const stream = createWebSocketStream(socket);
    // Ahead of the stream's own listener, which destroys it: one already destroyed was refused by the guard.
    socket.prependListener('error', (error: Error & { code?: string }) => {
      if (error.code === WS_MESSAGE_TOO_LARGE && !stream.destroyed) hardening.packetTooLarge(remote);
    });
    handle(stream, remote);
  });
  const tls = options.tls;
  const secure =
    tls &&
    createTlsServer(tls, {
      admit,
      handle: (socket, peer) => handle(socket, socket.remoteAddress, peer),
      failed: hardening.tlsFailed,
    });
  let listening = false;

  return {
    aedes,
    async listen() {
      const port = await listenOn(tcp, options.port, options.host);
      const wsPort = await listenOn(web, options.wsPort, options.host);
      const tlsPort = secure ? await listenOn(secure, tls.port, options.host) : null;
      listening = true;
      return { port, wsPort, tlsPort };
    },
    status: () => ({
      listening,
      clients: aedes.connectedClients,
      failingAddresses: hardening.failingAddresses(),
      readerBacklog: readerBacklog.status(),
      router: routerQueue.status(),
      ...backends.status(),
    }),
    async close() {
      listening = false;
      hardening.stop();
      gatewayCache.stop();
      readerBacklog.stop();
      routerQueue.stop();
      for (const socket of wss.clients) socket.terminate();
      await Promise.all([
        closeServer(tcp),
        closeServer(web),
        secure ? closeServer(secure) : undefined,
        backends.close(new Promise<void>((resolve) => aedes.close(() => resolve())).then(() => willWork.drained())),
      ]);
    },
  };
}
