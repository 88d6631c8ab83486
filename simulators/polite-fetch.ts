import { setTimeout as sleep } from 'node:timers/promises';

/** Tries at one request while liftwatch answers 429; the rate limit's window is a minute, so one wait is usually enough. */
const RATE_LIMITED_TRIES = 3;
const MS_PER_SECOND = 1000;

/**
 * fetch that waits out liftwatch's per-key rate limit (429 with Retry-After in seconds) and
 * tries again, so scoring a big run or re-issuing many tokens is slowed down, not stopped.
 */
export async function politeFetch(url: string, init: RequestInit = {}): Promise<Response> {
  for (let tries = 1; ; tries += 1) {
    const response = await fetch(url, init);
    const retryAfter = response.headers.get('retry-after');
    if (response.status !== 429 || retryAfter === null || tries === RATE_LIMITED_TRIES) return response;
    await response.body?.cancel();
    await sleep(Number(retryAfter) * MS_PER_SECOND);
  }
}
