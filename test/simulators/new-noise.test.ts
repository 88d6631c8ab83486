import { describe, expect, it } from 'vitest';
import { shanghaiClock } from '../../lib/shanghai.js';
import type { TruthRecord } from '../../simulators/truth.js';
import {
  classify,
  DAY_MS,
  faultsOf,
  FROM,
  inside,
  mixCodes,
  type ModelRun,
  nuisanceOf,
  QUIET,
  run,
  windowOf,
} from './run-model.js';

const HOUR_MS = 3_600_000;

describe('a summer of heat waves', () => {
  const { elevators } = run({
    ...QUIET,
    seed: 3,
    duration: '12d',
    noise: { heatWavesPerMonth: 8 },
    fleet: { elevators: 24, doorReports: 'anomalies' },
  });

  it('trips the drives of lifts without machine-room cooling in the afternoons, recorded per lift and heat wave', () => {
    const heat = elevators.flatMap((e) => nuisanceOf(e, 'machine-room-heat').map((record) => ({ e, record })));
    const planned = elevators.flatMap((e) => e.plan.nuisance.filter((n) => n.kind === 'machine-room-heat'));
    expect(heat.length).toBeGreaterThanOrEqual(5);
    expect(heat.length).toBeLessThanOrEqual(planned.length);
    expect(new Set(heat.map(({ e }) => e.id)).size).toBeLessThan(elevators.length);
    for (const { e, record } of heat) {
      expect(record.codes.every((code) => mixCodes('machine-room-heat').includes(code))).toBe(true);
      const faults = inside(e, record);
      expect(faults.length).toBeGreaterThanOrEqual(1);
      for (const fault of faults.filter((f) => f.code === 6)) {
        const { hour } = shanghaiClock(fault.at);
        expect(hour).toBeGreaterThanOrEqual(12);
        expect(hour).toBeLessThan(19);
      }
    }
  });

  it('sags a district’s supply: brief safety-circuit, door-lock and position faults on several of its lifts at once, without a mains cut', () => {
    const sags = elevators.flatMap((e) =>
      nuisanceOf(e, 'voltage-sag').map((record) => ({ e, record, district: e.plan.registration.district })),
    );
    expect(sags.length).toBeGreaterThanOrEqual(5);
    for (const { e, record } of sags) {
      const [from, to] = windowOf(record);
      expect(to - from).toBeLessThanOrEqual(40 * 60_000);
      expect(record.codes.every((code) => mixCodes('voltage-sag').includes(code))).toBe(true);
      expect(inside(e, record).length).toBeGreaterThanOrEqual(1);
      expect(faultsOf(e.messages, [41]).filter((m) => m.at >= from - 60_000 && m.at <= to)).toEqual([]);
    }
    // The same sag, on more than one lift of its district.
    const shared = sags.filter(
      (a) => sags.filter((b) => b.district === a.district && b.record.onset === a.record.onset).length >= 2,
    );
    expect(shared.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sags.map((s) => s.record.onset)).size).toBeLessThan(sags.length);
  });
});

describe('estates with vandalised lifts and a fit-out season', () => {
  const estate = (noise: { chronicAbuseShare: number } | { renovationShare: number }) =>
    run({
      ...QUIET,
      seed: 7,
      duration: '70d',
      noise,
      fleet: { elevators: 4, profiles: { residential: 1 }, doorReports: 'anomalies' },
    }).elevators;

  it('abuses a lift for weeks: landing doors forced at a few landings, its stop switch, doors held, mostly in the evening', () => {
    let [evening, all, landings] = [0, 0, 0];
    const codes = new Set<number>();
    const elevators = estate({ chronicAbuseShare: 1 });
    const end = Date.parse(FROM) + 70 * DAY_MS;
    for (const e of elevators) {
      const planned = e.plan.nuisance.find((n) => n.kind === 'vandalism');
      const [record] = nuisanceOf(e, 'vandalism');
      if (!planned || !record) continue;
      const [from, to] = windowOf(record);
      expect(to - from).toBeGreaterThanOrEqual(14 * DAY_MS - HOUR_MS);
      const faults = inside(e, record);
      // As planned, but for those that fell in a visit (a car in inspection is nobody's to abuse).
      const plannedInRun = (planned.times ?? []).filter((at) => at < end).length;
      expect(faults.length).toBeGreaterThanOrEqual(0.7 * plannedInRun);
      const forced = faults.filter((f) => f.code === 100).map((f) => f.floor);
      // Its forced landing doors (a passenger's odd one may fall in the window too).
      const atForced = forced.filter((floor) => planned.landings?.includes(floor));
      expect(atForced.length).toBeGreaterThanOrEqual(0.7 * forced.length);
      landings = Math.max(landings, new Set(atForced).size);
      record.codes.forEach((code) => codes.add(code));
      all += faults.length;
      evening += faults.filter((f) => shanghaiClock(f.at).hour >= 16).length;
    }
    expect(all).toBeGreaterThanOrEqual(30);
    expect(evening / all).toBeGreaterThan(0.5);
    expect(landings).toBeGreaterThanOrEqual(2);
    expect([...codes]).toEqual(expect.arrayContaining([1, 100, 105, 2]));
  });

  it('brings a building’s fit-out to each of its lifts together: door faults on working days, in working hours', () => {
    const elevators = estate({ renovationShare: 1 });
    const records = elevators.map((e) => nuisanceOf(e, 'renovation'));
    expect(records.every((r) => r.length === 1)).toBe(true);
    expect(new Set(records.map((r) => r[0]?.onset)).size).toBe(1);
    for (const e of elevators) {
      const record = nuisanceOf(e, 'renovation')[0] as TruthRecord;
      const faults = inside(e, record).filter((f) => [2, 3, 104, 105].includes(f.code));
      expect(faults.length).toBeGreaterThanOrEqual(10);
      const outOfHours = faults.filter((f) => {
        const { hour, weekend } = shanghaiClock(f.at);
        return weekend || hour < 8 || hour >= 18;
      });
      // Passengers' own door faults fall in the window too; the fit-out's are in working hours.
      expect(outOfHours.length).toBeLessThan(0.25 * faults.length);
    }
  });
});

describe('use that changes under the lifts', () => {
  const tripsBetween = (e: ModelRun, from: number, to: number) => {
    const telemetry = e.messages.filter((m) => m.kind === 'telemetry' && m.at >= from && m.at < to);
    return (telemetry.at(-1)?.payload.runs ?? 0) - (telemetry[0]?.payload.runs ?? 0);
  };

  it('fills or empties a building over weeks: its trips change by the planned factor, and a nuisance window covers it', () => {
    const { scenario, elevators } = run({
      ...QUIET,
      seed: 4,
      duration: '60d',
      noise: { occupancyChangeShare: 1 },
      fleet: { elevators: 4, profiles: { office: 1 }, doorReports: 'anomalies' },
    });
    const end = scenario.fromMs + scenario.duration;
    for (const e of elevators) {
      const change = e.plan.usageChange;
      expect(change?.kind).toBe('occupancy-change');
      if (change?.kind !== 'occupancy-change') continue;
      const [record] = nuisanceOf(e, 'occupancy-change');
      expect(record).toMatchObject({ onset: new Date(change.start).toISOString(), end: new Date(end).toISOString() });
      const weeks = 14 * DAY_MS;
      if (change.start - scenario.fromMs < weeks || end - change.end < weeks) continue;
      const ratio =
        tripsBetween(e, change.end, change.end + weeks) / tripsBetween(e, change.start - weeks, change.start);
      expect(ratio).toBeGreaterThan(change.to * 0.75);
      expect(ratio).toBeLessThan(change.to * 1.33);
    }
  });

  it('brings a lift back after months idle: hardly a trip before, then run-in faults that fade', () => {
    const { elevators } = run({
      ...QUIET,
      seed: 9,
      duration: '75d',
      noise: { recommissionedShare: 1 },
      fleet: { elevators: 4, profiles: { residential: 1 }, doorReports: 'anomalies' },
    });
    let [early, late] = [0, 0];
    for (const e of elevators) {
      const change = e.plan.usageChange;
      expect(change?.kind).toBe('recommissioning');
      if (!change) continue;
      const before = tripsBetween(e, change.start - 5 * DAY_MS, change.start);
      const after = tripsBetween(e, change.end, change.end + 5 * DAY_MS);
      expect(before).toBeLessThan(0.05 * after);
      for (const record of nuisanceOf(e, 'recommissioning')) {
        expect(record.onset).toBe(new Date(change.end).toISOString());
        const faults = inside(e, record);
        early += faults.filter((f) => f.at < change.end + 7 * DAY_MS).length;
        late += faults.filter((f) => f.at >= change.end + 7 * DAY_MS).length;
      }
    }
    expect(early).toBeGreaterThanOrEqual(10);
    expect(early).toBeGreaterThan(1.5 * late);
  });

  it('has technicians who neither check in nor switch to inspection: their tests’ faults counted, no visit on record', () => {
    const { elevators } = run({
      ...QUIET,
      seed: 11,
      duration: '45d',
      backgroundFaults: 0,
      noise: { visitFaults: 4, inspectionsPerYear: 0, callOutChance: 0 },
      contractors: [
        { id: 'MC-NOCHECK', share: 1, fixChance: 0.5, slipChance: 0, visitMinutes: [20, 40], unloggedVisitChance: 1 },
      ],
      fleet: { elevators: 3, doorReports: 'anomalies' },
    });
    const landings = new Set<number>();
    let visits = 0;
    for (const e of elevators) {
      expect(e.messages.filter((m) => m.kind === 'maintenance')).toEqual([]);
      expect(faultsOf(e.messages, [43])).toEqual([]);
      expect(e.messages.filter((m) => m.kind === 'telemetry').every((m) => m.payload.mode !== 2)).toBe(true);
      const records = nuisanceOf(e, 'unlogged-visit');
      visits += records.length;
      for (const record of records) {
        expect(record.codes.every((code) => mixCodes('unlogged-visit').includes(code))).toBe(true);
        const faults = inside(e, record);
        expect(faults.length).toBeGreaterThanOrEqual(1);
        for (const f of faults.filter((fault) => fault.code === 100)) landings.add(f.floor);
      }
      // With no background and no wear, every counted fault is an unlogged visit's.
      const within = (at: number) => records.some((r) => at >= windowOf(r)[0] && at <= windowOf(r)[1]);
      expect(classify(e.messages).filter((f) => !f.suppressed && !f.external && !within(f.at))).toEqual([]);
    }
    expect(visits).toBeGreaterThanOrEqual(6);
    expect(landings.size).toBeGreaterThanOrEqual(3);
  });
});
