import { afterEach, describe, expect, it } from 'vitest';
import { openScratchStore, openSqliteStore } from '../../store/sqlite.js';
import { DEAD_LETTER_LIMITS } from '../../store/sqlite-dead-letters.js';
import type { Store } from '../../store/types.js';
import { registration, tempDir } from '../helpers/fixtures.js';
import { pilotStoreContract } from './pilot.contract.js';
import { storeContract } from './store.contract.js';

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const open = (dir = tempDir()) => {
  const store = openSqliteStore(dir);
  opened.push(store);
  return store;
};

storeContract('SQLite store', () => open());
pilotStoreContract('SQLite store', () => open());

describe('SQLite store', () => {
  it('keeps what it stored across a reopen of the file', () => {
    const dir = tempDir();
    const first = openSqliteStore(dir);
    first.elevators.register(registration('E1'), 'hash');
    first.close();
    expect(open(dir).elevators.tokenHash('E1')).toBe('hash');
  });

  it('cuts dead-letter payloads to the size limit', () => {
    const store = open();
    const big = Buffer.alloc(DEAD_LETTER_LIMITS.maxPayloadBytes * 2, 'x');
    store.deadLetters.add({ topic: 't', payload: big, reason: 'r', receivedAt: new Date() });
    expect(store.deadLetters.list({ limit: 1 })[0]?.payload.length).toBe(DEAD_LETTER_LIMITS.maxPayloadBytes);
  });
});

const scratch = () => {
  const store = openScratchStore();
  opened.push(store);
  return store;
};
storeContract('scratch store (SQLite in memory)', scratch);
pilotStoreContract('scratch store (SQLite in memory)', scratch);

describe('SQLite rule overrides across processes', () => {
  it("sees its own change at once and another connection's within a quarter second", async () => {
    const dir = tempDir();
    const one = open(dir);
    const other = open(dir);
    const before = other.ruleConfigs.generation();
    expect(one.ruleConfigs.generation()).toBe(before);
    const override = { rule: 'brake-recurring', scope: 'default' as const, scopeId: '', config: {}, createdBy: 'test' };
    const put = one.ruleConfigs.put(override, new Date());
    expect(one.ruleConfigs.generation()).toBe(put.version);
    // The other connection trusts the generation it read for a moment: the engine asks for it on every message.
    expect(other.ruleConfigs.generation()).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(other.ruleConfigs.generation()).toBe(put.version);
  });
});
