import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayCache } from '../../broker/hooks/gateway-cache.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { registration, tempDir } from '../helpers/fixtures.js';

/** Short, so a change made by another process is seen within the test. */
const CHECK_INTERVAL_MS = 20;

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function setUp() {
  const dir = tempDir();
  const broker = openSqliteStore(dir);
  const api = openSqliteStore(dir);
  for (const id of ['GW-A', 'GW-B']) api.gateways.create({ id, name: id }, 'hash');
  api.elevators.register(registration('E1', { gateway: 'GW-A' }), 'hash');
  const cache = new GatewayCache(broker.elevators, CHECK_INTERVAL_MS);
  cleanups.push(() => (cache.stop(), broker.close(), api.close()));
  return { broker, api, cache };
}

describe('GatewayCache', () => {
  it('answers from the registry, and not for an elevator that is not registered', () => {
    const { cache } = setUp();
    expect(cache.gatewayOf('E1')).toBe('GW-A');
    expect(cache.gatewayOf('E9')).toBeUndefined();
  });

  it('reads every gateway at start, then answers without a query, and still sees a change made elsewhere', async () => {
    const { api, broker, cache } = setUp();
    api.elevators.register(registration('E2'), 'hash');
    expect(cache.preload()).toBe(2);
    const query = vi.spyOn(broker.elevators, 'gatewayOf');
    expect(cache.gatewayOf('E1')).toBe('GW-A');
    expect(cache.gatewayOf('E2')).toBeNull();
    expect(query).not.toHaveBeenCalled();
    api.elevators.setGateway('E2', 'GW-B');
    await expect.poll(() => cache.gatewayOf('E2')).toBe('GW-B');
  });

  it('sees a change made through its own store at once', () => {
    const { broker, cache } = setUp();
    expect(cache.gatewayOf('E1')).toBe('GW-A');
    broker.elevators.setGateway('E1', 'GW-B');
    expect(cache.gatewayOf('E1')).toBe('GW-B');
    broker.elevators.setGateway('E1', null);
    expect(cache.gatewayOf('E1')).toBeNull();
  });

  it('sees a change made by another process at its next check', async () => {
    const { api, cache } = setUp();
    expect(cache.gatewayOf('E1')).toBe('GW-A');
    api.elevators.setGateway('E1', 'GW-B');
    await expect.poll(() => cache.gatewayOf('E1')).toBe('GW-B');
  });

  it('has no change to read after a registration, only after a gateway is set', () => {
    const { api } = setUp();
    const since = new Date(Date.now() - 60_000);
    api.elevators.register(registration('E2', { gateway: 'GW-B' }), 'hash');
    expect(api.elevators.gatewaysSetSince(since)).toEqual([]);
    api.elevators.setGateway('E2', 'GW-A');
    expect(api.elevators.gatewaysSetSince(since)).toEqual([{ id: 'E2', gateway: 'GW-A' }]);
  });
});
