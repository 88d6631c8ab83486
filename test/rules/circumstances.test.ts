import { describe, expect, it } from 'vitest';
import { Random } from '../../simulators/random.js';
import { HOUR, Lifts, START } from './lift-harness.js';

const ENTRAPMENT = 93;

describe('the circumstances a fault happens in', () => {
  it('a technician checked in silences the test faults of the visit, an entrapment among them', () => {
    const lifts = new Lifts(new Random(1));
    const lift = lifts.add('E1');
    lifts.feed(lift, { type: 'checkin', at: START });
    lifts.fault(lift, START + HOUR, ENTRAPMENT);
    expect(lifts.tickets('critical-entrapment')).toEqual([]);
  });

  it('a check-in never checked out stops silencing the elevator after a working day: a later entrapment opens its ticket', () => {
    const lifts = new Lifts(new Random(1));
    const lift = lifts.add('E1');
    lifts.feed(lift, { type: 'checkin', at: START });
    lifts.feed(lift, { type: 'mode', at: START + 2 * HOUR, mode: 1 });
    lifts.fault(lift, START + 7 * 24 * HOUR, ENTRAPMENT);
    const [ticket] = lifts.tickets('critical-entrapment');
    expect(ticket).toMatchObject({ severity: 'critical', openedAt: new Date(START + 7 * 24 * HOUR).toISOString() });
  });
});
