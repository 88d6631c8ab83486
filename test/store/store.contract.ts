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

    it('lists the tokens issued since a time: registered or replaced', async () => {
      const store = open();
      store.elevators.register(registration('E1'), 'h1');
      store.elevators.register(registration('E2'), 'h2');
      // the store keeps millisecond times: a time 2 ms later is strictly after both
      await new Promise((resolve) => setTimeout(resolve, 2));
      const since = new Date();
      expect(store.elevators.tokensIssuedSince(since)).toEqual([]);
      store.elevators.replaceTokenHash('E2', 'h2-new');
      store.elevators.register(registration('E3'), 'h3');
      expect(store.elevators.tokensIssuedSince(since).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'E2', tokenHash: 'h2-new' },
        { id: 'E3', tokenHash: 'h3' },
      ]);
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

  describe(`${name}: tickets`, () => {
    const now = new Date('2026-11-25T10:00:00Z');
    const T = Date.parse('2026-11-20T00:00:00Z');
    const occurrence = (minutes: number, seq: number) => ({
      at: T + minutes * 60_000,
      seq,
      code: 100,
      floor: 3,
      external: false,
    });
    const newTicket = (store: Store, occurrences: ReturnType<typeof occurrence>[]) => ({
      elevator: store.elevators.get('E1') as NonNullable<ReturnType<Store['elevators']['get']>>,
      rule: 'door-lock-recurring',
      ruleVersion: 1,
      configVersion: 0,
      severity: 'major' as const,
      category: 'hazard' as const,
      title: 'Door-lock circuit opened 3 times in 7 days',
      external: false,
      deadlineAt: null,
      occurrences,
    });
    const withElevator = () => {
      const store = open();
      store.elevators.register(registration('E1'), 'h');
      return store;
    };

    it('opens a ticket with its occurrences, timed by the one that met the rule, tagged from the registry', () => {
      const store = withElevator();
      const result = store.tickets.record(
        newTicket(store, [occurrence(0, 1), occurrence(60, 2), occurrence(120, 3)]),
        now,
      );
      expect(result).toMatchObject({ opened: true, added: 3 });
      expect(result.ticket).toMatchObject({
        elevator: 'E1',
        status: 'open',
        occurrenceCount: 3,
        openedAt: new Date(T + 120 * 60_000).toISOString(),
        firstOccurrenceAt: new Date(T).toISOString(),
        insurer: 'INS-PICC',
        contractor: 'MC-OTIS',
        createdAt: now.toISOString(),
      });
      expect(store.tickets.get(result.ticket.id)?.occurrences.map((o) => o.seq)).toEqual([1, 2, 3]);
    });

    it('adds a re-trigger to the active ticket instead of opening another, and keeps each event once', () => {
      const store = withElevator();
      const first = store.tickets.record(
        newTicket(store, [occurrence(0, 1), occurrence(60, 2), occurrence(120, 3)]),
        now,
      );
      const again = store.tickets.record(
        newTicket(store, [occurrence(60, 2), occurrence(120, 3), occurrence(180, 4)]),
        now,
      );
      expect(again).toMatchObject({ opened: false, added: 1, ticket: { id: first.ticket.id, occurrenceCount: 4 } });
      expect(store.tickets.list({ limit: 10 }).items).toHaveLength(1);
    });

    it('opens a new ticket after the active one is closed', () => {
      const store = withElevator();
      const first = store.tickets.record(newTicket(store, [occurrence(0, 1)]), now);
      store.tickets.transition(first.ticket.id, 'resolve', 'admin', 'contacts replaced', now);
      const second = store.tickets.record(newTicket(store, [occurrence(600, 9)]), now);
      expect(second.opened).toBe(true);
      expect(second.ticket.id).not.toBe(first.ticket.id);
      expect(store.tickets.active('E1', 'door-lock-recurring')?.id).toBe(second.ticket.id);
    });

    it('walks the lifecycle, stamping who and when, and refuses steps its status does not allow', () => {
      const store = withElevator();
      const { ticket } = store.tickets.record(newTicket(store, [occurrence(0, 1)]), now);
      const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
      store.tickets.transition(ticket.id, 'ack', 'insurer-a', null, later(1));
      expect(() => store.tickets.transition(ticket.id, 'arrive', 'tech', null, later(2))).toThrow(
        /possible only from dispatched/,
      );
      store.tickets.transition(ticket.id, 'dispatch', 'insurer-a', null, later(2));
      store.tickets.transition(ticket.id, 'arrive', 'tech-7', null, later(20));
      const closed = store.tickets.transition(ticket.id, 'resolve', 'tech-7', 'replaced lock contact', later(50));
      expect(closed).toMatchObject({
        status: 'resolved',
        acknowledged: { at: later(1).toISOString(), by: 'insurer-a' },
        arrived: { at: later(20).toISOString(), by: 'tech-7' },
        closed: { at: later(50).toISOString(), by: 'tech-7', note: 'replaced lock contact' },
      });
      let error: unknown;
      try {
        store.tickets.transition(ticket.id, 'ack', 'insurer-a', null, later(60));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(LiftwatchError);
      expect((error as LiftwatchError).code).toBe('LW_ERR_TICKET_TRANSITION');
      expect(store.tickets.get(ticket.id)?.history.map((h) => h.action)).toEqual([
        'open',
        'ack',
        'dispatch',
        'arrive',
        'resolve',
      ]);
      expect(() => store.tickets.transition('999', 'ack', 'x', null, now)).toThrow(/No ticket 999/);
    });

    it('lists with filters, page by page, and resolves an active ticket on its own account', () => {
      const store = withElevator();
      store.elevators.register(registration('E2'), 'h');
      const a = store.tickets.record(newTicket(store, [occurrence(0, 1)]), now).ticket;
      store.tickets.record(
        { ...newTicket(store, [occurrence(5, 2)]), elevator: store.elevators.get('E2') as never },
        now,
      );
      store.tickets.record(
        { ...newTicket(store, [occurrence(9, 3)]), rule: 'critical-entrapment', severity: 'critical' },
        now,
      );
      expect(store.tickets.list({ limit: 10, elevator: 'E1' }).items).toHaveLength(2);
      expect(store.tickets.list({ limit: 10, severity: 'critical' }).items.map((t) => t.rule)).toEqual([
        'critical-entrapment',
      ]);
      const page = store.tickets.list({ limit: 2 });
      expect(page.items).toHaveLength(2);
      expect(store.tickets.list({ limit: 2, after: page.next ?? undefined }).items).toHaveLength(1);
      const newest = store.tickets.list({ limit: 2, order: 'newest' });
      const ids = newest.items.map((t) => Number(t.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const older = store.tickets.list({ limit: 2, order: 'newest', after: newest.next ?? undefined }).items;
      expect(older.map((t) => Number(t.id))).toEqual([Math.min(...ids) - 1]);
      expect(store.tickets.resolveActive('E1', 'door-lock-recurring', 'cleared', now)).toBe(true);
      expect(store.tickets.get(a.id)).toMatchObject({
        status: 'resolved',
        closed: { by: 'liftwatch', note: 'cleared' },
      });
      expect(store.tickets.resolveActive('E1', 'door-lock-recurring', 'cleared', now)).toBe(false);
    });

    it("keeps a detector's evidence with the ticket, and resolves on its own account only a ticket nobody acted on", () => {
      const store = withElevator();
      const evidence = {
        family: 'door-faults',
        test: 'rate-rise' as const,
        count: 9,
        windowDays: 7,
        usualPerWeek: 2.1,
        rateRatio: 4.3,
        risingSince: new Date(T - 3 * 86_400_000).toISOString(),
        floor: null,
        testedRatio: 2,
        statistic: 9.5,
        threshold: 9.1,
        falseAlarmYears: 100,
        peerShare: 0.2,
      };
      const { ticket } = store.tickets.record({ ...newTicket(store, [occurrence(0, 1)]), evidence }, now);
      expect(ticket.evidence).toEqual(evidence);
      expect(store.tickets.get(ticket.id)?.evidence).toEqual(evidence);
      expect(store.tickets.record(newTicket(store, [occurrence(9, 2)]), now).ticket.evidence).toEqual(evidence);
      store.tickets.transition(ticket.id, 'ack', 'insurer-a', null, now);
      expect(store.tickets.resolveActive('E1', 'door-lock-recurring', 'faded', now, true)).toBe(false);
      expect(store.tickets.get(ticket.id)?.status).toBe('acknowledged');
      store.tickets.transition(ticket.id, 'resolve', 'insurer-a', null, now);
      const other = store.tickets.record(newTicket(store, [occurrence(600, 3)]), now).ticket;
      expect(other.evidence).toBeNull();
      expect(store.tickets.resolveActive('E1', 'door-lock-recurring', 'faded', now, true)).toBe(true);
      expect(store.tickets.get(other.id)).toMatchObject({
        status: 'resolved',
        closed: { by: 'liftwatch', note: 'faded' },
      });
    });
  });

  describe(`${name}: shadow records`, () => {
    const now = new Date('2026-11-25T10:00:00Z');
    const T = Date.parse('2026-11-20T00:00:00Z');
    const occurrence = (minutes: number, seq: number) => ({
      at: T + minutes * 60_000,
      seq,
      code: 2,
      floor: 3,
      external: false,
    });
    const evidence = {
      family: 'door-faults',
      test: 'rate-rise' as const,
      count: 9,
      windowDays: 7,
      usualPerWeek: 2.1,
      rateRatio: 4.3,
      risingSince: null,
      floor: null,
      testedRatio: 2,
      statistic: 9.5,
      threshold: 9.1,
      falseAlarmYears: 500,
      peerShare: 0.2,
    };
    const wouldOpen = (store: Store, elevator: string, occurrences: ReturnType<typeof occurrence>[]) => ({
      elevator: store.elevators.get(elevator) as NonNullable<ReturnType<Store['elevators']['get']>>,
      rule: 'door-faults-recurring',
      ruleVersion: 2,
      configVersion: 7,
      severity: 'minor' as const,
      category: 'hazard' as const,
      title: 'Door faults 9 in the last 7 days',
      external: false,
      deadlineAt: null,
      occurrences,
      evidence,
    });

    it('records what a shadow rule would have opened, one open per (elevator, rule), each event once, and no ticket', () => {
      const store = open();
      store.elevators.register(registration('E1'), 'h');
      store.elevators.register(registration('E2'), 'h');
      let journaled = 0;
      const stop = store.tickets.onEvents(() => journaled++);
      const first = store.shadows.record(wouldOpen(store, 'E1', [occurrence(0, 1), occurrence(60, 2)]), now);
      expect(first).toMatchObject({ opened: true, added: 2 });
      expect(first.record).toMatchObject({
        elevator: 'E1',
        rule: 'door-faults-recurring',
        ruleVersion: 2,
        configVersion: 7,
        status: 'open',
        category: 'hazard',
        openedAt: new Date(T + 60 * 60_000).toISOString(),
        lastOccurrenceAt: new Date(T + 60 * 60_000).toISOString(),
        occurrenceCount: 2,
        createdAt: now.toISOString(),
        closed: { at: null, by: null, note: null },
        evidence,
      });
      const again = store.shadows.record(wouldOpen(store, 'E1', [occurrence(60, 2), occurrence(90, 3)]), now);
      expect(again).toMatchObject({ opened: false, added: 1, record: { id: first.record.id, occurrenceCount: 3 } });
      expect(again.record.lastOccurrenceAt).toBe(new Date(T + 90 * 60_000).toISOString());
      store.shadows.record(wouldOpen(store, 'E2', [occurrence(30, 9)]), now);
      expect(store.shadows.active('E1', 'door-faults-recurring')?.id).toBe(first.record.id);
      expect(store.shadows.active('E1', 'levelling-recurring')).toBeUndefined();
      expect(store.shadows.activeFor('door-faults-recurring').map((record) => record.elevator)).toEqual(['E1', 'E2']);
      expect(store.tickets.list({ limit: 10 }).items).toEqual([]);
      expect(store.tickets.active('E1', 'door-faults-recurring')).toBeUndefined();
      stop();
      expect(journaled).toBe(0);
      expect(store.deliveries.lastEventId()).toBe(0);
    });

    it("resolves the open record on liftwatch's account, after which the next opens a new one", () => {
      const store = open();
      store.elevators.register(registration('E1'), 'h');
      const first = store.shadows.record(wouldOpen(store, 'E1', [occurrence(0, 1)]), now);
      expect(store.shadows.resolveActive('E1', 'door-faults-recurring', 'faded', now)).toBe(true);
      expect(store.shadows.resolveActive('E1', 'door-faults-recurring', 'faded', now)).toBe(false);
      expect(store.shadows.active('E1', 'door-faults-recurring')).toBeUndefined();
      const [closed] = store.shadows.list({ limit: 10 }).items;
      expect(closed).toMatchObject({
        id: first.record.id,
        status: 'resolved',
        closed: { at: now.toISOString(), by: 'liftwatch', note: 'faded' },
      });
      const next = store.shadows.record(wouldOpen(store, 'E1', [occurrence(600, 2)]), now);
      expect(next.opened).toBe(true);
      expect(next.record.id).not.toBe(first.record.id);
    });

    it('lists by rule, elevator and opening time (event time, to exclusive), page by page, newest first if asked', () => {
      const store = open();
      store.elevators.register(registration('E1'), 'h');
      store.elevators.register(registration('E2'), 'h');
      const ids: string[] = [];
      for (const [elevator, minutes] of [
        ['E1', 0],
        ['E2', 60],
        ['E1', 120],
      ] as const) {
        const { record } = store.shadows.record(wouldOpen(store, elevator, [occurrence(minutes, minutes)]), now);
        store.shadows.resolveActive(elevator, 'door-faults-recurring', 'faded', now);
        ids.push(record.id);
      }
      store.shadows.record({ ...wouldOpen(store, 'E1', [occurrence(30, 5)]), rule: 'levelling-recurring' }, now);
      const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
      const ofRule = (query: object) =>
        store.shadows.list({ rule: 'door-faults-recurring', limit: 10, ...query }).items.map((record) => record.id);
      expect(ofRule({})).toEqual(ids);
      expect(ofRule({ elevator: 'E1' })).toEqual([ids[0], ids[2]]);
      expect(ofRule({ from: at(60), to: at(120) })).toEqual([ids[1]]);
      expect(ofRule({ order: 'newest' })).toEqual([...ids].reverse());
      expect(store.shadows.list({ limit: 10 }).items).toHaveLength(4);
      const page = store.shadows.list({ rule: 'door-faults-recurring', limit: 2 });
      expect(page.items.map((record) => record.id)).toEqual([ids[0], ids[1]]);
      expect(page.next).toBe(ids[1]);
      const rest = store.shadows.list({ rule: 'door-faults-recurring', limit: 2, after: page.next ?? undefined });
      expect(rest).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next: null });
    });
  });
}
