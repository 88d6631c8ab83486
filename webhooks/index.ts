import type { WebhookBody } from '../contract/index.js';
import { isLiftwatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { DueDelivery, Store } from '../store/types.js';
import { outboundAgents, outboundPolicy, post, type OutboundOptions } from './outbound.js';
import { WEBHOOK_HEADERS, signatureHeader } from './signature.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const HTTP_OK = 200;
const HTTP_REDIRECT = 300;
const HTTP_CLIENT_ERROR = 400;

export interface WebhookOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
  /** How often the outbox is read (it is also read at once after each delivery round that found work). Default 500 ms. */
  readonly pollMs?: number;
  /** Deliveries in flight at once (never two of one ticket). Default 8. */
  readonly concurrency?: number;
  /** An attempt with no answer within this long has failed. Default 10 s. */
  readonly timeoutMs?: number;
  /** The first retry waits about this long, each next one twice as long (with jitter). Default 1 s. */
  readonly retryBaseMs?: number;
  /** No wait between attempts is longer than this, Retry-After included. Default 1 h. */
  readonly retryMaxMs?: number;
  /** A delivery still not accepted this long after it was queued is marked failed (kept, retriable by hand). Default 72 h. */
  readonly expireAfterMs?: number;
  /** Open tickets whose deadline is this close, with nobody on site, are announced (ticket.deadline_near). Default 10 min. */
  readonly deadlineWarningMs?: number;
  /** Which receivers may be reached (LW_OUTBOUND_ALLOW); default no loopback, private or reserved address. */
  readonly outbound?: OutboundOptions;
}

export const WEBHOOK_DEFAULTS = {
  pollMs: 500,
  concurrency: 8,
  timeoutMs: 10 * SECOND_MS,
  retryBaseMs: SECOND_MS,
  retryMaxMs: HOUR_MS,
  expireAfterMs: 72 * HOUR_MS,
  deadlineWarningMs: 10 * MINUTE_MS,
} as const;

export interface WebhookDispatcher {
  start(): void;
  /** New deliveries were queued: a round starts now rather than at the next poll. */
  wake(): void;
  /** Stops polling and waits for the attempts in flight. */
  stop(): Promise<void>;
  /** One round: deadline warnings, then every due delivery; resolves to the deliveries attempted. */
  round(): Promise<number>;
}

/** The wait before the next attempt: Retry-After when the receiver sent one, else exponential with jitter. */
export function retryDelay(attempts: number, retryAfter: string | null, base: number, max: number): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(Math.min(seconds * SECOND_MS, max));
  const exponential = Math.min(base * 2 ** Math.max(0, attempts - 1), max);
  // Equal jitter: half fixed, half random, so receivers coming back are not hit by every sender at once.
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

/**
 * Delivers the outbox: each ticket event, signed, to its insurer's webhook URL, at least once
 * and in order per ticket, retrying until the receiver says 2xx or the delivery expires.
 */
export function build(options: WebhookOptions): WebhookDispatcher {
  const settings = { ...WEBHOOK_DEFAULTS, ...stripUndefined(options) };
  const { store, logger, metrics } = options;
  const policy = outboundPolicy(options.outbound);
  const agents = outboundAgents();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;
  /** Woken during a round: the next one starts at once. */
  let wokenWhileRunning = false;

  const attempt = async (delivery: DueDelivery): Promise<void> => {
    const secrets = store.principals.webhookSecrets(delivery.insurer, new Date());
    const body = JSON.stringify({ deliveryId: delivery.id, event: delivery.event } satisfies WebhookBody);
    const timestamp = Math.floor(Date.now() / SECOND_MS);
    let status: number | null = null;
    let error: string;
    let retryAfter: string | null = null;
    try {
      const response = await post(
        delivery.url,
        {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'liftwatch-webhooks',
            [WEBHOOK_HEADERS.delivery]: delivery.id,
            [WEBHOOK_HEADERS.event]: delivery.event.type,
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.signature]: signatureHeader(secrets, timestamp, body),
          },
          body,
          timeoutMs: settings.timeoutMs,
        },
        policy,
        agents,
      );
      status = response.status;
      if (status >= HTTP_OK && status < HTTP_REDIRECT) {
        store.deliveries.delivered(delivery.id, status, Date.now());
        metrics?.webhookAttempts.inc({ outcome: 'delivered' });
        return;
      }
      retryAfter = response.headers['retry-after'] ?? null;
      // A redirect is not followed: it could lead anywhere, past the address check.
      error =
        status >= HTTP_REDIRECT && status < HTTP_CLIENT_ERROR
          ? `HTTP ${status} (redirects are not followed)`
          : `HTTP ${status}`;
    } catch (cause) {
      error = describe(cause);
    }
    const now = Date.now();
    const nextAttemptAt =
      now + retryDelay(delivery.attempts + 1, retryAfter, settings.retryBaseMs, settings.retryMaxMs);
    const expire = nextAttemptAt - delivery.createdAt > settings.expireAfterMs;
    store.deliveries.attemptFailed(delivery.id, { status, error, nextAttemptAt, expire }, now);
    metrics?.webhookAttempts.inc({ outcome: expire ? 'expired' : 'retry' });
    const log = { delivery: delivery.id, insurer: delivery.insurer, attempts: delivery.attempts + 1, error };
    if (expire) logger.error(log, 'webhook delivery expired: kept as failed, retry it by hand');
    else logger.warn(log, 'webhook delivery failed; will retry');
  };

  const oneRound = async (): Promise<number> => {
    const now = new Date();
    store.tickets.warnDeadlines(new Date(now.getTime() + settings.deadlineWarningMs), now);
    const due = store.deliveries.due(now.getTime(), settings.concurrency);
    await Promise.all(due.map(attempt));
    return due.length;
  };
  /** Rounds run one after another: two at once would both find a delivery due and send it twice. */
  let lastRound: Promise<number> = Promise.resolve(0);
  const round = (): Promise<number> => {
    const next = lastRound.then(oneRound, oneRound);
    lastRound = next.catch(() => 0);
    return next;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round()
        .catch((error: unknown) => {
          logger.error({ err: error }, 'webhook round failed');
          return 0;
        })
        .then((attempted) => {
          running = undefined;
          // A full round may have left more behind it, and a wake may have come meanwhile: go again at once.
          const again = wokenWhileRunning || attempted >= settings.concurrency;
          wokenWhileRunning = false;
          schedule(again ? 0 : settings.pollMs);
          return attempted;
        });
    }, delay);
  };

  return {
    start: () => {
      stopped = false;
      schedule(0);
    },
    wake: () => {
      if (stopped) return;
      if (running) {
        wokenWhileRunning = true;
        return;
      }
      clearTimeout(timer);
      schedule(0);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      agents.destroy();
    },
    round,
  };
}

/** An attempt's error as the delivery records it: liftwatch's own by code, others by name. */
function describe(cause: unknown): string {
  if (isLiftwatchError(cause)) return `${cause.code}: ${cause.message}`;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
