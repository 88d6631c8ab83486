import { describe, expect, it } from 'vitest';
import { entrapment, overrun } from '../../rules/catalogue/critical.js';
import { doorLockRecurring } from '../../rules/catalogue/detectors.js';
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
    const result = doorLockRecurring.configSchema.safeParse({ ...doorLockRecurring.defaults, landingCount: 0 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['landingCount']);
    expect(doorLockRecurring.configSchema.safeParse({ ...doorLockRecurring.defaults, landingDays: 45 }).success).toBe(
      false,
    );
    expect(doorLockRecurring.configSchema.safeParse({ ...doorLockRecurring.defaults, rateRatios: [1] }).success).toBe(
      false,
    );
    expect(entrapment.configSchema.safeParse({ deadlineMinutes: 30, extra: 1 }).success).toBe(false);
  });
});
