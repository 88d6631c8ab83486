import { describe, expect, it } from 'vitest';
import { entrapment, overrun } from '../../rules/catalogue/critical.js';
import { doorLockRecurring, positionRecurring, safetyCircuitRecurring } from '../../rules/catalogue/recurring.js';
import { repeatAfterMaintenance } from '../../rules/catalogue/repeat-after-maintenance.js';
import type { RuleFault, StreamInput, StreamRule } from '../../rules/types.js';

const T = Date.parse('2026-11-20T08:00:00+08:00');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let seq = 0;

function fault(code: number, at: number, extra: Partial<RuleFault> = {}): RuleFault {
  return { at: T + at, seq: ++seq, code, floor: 3, external: false, suppressed: false, ...extra };
}

function run<C>(rule: StreamRule<C>, input: Partial<StreamInput> & { fault: RuleFault }, config: Partial<C> = {}) {
  return rule.evaluate(
    { elevator: 'E1', history: [], lastCheckoutAt: null, active: false, ...input },
    { ...rule.defaults, ...config },
  );
}

describe('critical rules', () => {
  it('open a critical ticket at once, with the 30-minute rescue deadline on entrapment', () => {
    const trapped = fault(93, 0, { floor: 12 });
    expect(run(entrapment, { fault: trapped })).toEqual([
      {
        type: 'open',
        occurrences: [trapped],
        severity: 'critical',
        category: 'critical',
        title: 'Entrapment (passengers trapped) at floor 12',
        external: false,
        deadlineMinutes: 30,
      },
    ]);
    expect(run(overrun, { fault: fault(92, 0) })).toMatchObject([{ type: 'open', deadlineMinutes: null }]);
  });

  it.each([
    ['during a power cut: still a ticket, marked external', { external: true }, [{ type: 'open', external: true }]],
    ['during maintenance or inspection: nothing', { suppressed: true }, []],
  ])('treat an entrapment %s', (_case, flags, expected) => {
    expect(run(entrapment, { fault: fault(93, 0, flags) })).toMatchObject(expected);
  });

  it('add a repeat to the active ticket', () => {
    const again = fault(93, HOUR);
    expect(run(entrapment, { fault: again, active: true })).toEqual([{ type: 'occurrence', occurrences: [again] }]);
  });
});

describe('door-lock-recurring (N in 7 days at one landing; N = 3 here, as DESIGN.md proposes)', () => {
  const cases: Array<[string, RuleFault[], RuleFault, number]> = [
    ['3 in the window: open with all 3', [fault(100, 0), fault(100, 2 * DAY)], fault(100, 5 * DAY), 3],
    ['only 2: nothing', [fault(100, 2 * DAY)], fault(100, 5 * DAY), 0],
    [
      'the first exactly 7 days back is out of the window',
      [fault(100, 0), fault(100, 2 * DAY)],
      fault(100, 7 * DAY),
      0,
    ],
    ['a minute inside the window counts', [fault(100, 60_000), fault(100, 2 * DAY)], fault(100, 7 * DAY), 3],
    ['another landing does not count', [fault(100, 0, { floor: 4 }), fault(100, DAY)], fault(100, 2 * DAY), 0],
    [
      'faults during maintenance do not count',
      [fault(100, 0, { suppressed: true }), fault(100, DAY)],
      fault(100, 2 * DAY),
      0,
    ],
    [
      'faults in a power cut do not count',
      [fault(100, 0, { external: true }), fault(100, DAY)],
      fault(100, 2 * DAY),
      0,
    ],
    ['other codes do not count', [fault(2, 0), fault(100, DAY)], fault(100, 2 * DAY), 0],
  ];
  it.each(cases)('%s', (_case, history, latest, occurrences) => {
    const decisions = run(doorLockRecurring, { fault: latest, history }, { count: 3 });
    if (occurrences === 0) expect(decisions).toEqual([]);
    else
      expect(decisions).toMatchObject([
        { type: 'open', severity: 'major', category: 'hazard', occurrences: expect.any(Array) },
      ]);
    if (occurrences > 0 && decisions[0]?.type === 'open') expect(decisions[0].occurrences).toHaveLength(occurrences);
  });

  it('opens on the second by default (tuned by backtest)', () => {
    expect(doorLockRecurring.defaults.count).toBe(2);
    expect(run(doorLockRecurring, { fault: fault(100, 2 * DAY), history: [fault(100, 0)] })).toHaveLength(1);
  });

  it('counts every landing when configured so, and adds to an active ticket', () => {
    const history = [fault(100, 0, { floor: 4 }), fault(100, DAY, { floor: 5 })];
    expect(
      run(doorLockRecurring, { fault: fault(100, 2 * DAY), history }, { count: 3, sameLanding: false }),
    ).toHaveLength(1);
    expect(run(doorLockRecurring, { fault: fault(100, 2 * DAY), active: true })).toMatchObject([
      { type: 'occurrence' },
    ]);
    expect(run(doorLockRecurring, { fault: fault(100, 2 * DAY, { suppressed: true }), active: true })).toEqual([]);
  });
});

describe('other N-in-window rules', () => {
  it('safety circuit: 2 in 7 days', () => {
    expect(run(safetyCircuitRecurring, { fault: fault(1, 6 * DAY), history: [fault(1, 0)] })).toHaveLength(1);
    expect(run(safetyCircuitRecurring, { fault: fault(1, 8 * DAY), history: [fault(1, 0)] })).toEqual([]);
  });

  it('position: stops outside the zone (4) and lost floors (7) count together over 30 days', () => {
    expect(run(positionRecurring, { fault: fault(7, 29 * DAY), history: [fault(4, 0)] })).toMatchObject([
      { type: 'open', title: 'Stopped outside the door zone or lost its floor: 2 times in 30 days' },
    ]);
    expect(run(positionRecurring, { fault: fault(7, 31 * DAY), history: [fault(4, 0)] })).toEqual([]);
  });
});

describe('repeat-after-maintenance (a fault seen twice in the week before a visit, again within 72 h after)', () => {
  const checkout = T + 10 * DAY;
  const twiceBefore = [fault(100, 8 * DAY), fault(100, 9 * DAY)];
  const duringVisit = [
    fault(100, 10 * DAY - 2 * HOUR, { suppressed: true }),
    fault(100, 10 * DAY - HOUR, { suppressed: true }),
  ];
  it.each([
    ['10 h after: a spot check', twiceBefore, 10 * DAY + 10 * HOUR, 1],
    ['80 h after: nothing', twiceBefore, 10 * DAY + 80 * HOUR, 0],
    ['seen only once before: nothing (one stray fault)', [fault(100, 9 * DAY)], 10 * DAY + 10 * HOUR, 0],
    ['seen twice, but more than a week before: nothing', [fault(100, DAY), fault(100, 2 * DAY)], 10 * DAY + HOUR, 0],
    ['another code before: nothing', [fault(2, 8 * DAY), fault(2, 9 * DAY)], 10 * DAY + 10 * HOUR, 0],
    ['seen only during the visit itself: nothing', duringVisit, 10 * DAY + HOUR, 0],
  ] as const)('%s', (_case, history, at, tickets) => {
    const decisions = run(repeatAfterMaintenance, {
      fault: fault(100, at),
      history: [...history],
      lastCheckoutAt: checkout,
    });
    expect(decisions).toHaveLength(tickets);
    if (tickets)
      expect(decisions[0]).toMatchObject({ type: 'open', category: 'maintenance-quality', severity: 'minor' });
  });

  it('needs a check-out to compare with', () => {
    expect(
      run(repeatAfterMaintenance, { fault: fault(100, 2 * DAY), history: [fault(100, 0), fault(100, DAY)] }),
    ).toEqual([]);
  });
});

describe('rule configs', () => {
  it('are validated by each rule, naming a bad field', () => {
    const result = doorLockRecurring.configSchema.safeParse({ count: 0, windowDays: 7, sameLanding: true });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['count']);
    expect(doorLockRecurring.configSchema.safeParse({ ...doorLockRecurring.defaults, windowDays: 45 }).success).toBe(
      false,
    );
    expect(entrapment.configSchema.safeParse({ deadlineMinutes: 30, extra: 1 }).success).toBe(false);
  });
});
