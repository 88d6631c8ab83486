import { describe, expect, it } from 'vitest';
import type { Elevator } from '../../contract/index.js';
import { CommonCause, COMMON_CAUSE_DEFAULTS, poissonQuantile } from '../../rules/detectors/common-cause.js';
import { FAMILIES, familyNamed } from '../../rules/detectors/families.js';
import { Random } from '../../simulators/random.js';
import { DAY, HOLD, HOUR, Lifts, START } from './lift-harness.js';

const DOOR_LOCK = familyNamed('door-lock').index;
const PRIORS = FAMILIES.map((family) => (family.codes.length > 0 ? family.fleetPrior : undefined));
const MINUTE = 60_000;

/** A tracker that has seen `days` usual days: each elevator's onsets at `perDay`, in time order. */
function usualFleet(districts: readonly string[], perDistrict: number, perDay: number, days: number, seed: number) {
  const random = new Random(seed);
  const tracker = new CommonCause(PRIORS);
  const lifts = districts.flatMap((district) =>
    Array.from({ length: perDistrict }, (_, i) => ({ id: `${district}-${i}`, district })),
  );
  for (const lift of lifts) tracker.join(lift.district);
  const verdicts: boolean[] = [];
  for (let day = 0; day < days; day++) {
    const onsets = lifts
      .filter(() => random.chance(perDay))
      .map((lift) => ({ ...lift, at: START + day * DAY + random.int(7 * 60, 22 * 60) * MINUTE }))
      .sort((a, b) => a.at - b.at);
    for (const { id, district, at } of onsets) {
      verdicts.push(tracker.judge(DOOR_LOCK, { elevator: id, district, at }, district, at).common);
    }
  }
  return { tracker, lifts, verdicts, end: START + days * DAY };
}

describe('common causes: many elevators of one place at once', () => {
  it('takes Poisson quantiles exactly for small means and by the normal approximation for large ones', () => {
    // P(X >= 7 | 1) = 8.3e-5 and P(X >= 6 | 1) = 5.9e-4.
    expect(poissonQuantile(1, 1e-4)).toBe(7);
    expect(poissonQuantile(0.1, 0.25)).toBe(1);
    expect(poissonQuantile(0, 1e-4)).toBe(1);
    // mean + 1.645 sd, and the half for continuity.
    expect(poissonQuantile(1000, 0.05)).toBe(Math.ceil(1000 + 1.6449 * Math.sqrt(1000) + 0.5));
  });

  it("a fleet's usual days make no episode: 120 elevators over 120 days, each opening its door lock twice a year", () => {
    const { verdicts } = usualFleet(['A', 'B', 'C', 'D'], 30, 2 / 365, 120, 3);
    expect(verdicts.length).toBeGreaterThan(40);
    expect(verdicts.filter(Boolean)).toEqual([]);
  });

  it('a fleet far busier than the documented rate (old lifts) learns its usual first and makes no episode of it', () => {
    // 20 times the documented door-lock rate, on every lift.
    const { verdicts } = usualFleet(['A', 'B', 'C', 'D'], 30, 20 / 365, 90, 9);
    expect(verdicts.length).toBeGreaterThan(500);
    expect(verdicts.filter(Boolean)).toEqual([]);
  });

  it('a storm on one district is an episode there: its onsets from the burst on are common, the earlier ones withdrawn', () => {
    const { tracker, lifts, end } = usualFleet(['A', 'B', 'C', 'D'], 30, 2 / 365, 60, 5);
    const storm = end + 10 * HOUR;
    const wet = lifts.filter((lift) => lift.district === 'A').slice(0, 12);
    const verdicts = wet.map((lift, i) => {
      const at = storm + i * 10 * MINUTE;
      return tracker.judge(DOOR_LOCK, { elevator: lift.id, district: 'A', at }, 'A', at);
    });
    const first = verdicts.findIndex((verdict) => verdict.common);
    // Found within a few elevators (at least COMMON_CAUSE_DEFAULTS.minElevators), and from then on every one is common.
    expect(first).toBeGreaterThanOrEqual(COMMON_CAUSE_DEFAULTS.minElevators - 1);
    expect(first).toBeLessThan(6);
    expect(verdicts.slice(first).every((verdict) => verdict.common)).toBe(true);
    // The onsets before it are withdrawn when it is found, and their times are covered. (When the
    // fleet's episode is found later, its window's onsets are named again: the engine marks each
    // fault once, so what was set aside already is not taken back twice.)
    const early = wet.slice(0, first).map((lift) => lift.id);
    expect(verdicts[first]?.withdraw.map((onset) => onset.elevator)).toEqual(early);
    const later = verdicts.slice(first + 1).flatMap((verdict) => verdict.withdraw.map((onset) => onset.at));
    expect(later.every((time) => time <= storm + first * 10 * MINUTE + 6 * 10 * MINUTE)).toBe(true);
    expect(tracker.covers(DOOR_LOCK, 'A', storm, storm + 3 * HOUR)).toBe(true);
    // Another family, and a day later, are not covered.
    expect(tracker.covers(familyNamed('safety-circuit').index, 'A', storm, storm + 3 * HOUR)).toBe(false);
    expect(tracker.covers(DOOR_LOCK, 'A', storm + 3 * DAY, storm + 3 * DAY)).toBe(false);
  });

  it("a small fleet's district, with too few onsets a day to tell by itself, goes with its fleet's episode", () => {
    const districts = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
    // About 1.4 onsets a usual day in each district: its upper quartile is 3, more than one lift.
    const { tracker, lifts, end } = usualFleet(districts, 17, 30 / 365, 40, 8);
    const storm = end + 10 * HOUR;
    // Three wet lifts in each district but B: the fleet's episode, no district's own.
    const wet = districts
      .filter((district) => district !== 'B')
      .flatMap((district) => lifts.filter((lift) => lift.district === district).slice(0, 2));
    wet.forEach((lift, i) => {
      const at = storm + i * 10 * MINUTE;
      tracker.judge(DOOR_LOCK, { elevator: lift.id, district: lift.district, at }, lift.district, at);
    });
    const [dry] = lifts.filter((lift) => lift.district === 'B');
    const at = storm + 3 * HOUR;
    expect(tracker.judge(DOOR_LOCK, { elevator: dry?.id as string, district: 'B', at }, 'B', at).common).toBe(true);
  });

  it("a big city's storm over one district leaves another district's usual onsets judged as ever", () => {
    const { tracker, lifts, end } = usualFleet(['A', 'B', 'C', 'D'], 1000, 2 / 365, 40, 7);
    const storm = end + 10 * HOUR;
    const wet = lifts.filter((lift) => lift.district === 'A').slice(0, 150);
    wet.forEach((lift, i) => {
      const at = storm + i * MINUTE;
      tracker.judge(DOOR_LOCK, { elevator: lift.id, district: 'A', at }, 'A', at);
    });
    const dry = lifts.find((lift) => lift.district === 'B') as { id: string };
    const at = storm + 3 * HOUR;
    expect(tracker.judge(DOOR_LOCK, { elevator: dry.id, district: 'B', at }, 'B', at).common).toBe(false);
    expect(tracker.covers(DOOR_LOCK, 'A', at, at)).toBe(true);
  });
});

describe('common causes in the engine', () => {
  /** Twenty quiet lifts in one district, forty days of telemetry, a door-lock opening now and then. */
  function fleet(seed: number) {
    const lifts = new Lifts(new Random(seed));
    const all: Elevator[] = Array.from({ length: 20 }, (_, i) => lifts.add(`E${i + 1}`));
    for (let day = 0; day < 40; day++) {
      for (const lift of all) lifts.days(lift, START + day * DAY, 1, { faults: { 100: 0.005, 102: 0.02 } });
    }
    return { lifts, all, at: START + 40 * DAY };
  }

  /** Door-lock openings at the ground floor on `wet` lifts: one each on two days three days apart, in the same hours. */
  function twoStorms(lifts: Lifts, wet: readonly Elevator[], at: number) {
    for (const storm of [at + 8 * HOUR, at + 3 * DAY + 8 * HOUR]) {
      wet.forEach((lift, i) => lifts.fault(lift, storm + i * 7 * MINUTE, 100, 1));
      lifts.pass();
    }
    lifts.pass();
  }

  it('a storm opening the door locks of many lifts twice in a week opens no warning; the same on one lift alone does', () => {
    const { lifts, all, at } = fleet(11);
    const before = lifts.tickets('door-lock-recurring').length;
    twoStorms(lifts, all.slice(0, 12), at);
    expect(lifts.tickets('door-lock-recurring')).toHaveLength(before);

    const alone = fleet(11);
    twoStorms(alone.lifts, alone.all.slice(0, 1), alone.at);
    const opened = alone.lifts.tickets('door-lock-recurring').filter((ticket) => ticket.elevator === 'E1');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.evidence).toMatchObject({ test: 'landing-repeat', floor: 1 });
  });

  it('a warning made before the episode was found waits out the hold and is dropped; its faults teach no baseline', () => {
    const { lifts, all, at } = fleet(13);
    const [early, ...rest] = all.slice(0, 12) as [Elevator, ...Elevator[]];
    const baselineBefore = lifts.engine.baselineOf(early, 'door-lock')?.mean as number;
    // The early lift's second opening comes first in the second storm: its landing rule holds a warning at once.
    lifts.fault(early, at + 8 * HOUR, 100, 1);
    rest.forEach((lift, i) => lifts.fault(lift, at + 8 * HOUR + (i + 1) * 7 * MINUTE, 100, 1));
    lifts.pass();
    lifts.fault(early, at + 3 * DAY + 8 * HOUR, 100, 1);
    rest.forEach((lift, i) => lifts.fault(lift, at + 3 * DAY + 8 * HOUR + (i + 1) * 7 * MINUTE, 100, 1));
    lifts.pass(HOLD / 2);
    expect(lifts.tickets('door-lock-recurring')).toEqual([]);
    lifts.pass();
    expect(lifts.tickets('door-lock-recurring')).toEqual([]);
    // Weeks later, the storms' openings have not raised what the lift counts as usual.
    for (let day = 0; day < 21; day++) {
      for (const lift of all) lifts.days(lift, at + 4 * DAY + day * DAY, 1, { faults: { 102: 0.02 } });
    }
    expect(lifts.engine.baselineOf(early, 'door-lock')?.mean as number).toBeLessThanOrEqual(baselineBefore * 1.01);
  });
});
