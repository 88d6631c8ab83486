import { describe, expect, it } from 'vitest';
import { entrapment } from '../../rules/catalogue/critical.js';
import { doorFaultsRecurring } from '../../rules/catalogue/detectors.js';
import { repeatAfterMaintenance } from '../../rules/catalogue/repeat-after-maintenance.js';
import { putOverride } from '../../rules/config.js';
import type { Rule } from '../../rules/types.js';
import { Random } from '../../simulators/random.js';
import type { Store } from '../../store/types.js';
import { DAY, HOUR, Lifts, START } from './lift-harness.js';

const SEED = 5;
/**
 * The door-faults detector alone: a shadow engine runs only the rules in shadow, and the peers'
 * pooled rates decay by group whenever any family learns, so its numbers are those of an engine
 * running that rule alone.
 */
const DOOR_FAULTS_ALONE = { rules: [], detectors: [doorFaultsRecurring] };
/** A more sensitive door-faults test than the default: what an engineer would try in shadow first. */
const EAGER = { falseAlarmYears: 2, rateRatios: [1.5], quietDays: 7 };

const override = (lifts: Lifts, rule: Rule, config: Record<string, unknown>) =>
  putOverride(lifts.store.ruleConfigs, rule, { scope: 'default', scopeId: '', config, createdBy: 't' }, new Date());

/** Two months of a quiet lift's door faults, a fortnight of wear (rising door faults), then a month of quiet. */
function wearingDoors(lifts: Lifts): void {
  const lift = lifts.add('E1');
  lifts.days(lift, START, 60, { faults: { 2: 0.2 } });
  for (let day = 0; day < 14; day++) {
    lifts.days(lift, START + (60 + day) * DAY, 1, { faults: { 2: 0.2 + (2.8 * (day + 0.5)) / 14 } });
  }
  lifts.days(lift, START + 74 * DAY, 30, { faults: { 2: 0.2 } });
}

/** What a ticket or a shadow record says of what opened it, and how it ended. */
const opened = (store: Store, rule: string, from: 'tickets' | 'shadows') =>
  store[from]
    .list({ rule, limit: 1000 })
    .items.map(({ elevator, openedAt, title, occurrenceCount, evidence, status, closed }) => ({
      elevator,
      openedAt,
      title,
      occurrenceCount,
      evidence,
      status,
      closedBy: closed.by,
      note: closed.note,
    }));

describe('rules in shadow', () => {
  it('a detector in shadow opens no ticket and records what it would have opened, exactly as it would live', () => {
    const live = new Lifts(new Random(SEED), DOOR_FAULTS_ALONE);
    wearingDoors(live);
    const wouldOpen = opened(live.store, doorFaultsRecurring.id, 'tickets');
    expect(wouldOpen.length).toBeGreaterThan(0);

    const shadowed = new Lifts(new Random(SEED));
    override(shadowed, doorFaultsRecurring, { mode: 'shadow' });
    wearingDoors(shadowed);
    expect(shadowed.tickets()).toEqual([]);
    expect(shadowed.store.deliveries.lastEventId()).toBe(0);
    expect(opened(shadowed.store, doorFaultsRecurring.id, 'shadows')).toEqual(wouldOpen);
    expect(shadowed.store.shadows.list({ limit: 10 }).items[0]).toMatchObject({
      rule: doorFaultsRecurring.id,
      ruleVersion: doorFaultsRecurring.version,
      category: 'hazard',
      severity: 'minor',
    });
  });

  it('a shadow config beside the live rule: the live one opens as before, the shadow as the rule would with its config', () => {
    const plain = new Lifts(new Random(SEED));
    wearingDoors(plain);
    const eager = new Lifts(new Random(SEED), DOOR_FAULTS_ALONE);
    override(eager, doorFaultsRecurring, EAGER);
    wearingDoors(eager);
    const liveTickets = opened(plain.store, doorFaultsRecurring.id, 'tickets');
    const eagerTickets = opened(eager.store, doorFaultsRecurring.id, 'tickets');
    // The two configs differ on this lift, so that a shared memory would show.
    expect(eagerTickets).not.toEqual(liveTickets);

    const both = new Lifts(new Random(SEED));
    const stored = override(both, doorFaultsRecurring, { shadow: EAGER });
    wearingDoors(both);
    expect(opened(both.store, doorFaultsRecurring.id, 'tickets')).toEqual(liveTickets);
    expect(opened(both.store, doorFaultsRecurring.id, 'shadows')).toEqual(eagerTickets);
    expect(both.store.shadows.list({ limit: 1 }).items[0]?.configVersion).toBe(stored.version);
  });

  it('a stream rule in shadow records its would-open too; a critical rule always runs live', () => {
    /** A brake fault twice before a visit and twice again after it. */
    const repeated = (lifts: Lifts) => {
      const lift = lifts.add('E1');
      for (const hours of [-48, -24]) lifts.fault(lift, START + hours * HOUR, 103);
      lifts.feed(lift, { type: 'checkin', at: START });
      lifts.feed(lift, { type: 'checkout', at: START + HOUR });
      for (const hours of [3, 4]) lifts.fault(lift, START + hours * HOUR, 103);
      return lift;
    };
    const live = new Lifts(new Random(SEED));
    repeated(live);
    const wouldOpen = opened(live.store, repeatAfterMaintenance.id, 'tickets');
    expect(wouldOpen).toMatchObject([{ occurrenceCount: 4, status: 'open' }]);
    const lifts = new Lifts(new Random(SEED));
    override(lifts, repeatAfterMaintenance, { mode: 'shadow' });
    const lift = repeated(lifts);
    expect(lifts.tickets(repeatAfterMaintenance.id)).toEqual([]);
    expect(opened(lifts.store, repeatAfterMaintenance.id, 'shadows')).toEqual(wouldOpen);

    expect(() => override(lifts, entrapment, { mode: 'shadow' })).toThrow(/always runs live/);
    override(lifts, entrapment, { shadow: { deadlineMinutes: 20 } });
    lifts.fault(lift, START + 6 * HOUR, 93);
    expect(lifts.tickets(entrapment.id)).toHaveLength(1);
    expect(lifts.store.shadows.list({ rule: entrapment.id, limit: 10 }).items).toHaveLength(1);
  });

  it("an elevator's shadow runs for that elevator alone: the others take no memory in the shadow engine", () => {
    const lifts = new Lifts(new Random(SEED));
    putOverride(
      lifts.store.ruleConfigs,
      repeatAfterMaintenance,
      { scope: 'elevator', scopeId: 'E2', config: { mode: 'shadow' }, createdBy: 't' },
      new Date(),
    );
    const fleet = ['E1', 'E2', 'E3'].map((id) => lifts.add(id));
    for (const lift of fleet) {
      for (const hours of [-48, -24]) lifts.fault(lift, START + hours * HOUR, 103);
      lifts.feed(lift, { type: 'checkin', at: START });
      lifts.feed(lift, { type: 'checkout', at: START + HOUR });
      lifts.fault(lift, START + 3 * HOUR, 103);
    }
    expect(lifts.engine.stats()).toMatchObject({ elevators: 3, shadowElevators: 1 });
    expect(lifts.tickets(repeatAfterMaintenance.id).map((ticket) => ticket.elevator)).toEqual(['E1', 'E3']);
    expect(opened(lifts.store, repeatAfterMaintenance.id, 'shadows').map((record) => record.elevator)).toEqual(['E2']);
  });

  it('refuses a bad mode or shadow config, and a shadow for a scheduled rule, naming the field', () => {
    const lifts = new Lifts();
    expect(() => override(lifts, doorFaultsRecurring, { mode: 'dark' })).toThrow(/mode/);
    expect(() => override(lifts, doorFaultsRecurring, { shadow: { falseAlarmYears: -1 } })).toThrow(
      /Invalid shadow config for door-faults-recurring: .*falseAlarmYears/,
    );
    expect(() => override(lifts, doorFaultsRecurring, { shadow: { nope: 1 } })).toThrow(/shadow config/);
    expect(() => override(lifts, doorFaultsRecurring, { shadow: 3 })).toThrow(/shadow/);
  });
});
