import { describe, expect, it } from 'vitest';
import type { ElevatorRisk } from '../../contract/index.js';
import { DAY_MS, isRecurringRule, median, overdueDays } from '../../risk/figures.js';
import { riskFactors, scoreOf, type RiskFigures } from '../../risk/formula.js';
import { rank } from '../../risk/score.js';

const quiet: RiskFigures = {
  ageYears: 0,
  faults: { critical: 0, major: 0, minor: 0, info: 0 },
  runs: null,
  runsPerDay: null,
  fleetMedianRunsPerDay: null,
  recurringTickets: 0,
  overdueDays: null,
};

describe('the risk formula', () => {
  it('gives 0 for nothing known and 100 when every factor is at its cap', () => {
    expect(scoreOf(riskFactors(quiet))).toBe(0);
    const worst = riskFactors({
      ageYears: 40,
      faults: { critical: 100, major: 0, minor: 0, info: 0 },
      runs: 1000,
      runsPerDay: 900,
      fleetMedianRunsPerDay: 100,
      recurringTickets: 9,
      overdueDays: 200,
    });
    expect(worst.map((factor) => factor.normalised)).toEqual([1, 1, 1, 1, 1]);
    expect(scoreOf(worst)).toBe(100);
  });

  it('counts a barely used lift as 1,000 runs and info faults as nothing', () => {
    const [, faults] = riskFactors({ ...quiet, faults: { critical: 0, major: 0, minor: 1, info: 50 }, runs: 10 });
    // 1 weighted fault per 1,000 runs: the cap.
    expect(faults).toMatchObject({ points: 35, figures: { weightedFaults: 1, weightedPer1000Runs: 1 } });
  });
});

describe('the figures', () => {
  it('takes the median of an even and an odd count, and none of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('counts only the days past 15 in each gap between check-outs', () => {
    expect(overdueDays(0, [15 * DAY_MS, 31 * DAY_MS], 50 * DAY_MS)).toBe(1 + 4);
    expect(overdueDays(0, [], 10 * DAY_MS)).toBe(0);
  });

  it('knows the recurring-fault rules', () => {
    expect(['door-lock-recurring', 'door-trend', 'repeat-after-maintenance'].every(isRecurringRule)).toBe(true);
    expect(['critical-entrapment', 'maintenance-overdue', 'usage-above-norm'].some(isRecurringRule)).toBe(false);
  });
});

describe('the ranking', () => {
  const risk = (elevator: string, score: number) => ({ elevator, score }) as ElevatorRisk;
  const fleet = [risk('E-1', 10), risk('E-2', 30), risk('E-3', 10), risk('E-4', 20)];

  it('pages highest first, ties by id, from a score:id cursor', () => {
    const first = rank(fleet, 2);
    expect(first.items.map((one) => one.elevator)).toEqual(['E-2', 'E-4']);
    expect(first.next).toBe('20:E-4');
    const second = rank(fleet, 2, first.next ?? '');
    expect(second.items.map((one) => one.elevator)).toEqual(['E-1', 'E-3']);
    expect(second.next).toBeNull();
    expect(rank(fleet, 5, '10:E-1').items.map((one) => one.elevator)).toEqual(['E-3']);
  });

  it('refuses a cursor it did not give', () => {
    expect(() => rank(fleet, 2, 'E-1')).toThrow(/cursor/);
  });
});
