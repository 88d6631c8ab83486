import { describe, expect, it } from 'vitest';
import { LiftwatchError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { registration } from '../helpers/fixtures.js';

/** What every Store implementation must do; run against each implementation. */
export function storeContract(name: string, open: () => Store) {
  describe(`${name}: elevators`, () => {
    it('registers, reads back and counts', () => {
      const store = open();
      const elevator = store.elevators.register(registration('E1'), 'hash-1');
      expect(elevator).toMatchObject(registration('E1'));
      expect(Date.parse(elevator.registeredAt)).not.toBeNaN();
      expect(store.elevators.get('E1')).toEqual(elevator);
      expect(store.elevators.get('E2')).toBeUndefined();
      expect(store.elevators.count()).toBe(1);
      expect(store.elevators.tokenHash('E1')).toBe('hash-1');
    });

    it('refuses a second registration of the same id with LW_ERR_ELEVATOR_EXISTS, keeping the first token', () => {
      const store = open();
      store.elevators.register(registration('E1'), 'hash-1');
      expect(() => store.elevators.register(registration('E1'), 'hash-2')).toThrow(LiftwatchError);
      expect(store.elevators.tokenHash('E1')).toBe('hash-1');
    });

    it('registers many at once and reports the ids already taken', () => {
      const store = open();
      store.elevators.register(registration('B'), 'h');
      const { taken } = store.elevators.registerMany([
        { registration: registration('A'), tokenHash: 'ha' },
        { registration: registration('B'), tokenHash: 'hb' },
        { registration: registration('C'), tokenHash: 'hc' },
      ]);
      expect(taken).toEqual(['B']);
      expect(store.elevators.count()).toBe(3);
      expect(store.elevators.tokenHash('B')).toBe('h');
    });

    it('lists in id order, page by page', () => {
      const store = open();
      for (const id of ['E3', 'E1', 'E2']) store.elevators.register(registration(id), 'h');
      const first = store.elevators.list({ limit: 2 });
      expect(first.items.map((e) => e.id)).toEqual(['E1', 'E2']);
      expect(first.next).toBe('E2');
      const second = store.elevators.list({ limit: 2, after: first.next ?? undefined });
      expect(second.items.map((e) => e.id)).toEqual(['E3']);
      expect(second.next).toBeNull();
    });

    it('replaces a token hash only for a registered elevator', () => {
      const store = open();
      store.elevators.register(registration('E1'), 'old');
      expect(store.elevators.replaceTokenHash('E1', 'new')).toBe(true);
      expect(store.elevators.tokenHash('E1')).toBe('new');
      expect(store.elevators.replaceTokenHash('NOPE', 'x')).toBe(false);
    });
  });

  describe(`${name}: dead letters`, () => {
    it('keeps topic, payload, reason and time, newest first, page by page', () => {
      const store = open();
      const at = new Date('2026-11-25T00:00:00Z');
      store.deadLetters.add({ topic: 't/1', payload: Buffer.from('one'), reason: 'r1', receivedAt: at });
      store.deadLetters.add({ topic: 't/2', payload: Buffer.from('two'), reason: 'r2', receivedAt: at });
      const [newest, oldest] = store.deadLetters.list({ limit: 10 });
      expect(newest).toMatchObject({ topic: 't/2', payload: 'two', reason: 'r2', receivedAt: at.toISOString() });
      expect(oldest).toMatchObject({ topic: 't/1' });
      expect(store.deadLetters.list({ limit: 10, before: newest?.id }).map((l) => l.topic)).toEqual(['t/1']);
      expect(store.deadLetters.count()).toBe(2);
    });
  });
}
