import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { politeFetch } from '../../simulators/polite-fetch.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering each request with the next of `answers` ([status, Retry-After]), then 200; returns its URL and hit count. */
async function serve(answers: Array<[number, string | undefined]>) {
  const seen = { requests: 0 };
  server = http.createServer((_request, response) => {
    const [status, retryAfter] = answers[seen.requests] ?? [200, undefined];
    seen.requests += 1;
    if (retryAfter !== undefined) response.setHeader('retry-after', retryAfter);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

describe('politeFetch', () => {
  it('waits Retry-After and tries again after a 429', async () => {
    const { url, seen } = await serve([[429, '0']]);
    const response = await politeFetch(url);
    expect(response.status).toBe(200);
    expect(seen.requests).toBe(2);
  });

  it('gives up after three 429s', async () => {
    const { url, seen } = await serve([
      [429, '0'],
      [429, '0'],
      [429, '0'],
    ]);
    expect((await politeFetch(url)).status).toBe(429);
    expect(seen.requests).toBe(3);
  });

  it('does not retry a 429 without Retry-After', async () => {
    const { url, seen } = await serve([[429, undefined]]);
    expect((await politeFetch(url)).status).toBe(429);
    expect(seen.requests).toBe(1);
  });
});
