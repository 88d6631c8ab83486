import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { TOPIC_ROOT } from '../contract/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { secretsEqual, verifySecret } from '../store/credentials.js';
import type { ElevatorStore } from '../store/types.js';
import { authenticate, type CredentialVerifier } from './hooks/authenticate.js';
import { authorizePublish } from './hooks/authorize-publish.js';
import { authorizeSubscribe } from './hooks/authorize-subscribe.js';
import type { Principal } from './hooks/principal.js';
import { openBackends, type PersistenceStatus } from './persistence.js';

export interface BrokerOptions {
  readonly elevators: ElevatorStore;
  /** The admin key, which a separately running ingest presents as its MQTT password. */
  readonly adminToken: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Redis for sessions, QoS 1 queues and retained messages, shared with other brokers; unset keeps them in memory. */
  readonly redisUrl?: string;
  readonly host: string;
  readonly port: number;
  readonly wsPort: number;
  /**
   * Takes each allowed publish on an elevator topic (ingest in this process); the publish, and
   * its PUBACK, wait until it resolves. A rejection refuses the publish: the device resends.
   */
  readonly accept?: (topic: string, payload: Buffer, qos: number) => Promise<void>;
}

const ELEVATOR_TOPIC_PREFIX = `${TOPIC_ROOT}/`;

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
}

export interface Broker {
  readonly aedes: Aedes;
  listen(): Promise<BrokerAddresses>;
  status(): { listening: boolean; clients: number } & PersistenceStatus;
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
  /** Source addresses of connections, TCP or WebSocket, for logging refusals. */
  const remoteAddresses = new WeakMap<object, string | undefined>();
  const verifier: CredentialVerifier = {
    async verifyDevice(elevatorId, token) {
      const hash = elevators.tokenHash(elevatorId);
      return hash !== undefined && (await verifySecret(token, hash));
    },
    verifyService: (secret) => secretsEqual(secret, options.adminToken),
  };

  const backends = await openBackends(options.redisUrl, logger);
  const aedes = new Aedes({
    ...AEDES_OPTIONS,
    ...backends.aedesOptions,
    authenticate(client, username, password, done) {
      authenticate({ clientId: client.id, username, password }, verifier).then(
        (decision) => {
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
      const decision = authorizePublish(client ? principals.get(client) : undefined, packet);
      if (decision.allowed) {
        if (!options.accept || !packet.topic.startsWith(ELEVATOR_TOPIC_PREFIX)) return done(null);
        return void options.accept(packet.topic, packet.payload as Buffer, packet.qos).then(
          () => done(null),
          (error: unknown) => done(error as Error),
        );
      }
      metrics.publishDenied.inc();
      logger.warn({ clientId: client?.id, topic: packet.topic }, `MQTT publish refused: ${decision.reason}`);
      done(new Error(decision.reason));
    },
    authorizeSubscribe(client, subscription, done) {
      const decision = authorizeSubscribe(principals.get(client), subscription.topic);
      if (decision.allowed) return done(null, subscription);
      logger.warn({ clientId: client.id, topic: subscription.topic }, `MQTT subscribe refused: ${decision.reason}`);
      done(null, null);
    },
  });
  await aedes.listen();

  aedes.on('clientReady', () => metrics.mqttClients.set(aedes.connectedClients));
  aedes.on('clientDisconnect', () => metrics.mqttClients.set(aedes.connectedClients));
  aedes.on('connectionError', (client, error) =>
    logger.debug({ clientId: client?.id, err: error.message }, 'MQTT connection error'),
  );

  const tcp = net.createServer((socket) => {
    remoteAddresses.set(socket, socket.remoteAddress);
    aedes.handle(socket);
  });
  const web = http.createServer((_request, response) => response.writeHead(426).end('MQTT over WebSocket only\n'));
  const wss = new WebSocketServer({ server: web });
  wss.on('connection', (socket, request) => {
    const stream = createWebSocketStream(socket);
    remoteAddresses.set(stream, request.socket.remoteAddress);
    aedes.handle(stream);
  });
  let listening = false;

  return {
    aedes,
    async listen() {
      const port = await listenOn(tcp, options.port, options.host);
      const wsPort = await listenOn(web, options.wsPort, options.host);
      listening = true;
      return { port, wsPort };
    },
    status: () => ({ listening, clients: aedes.connectedClients, ...backends.status() }),
    async close() {
      listening = false;
      for (const socket of wss.clients) socket.terminate();
      await Promise.all([
        closeServer(tcp),
        closeServer(web),
        backends.close(new Promise<void>((resolve) => aedes.close(() => resolve()))),
      ]);
    },
  };
}
