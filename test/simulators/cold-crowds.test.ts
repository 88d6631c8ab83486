import { describe, expect, it } from 'vitest';
import { shanghaiClock } from '../../lib/shanghai.js';
import type { NuisanceKind } from '../../simulators/model/plan.js';
import { DAY_MS, inside, mixCodes, type ModelRun, nuisanceOf, plansOf, QUIET, run, windowOf } from './run-model.js';

/** Turning a noise field on adds its own kind of nuisance and changes nothing else of the plans. */
const withoutKind = (elevators: readonly ModelRun[], kind: NuisanceKind) =>
  elevators.map((e) => ({ ...e.plan, nuisance: e.plan.nuisance.filter((n) => n.kind !== kind) }));

describe('winter cold snaps', () => {
  const input = {
    ...QUIET,
    seed: 21,
    duration: '60d',
    noise: { coldSnapsPerMonth: 2 },
    fleet: { elevators: 30, doorReports: 'anomalies' as const },
  };
  const { scenario, elevators } = run(input);

  it('slow the doors and levelling of exposed lifts on the snaps’ mornings, recorded as nuisance over each snap, its faults in it', () => {
    const records = elevators.flatMap((e) => nuisanceOf(e, 'cold').map((record) => ({ e, record })));
    expect(records.length).toBeGreaterThanOrEqual(10);
    const exposed = new Set(records.map(({ e }) => e.id));
    expect(exposed.size).toBeGreaterThanOrEqual(5);
    expect(exposed.size).toBeLessThan(elevators.length);
    // City-wide snaps: the lifts share their windows, each of 2 to 7 days.
    const windows = new Set(records.map(({ record }) => `${record.onset} ${record.end}`));
    expect(windows.size).toBeLessThan(records.length);
    for (const { e, record } of records) {
      const [from, to] = windowOf(record);
      expect(from).toBeGreaterThanOrEqual(scenario.fromMs);
      expect(to - from).toBeLessThan(7 * DAY_MS);
      expect(record.codes.every((code) => mixCodes('cold').includes(code))).toBe(true);
      expect(inside(e, record).length).toBeGreaterThanOrEqual(1);
    }
    for (const e of elevators) {
      for (const planned of e.plan.nuisance.filter((n) => n.kind === 'cold')) {
        expect(planned.times?.every((at) => at >= planned.start && at < planned.end)).toBe(true);
        expect(planned.times?.every((at) => shanghaiClock(at).hour >= 5 && shanghaiClock(at).hour < 11)).toBe(true);
      }
    }
  });

  it('happens only when the scenario has cold snaps, and changes nothing else', () => {
    const off = plansOf({ ...input, noise: {} });
    expect(off.flatMap((plan) => plan.nuisance).filter((n) => n.kind === 'cold')).toEqual([]);
    expect(withoutKind(elevators, 'cold')).toEqual(off);
  });
});

describe('crowd days', () => {
  const input = {
    ...QUIET,
    seed: 23,
    duration: '45d',
    noise: { crowdDaysPerMonth: 3 },
    fleet: { elevators: 30, profiles: { mall: 0.5, residential: 0.5 }, doorReports: 'anomalies' as const },
  };
  const { scenario, elevators } = run(input);

  it('bring door faults on the same days to the lifts that serve the crowd, most of them malls, recorded as nuisance over the day', () => {
    const records = elevators.flatMap((e) => nuisanceOf(e, 'crowding').map((record) => ({ e, record })));
    expect(records.length).toBeGreaterThanOrEqual(10);
    const served = [...new Map(records.map(({ e }) => [e.id, e.plan.profile])).values()];
    expect(served.filter((profile) => profile === 'mall').length).toBeGreaterThan(
      2 * served.filter((profile) => profile === 'residential').length,
    );
    const days = new Set(records.map(({ record }) => record.onset));
    expect(days.size).toBeLessThan(records.length / 2);
    for (const { e, record } of records) {
      const [from, to] = windowOf(record);
      expect(from).toBeGreaterThanOrEqual(scenario.fromMs);
      expect(to - from).toBeLessThanOrEqual(DAY_MS);
      expect(record.codes.every((code) => mixCodes('crowding').includes(code))).toBe(true);
      expect(inside(e, record).length).toBeGreaterThanOrEqual(1);
    }
    // The entrance's landing door forced: door-lock faults of a crowd at the ground floor.
    const locks = records.flatMap(({ e, record }) => inside(e, record).filter((f) => f.code === 100));
    expect(locks.length).toBeGreaterThanOrEqual(3);
    expect(locks.filter((f) => f.floor === 1).length).toBeGreaterThan(0.8 * locks.length);
  });

  it('happens only when the scenario has crowd days, and changes nothing else', () => {
    const off = plansOf({ ...input, noise: {} });
    expect(off.flatMap((plan) => plan.nuisance).filter((n) => n.kind === 'crowding')).toEqual([]);
    expect(withoutKind(elevators, 'crowding')).toEqual(off);
  });
});
