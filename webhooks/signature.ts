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

/** Between the signatures of one header, as Stripe's `Stripe-Signature` separates its `v1=` entries. */
const SIGNATURE_SEPARATOR = ',';

/** `v1=` and the hex HMAC-SHA256, keyed with the insurer's webhook secret, of `<timestamp>.<body>`. */
export function sign(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

/**
 * The signature header: one signature per secret, comma separated, the newest first. While a
 * rotated secret is in its grace period a delivery carries two, so a receiver still holding the
 * old secret, and one already holding the new, both find theirs.
 */
export function signatureHeader(secrets: readonly string[], timestampSeconds: number, body: string): string {
  return secrets.map((secret) => sign(secret, timestampSeconds, body)).join(SIGNATURE_SEPARATOR);
}

/** What a receiver does: one of the header's signatures matches and the timestamp is recent. */
export function verify(
  secret: string,
  { timestamp, body, signature }: { timestamp: string; body: string; signature: string },
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(nowSeconds - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, seconds, body));
  return signature.split(SIGNATURE_SEPARATOR).some((entry) => {
    const given = Buffer.from(entry.trim());
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
