import { describe, expect, it } from 'vitest';
import { quantile, score, type ScoredTicket } from '../../simulators/score.js';
import type { TruthRecord } from '../../simulators/truth.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0 + ms).toISOString();

function truth(
  record: Partial<TruthRecord> & Pick<TruthRecord, 'elevator' | 'scenario' | 'category' | 'onset'>,
): TruthRecord {
  return {
    minorPhaseStart: null,
    failure: null,
    end: null,
    fixed: false,
    fixedAt: null,
    status: 'occurred',
    codes: [],
    external: false,
    ...record,
  };
}

const records: TruthRecord[] = [
  truth({
    elevator: 'E1',
    scenario: 'door-operator-wear',
    category: 'degradation',
    onset: at(0),
    minorPhaseStart: at(2 * DAY),
    failure: at(10 * DAY),
    status: 'failed',
  }),
  truth({
    elevator: 'E2',
    scenario: 'door-lock-wear',
    category: 'degradation',
    onset: at(3 * DAY),
    minorPhaseStart: at(4 * DAY),
    failure: at(6 * DAY),
    status: 'failed',
  }),
  truth({
    elevator: 'E3',
    scenario: 'brake-wear',
    category: 'degradation',
    onset: at(4 * DAY),
    minorPhaseStart: at(5 * DAY),
    failure: at(8 * DAY),
    status: 'failed',
  }),
  truth({
    elevator: 'E4',
    scenario: 'encoder-fault',
    category: 'degradation',
    onset: at(0),
    minorPhaseStart: at(DAY),
    failure: at(9 * DAY),
    status: 'fixed',
    fixed: true,
    fixedAt: at(4 * DAY),
  }),
  truth({ elevator: 'E5', scenario: 'entrapment', category: 'critical', onset: at(DAY), failure: at(DAY) }),
  truth({ elevator: 'E6', scenario: 'top-overrun', category: 'critical', onset: at(2 * DAY), failure: at(2 * DAY) }),
  truth({ elevator: 'E7', scenario: 'offline', category: 'data-quality', onset: at(DAY), end: at(DAY + 2 * HOUR) }),
];

let next = 0;
const ticket = (elevator: string, ms: number): ScoredTicket => ({
  id: `T${++next}`,
  elevator,
  rule: 'r',
  openedAt: at(ms),
});
const tickets = [
  ticket('E1', 3 * DAY),
  ticket('E1', 5 * DAY),
  ticket('E2', 5.5 * DAY),
  ticket('E4', 3 * DAY),
  ticket('E5', DAY + 120_000),
  ticket('E7', DAY + HOUR),
  ticket('E8', DAY),
  ticket('E1', 12 * DAY),
];

describe('score', () => {
  it('computes recall, precision, lead times and missed critical events on a hand-made run', () => {
    const result = score(records, tickets);
    expect(result).toMatchObject({
      tickets: 8,
      truePositives: 6,
      falsePositives: 2,
      recall: 0.6667,
      precision: 0.75,
      medianLeadHours: 90,
      p10LeadHours: 27.6,
      criticalEvents: 2,
      criticalMissed: 1,
      medianCriticalSecondsToTicket: 120,
      perRule: { r: { tickets: 8, truePositives: 6 } },
    });
    expect(result.perKind['door-operator-wear']).toEqual({
      category: 'degradation',
      count: 1,
      failed: 1,
      fixed: 0,
      ticketedInTime: 1,
      recall: 1,
      medianLeadHours: 168,
    });
    expect(result.perKind['brake-wear']).toMatchObject({
      failed: 1,
      ticketedInTime: 0,
      recall: 0,
      medianLeadHours: null,
    });
    expect(result.perKind['encoder-fault']).toMatchObject({ failed: 0, recall: null });
    expect(result.perKind.entrapment).toMatchObject({ count: 1, ticketedInTime: 1, medianSecondsToTicket: 120 });
    expect(result.perKind['top-overrun']).toMatchObject({ count: 1, ticketedInTime: 0, recall: 0 });
    expect(result.perKind.offline).toMatchObject({ category: 'data-quality', ticketedInTime: 1 });
  });

  it('scores only what began in the window', () => {
    const result = score(records, tickets, { to: T0 + 1.5 * DAY });
    expect(result).toMatchObject({
      tickets: 3,
      truePositives: 2,
      precision: 0.6667,
      recall: 0,
      criticalEvents: 1,
      criticalMissed: 0,
    });
  });

  it('reports zero tickets honestly: nothing found, nothing claimed', () => {
    expect(score(records, [])).toMatchObject({
      tickets: 0,
      recall: 0,
      precision: null,
      medianLeadHours: null,
      criticalMissed: 2,
    });
  });

  it('takes quantiles with linear interpolation', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([5], 0.1)).toBe(5);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 0, 20], 0.1)).toBeCloseTo(2);
  });
});

describe('score with occurrences', () => {
  it('counts an occurrence added to an active ticket as a warning at its own time, not earlier ones', () => {
    const trapped = [
      truth({ elevator: 'E9', scenario: 'entrapment', category: 'critical', onset: at(DAY), failure: at(DAY) }),
      truth({ elevator: 'E9', scenario: 'entrapment', category: 'critical', onset: at(5 * DAY), failure: at(5 * DAY) }),
    ];
    const active: ScoredTicket = {
      id: 'A',
      elevator: 'E9',
      rule: 'critical-entrapment',
      openedAt: at(DAY),
      occurrences: [{ at: at(DAY - HOUR) }, { at: at(DAY) }, { at: at(5 * DAY + 30_000) }],
    };
    expect(score(trapped, [active])).toMatchObject({
      criticalEvents: 2,
      criticalMissed: 0,
      medianCriticalSecondsToTicket: 15,
    });
    const early = truth({
      elevator: 'E9',
      scenario: 'entrapment',
      category: 'critical',
      onset: at(DAY - HOUR),
      failure: at(DAY - HOUR),
    });
    expect(score([early], [active])).toMatchObject({ criticalMissed: 0, medianCriticalSecondsToTicket: 3600 });
  });
});

describe('score by what each ticket claims', () => {
  const wear = [
    truth({
      elevator: 'E1',
      scenario: 'door-operator-wear',
      category: 'degradation',
      onset: at(0),
      minorPhaseStart: at(DAY),
      failure: at(10 * DAY),
      status: 'failed',
    }),
    truth({
      elevator: 'E2',
      scenario: 'door-lock-wear',
      category: 'degradation',
      onset: at(3 * DAY),
      minorPhaseStart: at(3 * DAY),
      failure: at(6 * DAY),
      status: 'failed',
    }),
    truth({
      elevator: 'E4',
      scenario: 'encoder-fault',
      category: 'degradation',
      onset: at(0),
      minorPhaseStart: at(DAY),
      failure: at(9 * DAY),
      status: 'fixed',
      fixed: true,
      fixedAt: at(4 * DAY),
    }),
    truth({ elevator: 'E5', scenario: 'entrapment', category: 'critical', onset: at(DAY), failure: at(DAY) }),
  ];
  const claim = (
    id: string,
    elevator: string,
    rule: string,
    category: NonNullable<ScoredTicket['category']>,
    ms: number,
    occurrences: number[] = [],
  ): ScoredTicket => ({
    id,
    elevator,
    rule,
    category,
    openedAt: at(ms),
    occurrences: [ms, ...occurrences].map((t) => ({ at: at(t) })),
  });
  const claimed = [
    claim('H1', 'E1', 'door-rate', 'hazard', 3 * DAY),
    claim('H2', 'E1', 'door-rate', 'hazard', 5 * DAY),
    // Inside a degradation a visit then fixed: the warning led to the repair, a hit.
    claim('H3', 'E4', 'position-rate', 'hazard', 3 * DAY),
    claim('H4', 'E4', 'position-rate', 'hazard', 5 * DAY),
    claim('H5', 'E8', 'door-rate', 'hazard', DAY),
    // Opened on noise before the wear began: its later occurrences are not a warning of that wear.
    claim('H6', 'E2', 'door-lock-landing', 'hazard', DAY, [4 * DAY, 5 * DAY]),
    // An entrapment is not wear: a hazard ticket at its time points at nothing real.
    claim('H7', 'E5', 'door-rate', 'hazard', DAY),
    claim('C1', 'E5', 'critical-entrapment', 'critical', DAY + 400),
    // An offline ticket where the terminal was never offline.
    claim('D1', 'E5', 'terminal-offline', 'data-quality', DAY),
  ];

  it('counts a hazard ticket true only when its openedAt lies in a degradation of its elevator', () => {
    const result = score(wear, claimed, { elevatorYears: 10 });
    expect(result.hazard).toEqual({
      tickets: 7,
      truePositives: 3,
      falsePositives: 4,
      precision: 0.4286,
      falsePerElevatorYear: 0.4,
    });
    expect(result).toMatchObject({ tickets: 9, truePositives: 4, falsePositives: 5, precision: 0.4444 });
    expect(result.perRule).toEqual({
      'door-rate': { category: 'hazard', tickets: 4, truePositives: 2, falsePositives: 2 },
      'position-rate': { category: 'hazard', tickets: 2, truePositives: 1, falsePositives: 1 },
      'door-lock-landing': { category: 'hazard', tickets: 1, truePositives: 0, falsePositives: 1 },
      'critical-entrapment': { category: 'critical', tickets: 1, truePositives: 1, falsePositives: 0 },
      'terminal-offline': { category: 'data-quality', tickets: 1, truePositives: 0, falsePositives: 1 },
    });
  });

  it('takes a degradation as warned of only by a hazard ticket opened in it before the failure', () => {
    const result = score(wear, claimed);
    expect(result).toMatchObject({ recall: 0.5, medianLeadHours: 168, elevatorYears: null });
    expect(result.hazard.falsePerElevatorYear).toBeNull();
    expect(result.perKind['door-operator-wear']).toMatchObject({ failed: 1, ticketedInTime: 1, medianLeadHours: 168 });
    expect(result.perKind['door-lock-wear']).toMatchObject({ failed: 1, ticketedInTime: 0, recall: 0 });
    expect(result.perKind['encoder-fault']).toMatchObject({ count: 1, failed: 0, fixed: 1, recall: null });
    // A critical or data-quality ticket in the wear's window is not a warning of it.
    const others = claimed.filter((ticket) => ticket.category !== 'hazard').map((t) => ({ ...t, elevator: 'E1' }));
    expect(score(wear, others)).toMatchObject({ recall: 0 });
  });

  it('times a ticket made after its opening occurrence (held for a common cause) from when it was made', () => {
    const lateMade = claimed.map((ticket) =>
      ticket.category === 'hazard' && ticket.elevator === 'E1' ? { ...ticket, madeAt: at(3 * DAY + 6 * HOUR) } : ticket,
    );
    expect(score(wear, lateMade)).toMatchObject({ recall: 0.5, medianLeadHours: 162 });
    // Made after the failure: no warning in time.
    const afterFailure = claimed.map((ticket) =>
      ticket.category === 'hazard' && ticket.elevator === 'E1' ? { ...ticket, madeAt: at(10 * DAY + HOUR) } : ticket,
    );
    expect(score(wear, afterFailure).perKind['door-operator-wear']).toMatchObject({ ticketedInTime: 0 });
  });

  it('answers a critical event only with a critical ticket, and times it in event time to a tenth of a second', () => {
    const result = score(wear, claimed);
    expect(result).toMatchObject({
      criticalEvents: 1,
      criticalMissed: 0,
      medianCriticalSecondsToTicket: 0.4,
      maxCriticalSecondsToTicket: 0.4,
    });
    expect(result.perKind.entrapment).toMatchObject({ ticketedInTime: 1, medianSecondsToTicket: 0.4 });
    const notCritical = claimed.filter((ticket) => ticket.id !== 'C1');
    expect(score(wear, notCritical)).toMatchObject({ criticalMissed: 1, maxCriticalSecondsToTicket: null });
  });

  it("counts a critical ticket in the hour after a degradation's failure as true (a failure may trap passengers)", () => {
    const atFailure = [
      // E1's door operator fails at day 10 and traps someone.
      claim('C2', 'E1', 'critical-entrapment', 'critical', 10 * DAY + 2000),
      // An hour and more after it, or at a fixed degradation's planned failure: nothing happened.
      claim('C3', 'E1', 'critical-entrapment', 'critical', 10 * DAY + 2 * HOUR),
      claim('C4', 'E4', 'critical-entrapment', 'critical', 9 * DAY),
    ];
    expect(score(wear, atFailure).perRule['critical-entrapment']).toEqual({
      category: 'critical',
      tickets: 3,
      truePositives: 1,
      falsePositives: 2,
    });
  });

  it('leaves the hazard figures empty when no ticket says its category', () => {
    expect(score(records, tickets).hazard).toEqual({
      tickets: 0,
      truePositives: 0,
      falsePositives: 0,
      precision: null,
      falsePerElevatorYear: null,
    });
  });
});
