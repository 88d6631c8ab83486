import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RegistryCache } from '../../ingest/registry-cache.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { registration, tempDir } from '../helpers/fixtures.js';

describe('the ingest registry cache', () => {
  it('reads every elevator at start, page by page, and still finds one registered after', () => {
    const store = openSqliteStore(path.join(tempDir(), 'data'));
    try {
      const ids = Array.from({ length: 25_001 }, (_, i) => `E${String(i).padStart(6, '0')}`);
      store.elevators.registerMany(ids.map((id) => ({ registration: registration(id), tokenHash: 'x' })));
      const cache = new RegistryCache(store.elevators);
      expect(cache.preload()).toBe(ids.length);
      const get = vi.spyOn(store.elevators, 'get');
      expect(cache.get('E000000')?.elevator.id).toBe('E000000');
      expect(cache.get('E025000')?.tagSet).toContain('elevator=E025000');
      expect(get).not.toHaveBeenCalled();
      store.elevators.register(registration('LATE-1'), 'x');
      get.mockClear();
      expect(cache.get('LATE-1')?.elevator.id).toBe('LATE-1');
      expect(cache.get('NEVER')).toBeUndefined();
      expect(get).toHaveBeenCalledTimes(2);
    } finally {
      store.close();
    }
  });
});
