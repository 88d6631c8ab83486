import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { buildTestApi } from '../helpers/api.js';
import { tempDir } from '../helpers/fixtures.js';

const ADMIN = 'admin-key-of-the-health-test';
const INFLUX_URL = 'http://127.0.0.1:8086';
const FAILING_ADDRESS = '203.0.113.7';
let store: Store;
let app: FastifyInstance;

/** Probes as the CLI's: details a stranger must not read (an address refused at CONNECT, InfluxDB's URL). */
const checks = (influxUp: boolean) => ({
  broker: () => ({
    status: 'up' as const,
    detail: {
      clients: 3,
      failingAddresses: [{ address: FAILING_ADDRESS, failures: 9, lastAt: '2026-01-01T00:00:00Z' }],
    },
  }),
  influxdb: () => {
    if (!influxUp) throw new Error(`connect ECONNREFUSED ${INFLUX_URL}`);
    return { status: 'up' as const, detail: { url: INFLUX_URL, version: '1.6.7' } };
  },
});

async function build(influxUp: boolean) {
  app = await buildTestApi(store, ADMIN, { healthChecks: checks(influxUp) });
}
beforeEach(() => {
  store = openSqliteStore(tempDir());
});
afterEach(async () => {
  await app.close();
  store.close();
});

describe('GET /api/health', () => {
  it('tells anyone only the states, with 200 when all are up', async () => {
    await build(true);
    const response = await app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      components: { broker: { status: 'up' }, influxdb: { status: 'up' } },
    });
  });

  it('tells anyone only the states, with 503 when one is down, not why', async () => {
    await build(false);
    const response = await app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'degraded',
      components: { broker: { status: 'up' }, influxdb: { status: 'down' } },
    });
    expect(response.body).not.toContain('127.0.0.1');
  });

  it('gives the details to the admin key only', async () => {
    await build(false);
    const insurer = await app.inject({
      method: 'POST',
      url: '/api/insurers',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { id: 'INS-A', name: 'A' },
    });
    for (const authorization of [`Bearer ${insurer.json().apiKey}`, 'Bearer a-made-up-key']) {
      const response = await app.inject({ url: '/api/health', headers: { authorization } });
      expect(response.statusCode).toBe(503);
      expect(response.body).not.toContain(FAILING_ADDRESS);
      expect(response.body).not.toContain(INFLUX_URL);
    }
    const response = await app.inject({ url: '/api/health', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'degraded',
      components: {
        broker: { status: 'up', detail: checks(false).broker().detail },
        influxdb: { status: 'down', detail: { error: `connect ECONNREFUSED ${INFLUX_URL}` } },
      },
    });
  });
});
