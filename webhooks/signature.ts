import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a webhook POST; docs/webhooks.md shows receivers how to check them. */
export const WEBHOOK_HEADERS = {
  signature: 'x-liftwatch-signature',
  timestamp: 'x-liftwatch-timestamp',
  delivery: 'x-liftwatch-delivery',
  event: 'x-liftwatch-event',
} as const;

const SIGNATURE_VERSION = 'v1';
/** Receivers should refuse a signature older than this: a replayed delivery. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v1=` and the hex HMAC-SHA256, keyed with the insurer's webhook secret, of `<timestamp>.<body>`. */
export function sign(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

/** What a receiver does: the signature matches and the timestamp is recent. */
export function verify(
  secret: string,
  { timestamp, body, signature }: { timestamp: string; body: string; signature: string },
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(nowSeconds - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, seconds, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
