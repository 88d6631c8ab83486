/** A token bucket's state: `tokens` left at time `at` (epoch ms). */
export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

export interface Rate {
  /** Tokens added each second. */
  readonly perSecond: number;
  /** The most a bucket holds; a new bucket starts with this many. */
  readonly burst: number;
}

const MS_PER_SECOND = 1000;

function refilled(bucket: Bucket | undefined, rate: Rate, now: number): number {
  if (!bucket) return rate.burst;
  const elapsedMs = Math.max(0, now - bucket.at);
  return Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.perSecond) / MS_PER_SECOND);
}

/** Takes one token when the bucket, refilled up to `now`, holds one; refused otherwise. */
export function takeToken(bucket: Bucket | undefined, rate: Rate, now: number): { allowed: boolean; bucket: Bucket } {
  const tokens = refilled(bucket, rate, now);
  if (tokens < 1) return { allowed: false, bucket: { tokens, at: now } };
  return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
}

/** A full bucket is the same as none: it can be forgotten. */
export const isFull = (bucket: Bucket, rate: Rate, now: number): boolean => refilled(bucket, rate, now) >= rate.burst;
