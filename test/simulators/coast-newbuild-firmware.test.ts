import { describe, expect, it } from 'vitest';
import { shanghaiClock } from '../../lib/shanghai.js';
import { FIRMWARE_UPDATE_FACTORS } from '../../simulators/model/plan.js';
import type { TruthRecord } from '../../simulators/truth.js';
import { counted, DAY_MS, inside, mixCodes, nuisanceOf, plansOf, QUIET, run, windowOf } from './run-model.js';

describe('a coastal rainy season', () => {
  const input = {
    ...QUIET,
    seed: 9,
    duration: '70d',
    noise: { rainySeasonWeeks: 6 },
    fleet: { elevators: 30, doorReports: 'anomalies' as const },
  };
  const { scenario, elevators } = run(input);

  it('brings humidity for the season to the exposed lifts only, recorded as nuisance over the season, its faults in it', () => {
    const records = elevators.flatMap((e) => nuisanceOf(e, 'humidity').map((record) => ({ e, record })));
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(new Set(records.map(({ e }) => e.id)).size).toBeLessThan(elevators.length);
    // One season, city-wide: every lift's window is the same.
    expect(new Set(records.map(({ record }) => `${record.onset} ${record.end}`)).size).toBe(1);
    const [from, to] = windowOf(records[0]?.record as TruthRecord);
    expect(to - from).toBeLessThanOrEqual(6 * 7 * DAY_MS);
    expect(from).toBeGreaterThanOrEqual(scenario.fromMs);
    for (const { e, record } of records) {
      expect(record.codes.every((code) => mixCodes('humidity').includes(code))).toBe(true);
      expect(inside(e, record).length).toBeGreaterThanOrEqual(1);
      for (const planned of e.plan.nuisance.filter((n) => n.kind === 'humidity')) {
        expect(planned.times?.every((at) => at >= from && at < to)).toBe(true);
      }
    }
  });

  it('faults most at dawn and at the season’s height, the door-lock ones at the lowest landing', () => {
    const times = elevators
      .flatMap((e) => e.plan.nuisance.filter((n) => n.kind === 'humidity'))
      .flatMap((n) => [...(n.times ?? [])]);
    expect(times.length).toBeGreaterThanOrEqual(40);
    const dawn = times.filter((at) => [3, 4, 5, 6, 7].includes(shanghaiClock(at).hour)).length;
    const afternoon = times.filter((at) => [11, 12, 13, 14, 15].includes(shanghaiClock(at).hour)).length;
    expect(dawn).toBeGreaterThan(4 * afternoon);
    const [start, end] = [Math.min(...times), Math.max(...times)];
    const quarter = (end - start) / 4;
    const middle = times.filter((at) => at >= start + quarter && at < end - quarter).length;
    expect(middle).toBeGreaterThan(0.6 * times.length);
    // The lock's faults at the lowest landing, besides the odd door-lock fault of the lift's own normal elsewhere.
    const locks = elevators.flatMap((e) =>
      nuisanceOf(e, 'humidity').flatMap((record) => inside(e, record).filter((f) => f.code === 100)),
    );
    expect(locks.length).toBeGreaterThanOrEqual(10);
    expect(locks.filter((f) => f.floor === 1).length).toBeGreaterThan(0.8 * locks.length);
  });

  it('happens only when the scenario has a rainy season, and changes nothing else', () => {
    const off = plansOf({ ...input, noise: {} });
    expect(off.flatMap((plan) => plan.nuisance).filter((n) => n.kind === 'humidity')).toEqual([]);
    const on = elevators.map((e) => ({ ...e.plan, nuisance: e.plan.nuisance.filter((n) => n.kind !== 'humidity') }));
    expect(on).toEqual(off);
  });
});

describe('a new-build district', () => {
  const input = {
    ...QUIET,
    seed: 13,
    duration: '60d',
    noise: { handoverShare: 0.7 },
    fleet: { elevators: 16, ageYears: [0.1, 2] as [number, number], doorReports: 'anomalies' as const },
  };
  const { scenario, elevators } = run(input);

  it('gives lifts handed over new their snags: each one fault, at its rate from handover until the callback clears it', () => {
    const snagged = elevators.filter((e) => nuisanceOf(e, 'snagging').length > 0);
    expect(snagged.length).toBeGreaterThanOrEqual(6);
    expect(snagged.length).toBeLessThan(elevators.length);
    let cleared = 0;
    for (const e of snagged) {
      const planned = e.plan.nuisance.filter((n) => n.kind === 'snagging');
      expect(new Set(planned.map((n) => n.start)).size).toBe(1);
      for (const record of nuisanceOf(e, 'snagging')) {
        expect(record.codes).toHaveLength(1);
        expect(mixCodes('snagging')).toContain(record.codes[0]);
        const [from, to] = windowOf(record);
        expect(to - from).toBeLessThanOrEqual(35 * DAY_MS);
        expect(inside(e, record).length).toBeGreaterThanOrEqual(1);
        if (to < scenario.fromMs + scenario.duration) cleared++;
      }
      for (const snag of planned) {
        expect(snag.mix).toHaveLength(1);
        expect(snag.times?.every((at) => at >= snag.start && at < snag.end)).toBe(true);
      }
    }
    expect(cleared).toBeGreaterThanOrEqual(5);
  });

  it('happens only when the scenario hands lifts over, and changes nothing else', () => {
    const off = plansOf({ ...input, noise: {} });
    expect(off.flatMap((plan) => plan.nuisance).filter((n) => n.kind === 'snagging')).toEqual([]);
    const on = elevators.map((e) => ({ ...e.plan, nuisance: e.plan.nuisance.filter((n) => n.kind !== 'snagging') }));
    expect(on).toEqual(off);
  });
});

describe('controllers of another maker', () => {
  const input = {
    ...QUIET,
    seed: 17,
    duration: '80d',
    // Many more background faults than a real lift's, so the update's change shows in a few lifts.
    backgroundFaults: 25,
    noise: { otherFirmwareShare: 0.6, firmwareUpdateShare: 0.7 },
    fleet: { elevators: 12, profiles: { office: 1 }, doorReports: 'anomalies' as const },
  };
  const { scenario, elevators } = run(input);
  const off = plansOf({ ...input, noise: {} });

  it('report another mix all their life: more door cycling and alarm, no door held open', () => {
    const other = elevators.filter((e) => e.plan.otherFirmware);
    expect(other.length).toBeGreaterThanOrEqual(3);
    expect(other.length).toBeLessThan(elevators.length);
    for (const e of elevators) {
      const rate = (code: number, plan = e.plan) => plan.background.find((entry) => entry.code === code)?.perDay;
      const usual = off[e.plan.index];
      if (!e.plan.otherFirmware) {
        expect(e.plan.background).toEqual(usual?.background);
        continue;
      }
      expect(rate(104)).toBeCloseTo(3 * (rate(104, usual) as number), 9);
      expect(rate(105)).toBeCloseTo(0.3 * (rate(105, usual) as number), 9);
      expect(rate(1)).toBe(rate(1, usual));
    }
  });

  it('are updated at a routine visit from the rollout, then report levelling and door-zone stops more, recorded as nuisance to the end', () => {
    const end = scenario.fromMs + scenario.duration;
    const updated = elevators.filter((e) => nuisanceOf(e, 'firmware-update').length > 0);
    expect(updated.length).toBeGreaterThanOrEqual(2);
    const [before, after] = [
      { faults: 0, days: 0 },
      { faults: 0, days: 0 },
    ];
    for (const e of elevators) {
      const records = nuisanceOf(e, 'firmware-update');
      if (e.plan.firmwareUpdateFrom === undefined) {
        expect(records).toEqual([]);
        continue;
      }
      expect(e.plan.otherFirmware).toBe(true);
      if (records.length === 0) continue;
      expect(records).toHaveLength(1);
      const [from, to] = windowOf(records[0] as TruthRecord);
      expect(to).toBe(end);
      // The first routine check-out from the rollout's day installed it.
      const checkOuts = e.messages.filter(
        (m) =>
          m.kind === 'maintenance' &&
          (m.payload.action as unknown) === 'checkout' &&
          (m.payload.kind as unknown) !== 'repair' &&
          m.at >= (e.plan.firmwareUpdateFrom as number),
      );
      expect(checkOuts[0]?.at).toBe(from);
      expect(records[0]?.codes.every((code) => FIRMWARE_UPDATE_FACTORS[code] !== undefined)).toBe(true);
      const finer = counted(e.messages, [102, 4]);
      before.faults += finer.filter((f) => f.at < from).length;
      before.days += (from - scenario.fromMs) / DAY_MS;
      after.faults += finer.filter((f) => f.at >= from).length;
      after.days += (to - from) / DAY_MS;
    }
    expect(after.faults / after.days).toBeGreaterThan(1.6 * (before.faults / before.days));
  });

  it('are all of the usual maker when the scenario says nothing', () => {
    expect(off.filter((plan) => plan.otherFirmware || plan.firmwareUpdateFrom !== undefined)).toEqual([]);
    const usual = run({ ...input, noise: {}, duration: '20d', fleet: { ...input.fleet, elevators: 4 } });
    expect(usual.elevators.flatMap((e) => nuisanceOf(e, 'firmware-update'))).toEqual([]);
  });
});
