import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApi } from '../helpers/api.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-rate-limit-test';
const auth = { authorization: `Bearer ${ADMIN}` };
const stranger = { authorization: 'Bearer a-key-liftwatch-does-not-know' };
const PER_MINUTE = 3;
const SECONDS_A_MINUTE = 60;
let store: Store;
let app: FastifyInstance;

const build = async (rateLimitPerMinute: number) => {
  app = await buildTestApi(store, ADMIN, { rateLimitPerMinute, healthChecks: { store: () => ({ status: 'up' }) } });
};
beforeEach(() => {
  store = openSqliteStore(tempDir());
});
afterEach(async () => {
  await app.close();
  store.close();
});

const get = (headers: Record<string, string> = {}, url = '/api/elevators') => app.inject({ url, headers });

async function statuses(times: number, headers: Record<string, string>, url?: string): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < times; i += 1) result.push((await get(headers, url)).statusCode);
  return result;
}

describe('rate limit per API key', () => {
  it('answers the 4th request of a key in a minute with 429, Retry-After and our error body', async () => {
    await build(PER_MINUTE);
    expect(await statuses(PER_MINUTE, auth)).toEqual([200, 200, 200]);
    const limited = await get(auth);
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= SECONDS_A_MINUTE).toBe(true);
    expect(limited.json()).toEqual({
      code: 'LW_ERR_RATE_LIMITED',
      message: expect.stringMatching(/3 requests a minute/),
      requestId: limited.headers['x-request-id'],
    });
    // Another key has its own budget: refused for being unknown, not for the admin's traffic.
    expect((await get(stranger)).statusCode).toBe(401);
  });

  it('keeps serving another key while one is over its limit, and counts unknown keys too', async () => {
    await build(PER_MINUTE);
    expect(await statuses(PER_MINUTE + 1, stranger)).toEqual([401, 401, 401, 429]);
    expect((await get(auth)).statusCode).toBe(200);
  });

  it('counts made-up keys by address: a new random key each time gets no budget of its own', async () => {
    await build(PER_MINUTE);
    const made = Array.from({ length: 2 * PER_MINUTE }, (_, i) => ({
      authorization: `Bearer lw_${i.toString(16).padStart(12, '0')}_${'x'.repeat(43)}`,
    }));
    const answers = [];
    for (const headers of made) answers.push((await get(headers)).statusCode);
    expect(answers).toEqual([401, 401, 401, 429, 429, 429]);
    // The address's budget is spent: no key at all is refused too, while a valid key has its own.
    expect((await get({})).statusCode).toBe(429);
    expect((await get(auth)).statusCode).toBe(200);
  });

  it('counts an IPv6 address by its /64, which one host may hold whole', async () => {
    await build(PER_MINUTE);
    const from = (remoteAddress: string, i: number) =>
      app.inject({ url: '/api/elevators', remoteAddress, headers: { authorization: `Bearer made-up-${i}` } });
    const answers = [];
    for (let i = 0; i < 2 * PER_MINUTE; i += 1) answers.push((await from(`2001:db8:7:7::${i + 1}`, i)).statusCode);
    expect(answers).toEqual([401, 401, 401, 429, 429, 429]);
    expect((await from('2001:db8:7:7:ffff:ffff:ffff:ffff', 9)).statusCode).toBe(429);
    // The next /64 is another address.
    expect((await from('2001:db8:7:8::1', 9)).statusCode).toBe(401);
  });

  it("counts a principal's keys together: a rotation does not refill the budget", async () => {
    await build(PER_MINUTE);
    const created = await app.inject({
      method: 'POST',
      url: '/api/use-units',
      headers: auth,
      payload: { id: 'UU-1', name: 'unit' },
    });
    const first = { authorization: `Bearer ${created.json().apiKey}` };
    const rotated = await app.inject({ method: 'POST', url: '/api/me/keys/rotate', headers: first });
    expect(rotated.statusCode).toBe(200);
    const second = { authorization: `Bearer ${rotated.json().apiKey}` };
    expect(await statuses(2, second, '/api/me')).toEqual([200, 200]);
    expect((await get(first, '/api/me')).statusCode).toBe(429);
  });

  it('counts requests without a key by address', async () => {
    await build(PER_MINUTE);
    expect(await statuses(PER_MINUTE + 1, {})).toEqual([401, 401, 401, 429]);
    expect((await get(auth)).statusCode).toBe(200);
  });

  it('counts unknown routes too, so probing for them costs the same', async () => {
    await build(PER_MINUTE);
    expect(await statuses(PER_MINUTE + 1, auth, '/api/nowhere')).toEqual([404, 404, 404, 429]);
  });

  it('never limits health, metrics and the API documentation', async () => {
    await build(PER_MINUTE);
    expect(await statuses(PER_MINUTE + 1, auth)).toEqual([200, 200, 200, 429]);
    for (const url of ['/api/health', '/metrics', '/docs/json', '/docs'])
      expect(await statuses(PER_MINUTE + 1, auth, url)).toEqual([200, 200, 200, 200]);
  });

  it('is off at 0', async () => {
    await build(0);
    expect(await statuses(PER_MINUTE + 1, auth)).toEqual([200, 200, 200, 200]);
    expect((await get(auth)).headers).not.toHaveProperty('x-ratelimit-limit');
  });
});
