import { describe, expect, it } from 'vitest';
import { appended, EMPTY_FAULT_LOG, faultsIn, lastCounted, markCommon, type FaultLog } from '../../rules/fault-log.js';
import type { RuleFault } from '../../rules/types.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-06-01T08:00:00+08:00');

const fault = (at: number, over: Partial<RuleFault> = {}): RuleFault => ({
  at,
  seq: 1,
  code: 2,
  floor: 3,
  external: false,
  suppressed: false,
  common: false,
  ...over,
});

const logOf = (faults: readonly RuleFault[], horizonDays = 30, max = 500): FaultLog =>
  faults.reduce((log, next) => appended(log, next, next.at - horizonDays * DAY_MS, max), EMPTY_FAULT_LOG);

describe('fault log', () => {
  it('gives back each fault as it was kept: its time, seq, code, floor and circumstances', () => {
    const faults = [
      fault(T0 + 0.5, { seq: Number.MAX_SAFE_INTEGER, code: 105, floor: 300 }),
      fault(T0 + 1, { seq: 0, code: 1, floor: -20, external: true }),
      fault(T0 + 2, { code: 100, floor: 0, suppressed: true }),
      fault(T0 + 3, { code: 93, floor: -1, external: true, suppressed: true }),
      fault(T0 + 4, { code: 1, floor: -3, common: true }),
    ];
    expect(faultsIn(logOf(faults))).toEqual(faults);
  });

  it('drops the faults before the horizon at its start, and keeps the newest `max`', () => {
    const faults = [fault(T0), fault(T0 + 5 * DAY_MS), fault(T0 + 20 * DAY_MS), fault(T0 + 31 * DAY_MS)];
    expect(faultsIn(logOf(faults)).map((kept) => kept.at)).toEqual([
      T0 + 5 * DAY_MS,
      T0 + 20 * DAY_MS,
      T0 + 31 * DAY_MS,
    ]);
    expect(faultsIn(logOf(faults, 30, 2)).map((kept) => kept.at)).toEqual([T0 + 20 * DAY_MS, T0 + 31 * DAY_MS]);
  });

  it('makes a new log each time, leaving the one it was given as it was', () => {
    const first = logOf([fault(T0)]);
    const second = appended(first, fault(T0 + 1), T0 - DAY_MS, 500);
    expect(faultsIn(first)).toHaveLength(1);
    expect(faultsIn(second)).toHaveLength(2);
  });

  it('finds the latest counted fault of some codes, passing over power cuts and visits, negative floors too', () => {
    const log = logOf([
      fault(T0, { code: 100, floor: -2 }),
      fault(T0 + 1, { code: 100, floor: -2, common: true }),
      fault(T0 + 2, { code: 100, external: true }),
      fault(T0 + 3, { code: 1 }),
    ]);
    expect(lastCounted(log, new Set([100]))).toBe(T0 + 1);
    expect(lastCounted(log, new Set([102]))).toBeNull();
  });

  it('marks the counted faults of some codes since a time as common, and only those', () => {
    const log = logOf([
      fault(T0, { code: 100, floor: -2 }),
      fault(T0 + 10, { code: 100, floor: -2 }),
      fault(T0 + 11, { code: 100, external: true }),
      fault(T0 + 12, { code: 1, floor: 4 }),
      fault(T0 + 13, { code: 100, floor: 7 }),
    ]);
    expect(markCommon(log, new Set([100]), T0 + 5)).toBe(2);
    expect(faultsIn(log).map((kept) => [kept.at, kept.code, kept.floor, kept.common, kept.external])).toEqual([
      [T0, 100, -2, false, false],
      [T0 + 10, 100, -2, true, false],
      [T0 + 11, 100, 3, false, true],
      [T0 + 12, 1, 4, false, false],
      [T0 + 13, 100, 7, true, false],
    ]);
    expect(markCommon(log, new Set([100]), T0 + 5)).toBe(0);
  });
});
