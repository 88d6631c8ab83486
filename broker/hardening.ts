import type { Duplex } from 'node:stream';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { TokenReplacementFeed } from '../lib/token-replacements.js';
import { GATEWAY_USERNAME_PREFIX } from '../contract/index.js';
import type { ElevatorStore, GatewayStore } from '../store/types.js';
import { addressMatcher } from '../lib/address-list.js';
import { BoundedMap } from './bounded-map.js';
import { FrameGuard } from './frame-guard.js';
import { publishFault } from './packet-check.js';
import { CONNACK, type RefusalCode } from './hooks/authenticate.js';
import { checkCertificateName, checkPayloadSize, clampKeepalive } from './hooks/limits.js';
import { isFull, takeToken, type Bucket, type Rate } from './hooks/token-bucket.js';
import { PACKET_HEADROOM_BYTES, type BrokerLimits } from './limits.js';

const SECONDS_PER_MINUTE = 60;

/** How often the store is read for tokens replaced by another process. */
export const DEFAULT_TOKEN_CHECK_INTERVAL_MS = 2000;
/**
 * Each check reads the tokens issued in this last stretch (re-reading is harmless): it covers a
 * check delayed by a busy event loop, and writers that commit out of timestamp order.
 */
const TOKEN_CHECK_LOOKBACK_MS = 60_000;
/** Addresses remembered for the connection rate; the least recent are forgotten first. */
const CONNECT_BUCKETS_CAPACITY = 10_000;
/** Addresses remembered for their authentication failures. */
const FAILURE_LEDGER_CAPACITY = 1024;
/** How many of the most failing addresses the broker's status shows. */
const FAILING_ADDRESSES_SHOWN = 10;

export type RefusalReason =
  | 'payload_too_large'
  | 'packet_too_large'
  | 'publish_rate'
  | 'connect_rate'
  | 'tls_handshake'
  | 'token_replaced'
  | 'protocol_violation';

export interface AddressFailures {
  readonly address: string;
  readonly failures: number;
  readonly lastAt: string;
}

/** The client certificate's subject CN of a connection on a mutual-TLS listener. */
export interface PeerCertificate {
  readonly commonName: string | readonly string[] | undefined;
}

export interface HardeningOptions {
  readonly limits: BrokerLimits;
  readonly elevators: ElevatorStore;
  /** Building gateways, whose connections are checked as devices' are; unset, none connects. */
  readonly gateways: GatewayStore | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Token replacements announced in this process; without them only the periodic check sees them. */
  readonly tokenReplacements: TokenReplacementFeed | undefined;
  readonly tokenCheckIntervalMs: number;
  /** The source address of a connection handed to aedes. */
  readonly addressOf: (conn: object) => string | undefined;
}

export interface Hardening {
  /** The largest remaining length a packet may announce. */
  readonly maxPacketBytes: number;
  /** The connection rate limit, at accept (before TLS or aedes spend anything): false refuses. */
  admit(address: string | undefined): boolean;
  /** The connection as aedes should see it: cut off at a packet larger than maxPacketBytes. */
  guard(conn: Duplex, peer?: PeerCertificate): Duplex;
  /** A connection closed for a packet over maxPacketBytes outside the guard (WebSocket's own limit). */
  packetTooLarge(address: string | undefined): void;
  /** A failed TLS handshake, which on a mutual-TLS listener is a refused client certificate. */
  tlsFailed(address: string | undefined, error: Error): void;
  /** The addresses with the most authentication failures, most first. */
  failingAddresses(): AddressFailures[];
  stop(): void;
}

/** A device or gateway connection and the token hash it authenticated with. */
interface DeviceSession {
  readonly client: Client;
  readonly tokenHash: string;
}

/** The aedes client of a connection it handles (aedes sets `conn.client`); none before aedes has it. */
const clientOf = (conn: object) => (conn as { client?: Client }).client;

const connectError = (returnCode: RefusalCode, message: string) =>
  Object.assign(new Error(message), { returnCode }) as AuthenticateError;

/**
 * Puts liftwatch's limits in front of the broker's own hooks (preConnect, authenticate,
 * authorizePublish), which it wraps, and returns what the listeners need.
 */
export function installHardening(aedes: Aedes, options: HardeningOptions): Hardening {
  const { limits, elevators, gateways, metrics, logger } = options;
  const exempt = addressMatcher(limits.rateExempt);
  const publishRate: Rate = { perSecond: limits.publishRatePerSecond, burst: limits.publishBurst };
  const connectRate: Rate = {
    perSecond: limits.connectRatePerMinute / SECONDS_PER_MINUTE,
    burst: limits.connectRatePerMinute,
  };
  const maxPacketBytes = limits.maxPayloadBytes + PACKET_HEADROOM_BYTES;
  /** By elevator id, so reconnecting does not refill it; bounded by the registry, pruned when full. */
  const publishBuckets = new Map<string, Bucket>();
  const connectBuckets = new BoundedMap<string, { bucket: Bucket; refusing: boolean }>(CONNECT_BUCKETS_CAPACITY);
  const failures = new BoundedMap<string, { failures: number; lastAt: number }>(FAILURE_LEDGER_CAPACITY);
  /** By MQTT username: an elevator id, or `gateway:{id}`. */
  const sessions = new Map<string, DeviceSession>();
  /** The gateways among them: few enough to read each one's token at every check. */
  const gatewaySessions = new Set<string>();
  const isGateway = (username: string) => username.startsWith(GATEWAY_USERNAME_PREFIX);
  /** The token hash the username connects with now; undefined for none (unregistered, deleted, or a service). */
  const currentHash = (username: string) =>
    isGateway(username)
      ? gateways?.tokenHash(username.slice(GATEWAY_USERNAME_PREFIX.length))
      : elevators.tokenHash(username);
  const endSession = (username: string) => {
    sessions.delete(username);
    gatewaySessions.delete(username);
  };
  const peers = new WeakMap<object, PeerCertificate>();

  const refused = (reason: RefusalReason) => metrics.mqttRefusals.inc({ reason });
  const packetTooLarge = (address: string | undefined) => {
    refused('packet_too_large');
    logger.warn({ remote: address, maxPacketBytes }, 'MQTT connection closed: a packet over the size limit');
  };
  const protocolViolation = (address: string | undefined, clientId: string | undefined, reason: string) => {
    refused('protocol_violation');
    logger.warn({ remote: address, clientId }, `MQTT connection closed: ${reason}`);
  };
  const failedFrom = (address: string | undefined) => {
    if (address === undefined) return;
    const entry = failures.get(address);
    failures.set(address, { failures: (entry?.failures ?? 0) + 1, lastAt: Date.now() });
  };

  const preConnect = aedes.preConnect;
  aedes.preConnect = (client, packet, done) => {
    const keepalive = clampKeepalive(packet.keepalive ?? 0, limits.maxKeepaliveSeconds);
    if (keepalive !== packet.keepalive) {
      metrics.keepaliveClamped.inc();
      logger.debug({ clientId: packet.clientId, asked: packet.keepalive, keepalive }, 'MQTT keepalive clamped');
      packet.keepalive = keepalive;
    }
    preConnect.call(aedes, client, packet, done);
  };

  const authenticate = aedes.authenticate;
  aedes.authenticate = (client, username, password, done) => {
    const address = options.addressOf(client.conn);
    const refuse = (returnCode: RefusalCode, reason: string) => {
      failedFrom(address);
      metrics.authFailures.inc({ return_code: String(returnCode) });
      logger.warn({ clientId: client.id, username, remote: address, returnCode }, `MQTT connection refused: ${reason}`);
      done(connectError(returnCode, reason), false);
    };
    const peer = peers.get(client.conn);
    if (peer) {
      const decision = checkCertificateName(peer.commonName, username);
      if (!decision.allowed) return refuse(CONNACK.notAuthorized, decision.reason);
    }
    // Read before and after verifying: a token replaced meanwhile is not let in with the old one.
    const hashBefore = username === undefined ? undefined : currentHash(username);
    authenticate.call(aedes, client, username, password, (error, success) => {
      if (!success) {
        failedFrom(address);
        return done(error, success);
      }
      if (hashBefore !== undefined && username !== undefined) {
        if (currentHash(username) !== hashBefore) {
          return refuse(CONNACK.badUsernameOrPassword, 'the token was replaced while it was checked');
        }
        sessions.set(username, { client, tokenHash: hashBefore });
        if (isGateway(username)) gatewaySessions.add(username);
      }
      done(null, true);
    });
  };

  /** A connection's address does not change: looked up once, not at every publish (2.6% of the broker's time). */
  const exemptConnections = new WeakMap<object, boolean>();
  const exemptConnection = (conn: object) => {
    let known = exemptConnections.get(conn);
    if (known === undefined) exemptConnections.set(conn, (known = exempt(options.addressOf(conn))));
    return known;
  };

  const publishRefusal = (client: Client, payloadBytes: number): { reason: RefusalReason; text: string } | null => {
    const size = checkPayloadSize(payloadBytes, limits.maxPayloadBytes);
    if (!size.allowed) return { reason: 'payload_too_large', text: size.reason };
    // A closed client's publish is its will: once per connection, never rate limited.
    if (limits.publishRatePerSecond === 0 || client.closed || exemptConnection(client.conn)) return null;
    const { allowed, bucket } = takeToken(publishBuckets.get(client.id), publishRate, Date.now());
    publishBuckets.set(client.id, bucket);
    return allowed ? null : { reason: 'publish_rate', text: `over ${limits.publishRatePerSecond} publishes a second` };
  };

  const authorizePublish = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, done) => {
    const violation = client && publishFault(packet);
    if (violation) {
      protocolViolation(options.addressOf(client.conn), client.id, violation);
      return done(new Error(violation));
    }
    const refusal = client && publishRefusal(client, Buffer.byteLength(packet.payload));
    if (!refusal) return authorizePublish.call(aedes, client, packet, done);
    refused(refusal.reason);
    logger.warn(
      { clientId: client?.id, topic: packet.topic, remote: client && options.addressOf(client.conn) },
      `MQTT publish refused, connection closed: ${refusal.text}`,
    );
    done(new Error(refusal.text));
  };

  aedes.on('clientDisconnect', (client) => {
    if (sessions.get(client.id)?.client === client) endSession(client.id);
    const bucket = publishBuckets.get(client.id);
    if (bucket && isFull(bucket, publishRate, Date.now())) publishBuckets.delete(client.id);
  });

  /** Disconnects the device or gateway if it is connected with another token than `tokenHash` (none: deleted). */
  const recheck = (username: string, tokenHash: string | undefined) => {
    const session = sessions.get(username);
    if (!session || session.tokenHash === tokenHash) return;
    endSession(username);
    refused('token_replaced');
    logger.warn({ clientId: username }, 'MQTT client disconnected: its token was replaced or withdrawn');
    session.client.close();
  };
  const stopListening = options.tokenReplacements?.onTokenReplaced((username) =>
    recheck(username, currentHash(username)),
  );
  const tokenCheck = setInterval(() => {
    if (sessions.size === 0) return;
    const since = new Date(Date.now() - TOKEN_CHECK_LOOKBACK_MS);
    for (const { id, tokenHash } of elevators.tokensIssuedSince(since)) recheck(id, tokenHash);
    // A deleted gateway leaves no row to find by time: each connected one is read again.
    for (const username of gatewaySessions) recheck(username, currentHash(username));
  }, options.tokenCheckIntervalMs);
  tokenCheck.unref();

  return {
    maxPacketBytes,
    admit(address) {
      if (limits.connectRatePerMinute === 0 || address === undefined || exempt(address)) return true;
      const entry = connectBuckets.get(address);
      const { allowed, bucket } = takeToken(entry?.bucket, connectRate, Date.now());
      connectBuckets.set(address, { bucket, refusing: !allowed });
      if (!allowed) {
        refused('connect_rate');
        // One line when an address starts being refused, not one per connection of a flood.
        if (!entry?.refusing) logger.warn({ remote: address }, 'MQTT connections refused: over the connection rate');
      }
      return allowed;
    },
    guard(conn, peer) {
      const guarded = new FrameGuard(conn, maxPacketBytes, (verdict, reason) => {
        const remote = options.addressOf(guarded);
        if (verdict === 'too-large') return packetTooLarge(remote);
        protocolViolation(remote, clientOf(guarded)?.id, reason ?? 'malformed');
      });
      if (peer) peers.set(guarded, peer);
      return guarded;
    },
    packetTooLarge,
    tlsFailed(address, error) {
      refused('tls_handshake');
      failedFrom(address);
      logger.warn({ remote: address, err: error.message }, 'MQTT over TLS: handshake failed');
    },
    failingAddresses() {
      return [...failures]
        .sort(([, a], [, b]) => b.failures - a.failures)
        .slice(0, FAILING_ADDRESSES_SHOWN)
        .map(([address, entry]) => ({
          address,
          failures: entry.failures,
          lastAt: new Date(entry.lastAt).toISOString(),
        }));
    },
    stop() {
      clearInterval(tokenCheck);
      stopListening?.();
    },
  };
}
