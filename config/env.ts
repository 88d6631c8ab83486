import path from 'node:path';
import { z } from 'zod';
import { LiftwatchError } from '../lib/errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../lib/logger.js';
import { urlHost } from '../lib/net.js';
import { DEFAULT_MIN_VISIT_MINUTES } from '../contract/maintenance.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../contract/payloads.js';
import { parseDuration } from '../lib/duration.js';
import { MAX_NICENESS } from '../lib/priority.js';
import { parseSubnet } from '../lib/address-list.js';
import { DEFAULT_LIMITS, MAX_KEEPALIVE_SECONDS, MAX_PAYLOAD_BYTES, type BrokerLimits } from '../broker/limits.js';
import type { TlsFiles } from '../broker/tls.js';
import { WEBHOOK_DEFAULTS } from '../webhooks/index.js';
import { DEFAULT_OUTBOUND_ALLOW } from '../webhooks/outbound.js';

/** Unset and empty variables both mean "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const PORT = 'a port number from 0 to 65535 (0 picks a free one)';
const port = (fallback: number) =>
  optional(z.coerce.number({ error: PORT }).int(PORT).min(0, PORT).max(65535, PORT)).transform(
    (value) => value ?? fallback,
  );
/** A whole number in [min, max], or `fallback` when unset. */
const intBetween = (min: number, max: number, fallback: number) => {
  const expected = `a whole number from ${min} to ${max}`;
  return optional(z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected)).transform(
    (value) => value ?? fallback,
  );
};
const positiveInt = (fallback: number, max: number) => intBetween(1, max, fallback);
const wholeNumber = (fallback: number, max: number) => intBetween(0, max, fallback);

const DURATION = 'a duration such as 30m, 24h or 3d';
const duration = (fallbackMs: number) =>
  optional(
    z
      .string()
      .transform((text) => parseDuration(text))
      .refine((ms) => ms !== null && ms > 0, DURATION),
  ).transform((ms) => ms ?? fallbackMs);

const SUBNETS = 'addresses or subnets (10.0.0.0/8) separated by commas, or none';
const NO_SUBNETS = 'none';
const subnetList = (fallback: readonly string[]) =>
  optional(
    z
      .string()
      .transform((text) => (text.trim() === NO_SUBNETS ? [] : text.split(',').map((item) => item.trim())))
      .refine((items) => items.every((item) => parseSubnet(item) !== null), SUBNETS),
  ).transform((items) => items ?? fallback);

/** MQTT over TLS listens here when LW_TLS_CERT and LW_TLS_KEY are set (IANA's port for secure MQTT). */
export const DEFAULT_MQTT_TLS_PORT = 8883;
const MAX_MQTT_RATE = 1_000_000;

const HOUR_MS = 3_600_000;
/** A key replaced by a rotation keeps working this long. */
export const DEFAULT_KEY_GRACE_MS = 24 * HOUR_MS;

const GIB = 1024 ** 3;
/** The ingest spool's bound: at about 200 bytes a point, five million points. */
export const DEFAULT_SPOOL_MAX_BYTES = GIB;
const MAX_SPOOL_BYTES = 1024 * GIB;
/** The broker holds a reader's backlog in memory: more than this is a configuration mistake. */
const MAX_READER_BACKLOG_BYTES = 4 * GIB;
/** Past a few thousand, the router's queue can overflow the stack again (aedes #193). */
const MAX_IN_ROUTER = 5000;

/** Requests per minute one principal's keys (or one address without a valid key) may make to the HTTP API. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
/** Live ticket feeds one key's owner may hold open in one API process: a console tab is one. */
export const DEFAULT_LIVE_FEEDS_PER_KEY = 20;
const MAX_LIVE_FEEDS_PER_KEY = 10_000;

/**
 * The local influxd yields the CPU to liftwatch when both want it: a slow compaction delays
 * points (they wait in the spool), a starved broker delays acknowledgements and critical tickets.
 */
const DEFAULT_INFLUXD_NICENESS = 10;

/** A maintenance visit shorter than LW_MIN_VISIT_MINUTES is flagged for the insurer's spot check; at most a working day. */
const MAX_MIN_VISIT_MINUTES = 480;

/** The operator contract of DESIGN.md: every variable, its default, and what it accepts. */
export const envSchema = z.object({
  LW_DATA_DIR: optional(z.string()).transform((value) => value ?? './data'),
  LW_HOST: optional(z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], 'an IPv4 or IPv6 address')).transform(
    (value) => value ?? '127.0.0.1',
  ),
  LW_MQTT_PORT: port(1883),
  LW_MQTT_WS_PORT: port(8083),
  LW_MQTT_TLS_PORT: port(DEFAULT_MQTT_TLS_PORT),
  LW_TLS_CERT: optional(z.string()),
  LW_TLS_KEY: optional(z.string()),
  LW_TLS_CA: optional(z.string()),
  LW_MQTT_MAX_PAYLOAD_BYTES: positiveInt(DEFAULT_LIMITS.maxPayloadBytes, MAX_PAYLOAD_BYTES),
  LW_MQTT_PUBLISH_RATE: wholeNumber(DEFAULT_LIMITS.publishRatePerSecond, MAX_MQTT_RATE),
  LW_MQTT_PUBLISH_BURST: positiveInt(DEFAULT_LIMITS.publishBurst, MAX_MQTT_RATE),
  LW_MQTT_CONNECT_RATE: wholeNumber(DEFAULT_LIMITS.connectRatePerMinute, MAX_MQTT_RATE),
  LW_MQTT_MAX_KEEPALIVE: wholeNumber(DEFAULT_LIMITS.maxKeepaliveSeconds, MAX_KEEPALIVE_SECONDS),
  LW_MQTT_RATE_EXEMPT: subnetList(DEFAULT_LIMITS.rateExempt),
  LW_MQTT_READER_BACKLOG_BYTES: positiveInt(DEFAULT_LIMITS.readerBacklogBytes, MAX_READER_BACKLOG_BYTES),
  LW_MQTT_MAX_IN_ROUTER: positiveInt(DEFAULT_LIMITS.maxPublishesInRouter, MAX_IN_ROUTER),
  LW_HTTP_PORT: port(8080),
  LW_INFLUX_PORT: port(8086),
  INFLUX_URL: optional(z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })),
  INFLUX_DB: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a database name of A-Z, a-z, 0-9, _ or -')).transform(
    (value) => value ?? 'liftwatch',
  ),
  INFLUX_USER: optional(z.string()),
  INFLUX_PASSWORD: optional(z.string()),
  LW_INFLUXD_BIN: optional(z.string()).transform((value) => value ?? 'influxd'),
  LW_INFLUXD_NICE: wholeNumber(DEFAULT_INFLUXD_NICENESS, MAX_NICENESS),
  LW_ADMIN_TOKEN: optional(z.string().min(16, 'at least 16 characters')),
  LW_MQTT_URL: optional(z.url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'an mqtt:// or ws:// URL' })),
  LW_REDIS_URL: optional(z.url({ protocol: /^redis$/, error: 'a redis:// URL' })),
  LW_API_URL: optional(z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })),
  LW_BATCH_SIZE: positiveInt(5000, 100_000),
  LW_BATCH_INTERVAL_MS: positiveInt(1000, 60_000),
  LW_SPOOL_MAX_BYTES: positiveInt(DEFAULT_SPOOL_MAX_BYTES, MAX_SPOOL_BYTES),
  LW_MAX_CLOCK_SKEW: duration(DEFAULT_MAX_CLOCK_SKEW_MS),
  LW_RATE_LIMIT_PER_MINUTE: wholeNumber(DEFAULT_RATE_LIMIT_PER_MINUTE, MAX_RATE_LIMIT_PER_MINUTE),
  LW_KEY_GRACE: duration(DEFAULT_KEY_GRACE_MS),
  LW_LIVE_FEEDS_PER_KEY: positiveInt(DEFAULT_LIVE_FEEDS_PER_KEY, MAX_LIVE_FEEDS_PER_KEY),
  LW_WEBHOOK_EXPIRE: duration(WEBHOOK_DEFAULTS.expireAfterMs),
  LW_OUTBOUND_ALLOW: subnetList(DEFAULT_OUTBOUND_ALLOW),
  LW_MIN_VISIT_MINUTES: positiveInt(DEFAULT_MIN_VISIT_MINUTES, MAX_MIN_VISIT_MINUTES),
  LW_LOG_LEVEL: optional(z.enum(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`)).transform(
    (value): LogLevel => value ?? 'info',
  ),
  LW_LOG_FORMAT: optional(z.enum(LOG_FORMATS, `one of ${LOG_FORMATS.join(', ')}`)).transform(
    (value): LogFormat | null => value ?? null,
  ),
});

export type Env = z.input<typeof envSchema>;

export interface LiftwatchConfig {
  /** Absolute path of the data directory: SQLite store, admin token, embedded InfluxDB. */
  readonly dataDir: string;
  /** Address every listener binds to. */
  readonly host: string;
  readonly mqtt: {
    readonly port: number;
    readonly wsPort: number;
    /** The MQTT-over-TLS listener's port and PEM files; null when LW_TLS_CERT and LW_TLS_KEY are unset. */
    readonly tls: TlsFiles | null;
    readonly limits: BrokerLimits;
    /** Where liftwatch's own clients (a split ingest, the simulator) reach the broker. */
    readonly url: string;
    /** Redis for the broker's sessions, queues and retained messages, shared by brokers; null keeps them in memory. */
    readonly redisUrl: string | null;
  };
  readonly http: {
    readonly port: number;
    readonly url: string;
    /** Requests per minute per principal, its keys together (per address without a valid key); 0: no limit. */
    readonly rateLimitPerMinute: number;
    /** How long a key (or webhook secret) replaced by a rotation keeps working. */
    readonly keyGraceMs: number;
    /** Live ticket feeds one key's owner may hold open at once, per API process. */
    readonly liveFeedsPerKey: number;
  };
  readonly webhooks: {
    /** A delivery not accepted within this long is marked failed, kept, and can be retried by hand. */
    readonly expireAfterMs: number;
    /** Subnets webhooks may reach although loopback, private or reserved; empty refuses them all. */
    readonly outboundAllow: readonly string[];
  };
  readonly maintenance: {
    /** Visits shorter than this many minutes are flagged for the insurer's spot check. */
    readonly minVisitMinutes: number;
  };
  readonly influx: {
    /** A running InfluxDB 1.x API; null starts the local influxd. */
    readonly url: string | null;
    readonly db: string;
    readonly user: string | undefined;
    readonly password: string | undefined;
    readonly embedded: { readonly port: number; readonly binary: string; readonly niceness: number };
  };
  readonly ingest: {
    readonly batchSize: number;
    readonly batchIntervalMs: number;
    /** Bytes of points the disk spool holds while InfluxDB is away or slow; beyond it QoS 1 waits and QoS 0 telemetry is shed. */
    readonly spoolMaxBytes: number;
    /** A message whose `ts` is further ahead of its arrival is a dead letter (`clock_ahead`); older times are kept. */
    readonly maxClockSkewMs: number;
  };
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  /** Null: lines for a person when stderr is a terminal, JSON lines when it is not. */
  readonly logFormat: LogFormat | null;
}

/** Certificate and key come together; a CA (mutual TLS) only with them. Paths are relative to `cwd`. */
function tlsFiles(e: z.output<typeof envSchema>, cwd: string): TlsFiles | null {
  const { LW_TLS_CERT: certFile, LW_TLS_KEY: keyFile, LW_TLS_CA: caFile } = e;
  const missing = (name: string, because: string) =>
    new LiftwatchError('LW_ERR_CONFIG', `${name} is not set: expected a PEM file, ${because}`);
  if (certFile === undefined && keyFile === undefined) {
    if (caFile !== undefined) throw missing('LW_TLS_CERT', 'as LW_TLS_CA is set (mutual TLS needs a TLS listener)');
    return null;
  }
  if (certFile === undefined) throw missing('LW_TLS_CERT', 'as LW_TLS_KEY is set');
  if (keyFile === undefined) throw missing('LW_TLS_KEY', 'as LW_TLS_CERT is set');
  return {
    port: e.LW_MQTT_TLS_PORT,
    certFile: path.resolve(cwd, certFile),
    keyFile: path.resolve(cwd, keyFile),
    caFile: caFile === undefined ? null : path.resolve(cwd, caFile),
  };
}

/** Parses the environment once; a bad value throws LW_ERR_CONFIG naming the variable and what it accepts. */
export function loadConfig(env: Env = process.env as Env, cwd = process.cwd()): LiftwatchConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${JSON.stringify(env[name as keyof Env] ?? '')} is not valid: expected ${issue.message}`;
    });
    throw new LiftwatchError('LW_ERR_CONFIG', problems.join('\n'));
  }
  const e = result.data;
  const reach = urlHost(e.LW_HOST);
  return {
    dataDir: path.resolve(cwd, e.LW_DATA_DIR),
    host: e.LW_HOST,
    mqtt: {
      port: e.LW_MQTT_PORT,
      wsPort: e.LW_MQTT_WS_PORT,
      tls: tlsFiles(e, cwd),
      limits: {
        maxPayloadBytes: e.LW_MQTT_MAX_PAYLOAD_BYTES,
        publishRatePerSecond: e.LW_MQTT_PUBLISH_RATE,
        publishBurst: e.LW_MQTT_PUBLISH_BURST,
        connectRatePerMinute: e.LW_MQTT_CONNECT_RATE,
        maxKeepaliveSeconds: e.LW_MQTT_MAX_KEEPALIVE,
        rateExempt: e.LW_MQTT_RATE_EXEMPT,
        readerBacklogBytes: e.LW_MQTT_READER_BACKLOG_BYTES,
        maxPublishesInRouter: e.LW_MQTT_MAX_IN_ROUTER,
      },
      url: e.LW_MQTT_URL ?? `mqtt://${reach}:${e.LW_MQTT_PORT}`,
      redisUrl: e.LW_REDIS_URL ?? null,
    },
    http: {
      port: e.LW_HTTP_PORT,
      url: e.LW_API_URL ?? `http://${reach}:${e.LW_HTTP_PORT}`,
      rateLimitPerMinute: e.LW_RATE_LIMIT_PER_MINUTE,
      keyGraceMs: e.LW_KEY_GRACE,
      liveFeedsPerKey: e.LW_LIVE_FEEDS_PER_KEY,
    },
    webhooks: { expireAfterMs: e.LW_WEBHOOK_EXPIRE, outboundAllow: e.LW_OUTBOUND_ALLOW },
    maintenance: { minVisitMinutes: e.LW_MIN_VISIT_MINUTES },
    influx: {
      url: e.INFLUX_URL ?? null,
      db: e.INFLUX_DB,
      user: e.INFLUX_USER,
      password: e.INFLUX_PASSWORD,
      embedded: { port: e.LW_INFLUX_PORT, binary: e.LW_INFLUXD_BIN, niceness: e.LW_INFLUXD_NICE },
    },
    ingest: {
      batchSize: e.LW_BATCH_SIZE,
      batchIntervalMs: e.LW_BATCH_INTERVAL_MS,
      spoolMaxBytes: e.LW_SPOOL_MAX_BYTES,
      maxClockSkewMs: e.LW_MAX_CLOCK_SKEW,
    },
    adminToken: e.LW_ADMIN_TOKEN,
    logLevel: e.LW_LOG_LEVEL,
    logFormat: e.LW_LOG_FORMAT,
  };
}
