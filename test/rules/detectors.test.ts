import { describe, expect, it } from 'vitest';
import type { Elevator } from '../../contract/index.js';
import { doorFaultsRecurring } from '../../rules/catalogue/detectors.js';
import { runLength, thresholdFor } from '../../rules/detectors/cusum.js';
import { rateRatio, twoDigits } from '../../rules/detectors/explain.js';
import { OWN_HISTORY_DAYS } from '../../rules/detectors/rate.js';
import { Random } from '../../simulators/random.js';
import { DAY, HOLD, HOUR, Lifts, START, type LiftDays } from './lift-harness.js';

const YEAR_DAYS = 365;
/** A busy lift: passengers hold the doors every day, the sparse faults a few times a year each. */
const BUSY = { 2: 1, 3: 0.3, 102: 0.5, 100: 0.02, 1: 0.01, 4: 0.01, 7: 0.005, 103: 0.005, 6: 0.005 };
const RULES_OF_RATE_TESTS = ['door-faults-recurring', 'levelling-recurring', 'door-trend'];

/**
 * Days of a lift whose usage swings as real ones do, from START (a Monday): weekends at a fifth of
 * a weekday, each day its own swing (log-normal, sigma 0.15). Faults, door cycles and runs follow
 * the usage; the faults' level also wanders from week to week (its log keeps 0.85 of last week's
 * and moves by 0.13 sigma: a new tenant, the season).
 */
function swingingDays(lifts: Lifts, lift: Elevator, days: number, weekday: LiftDays): void {
  let drift = 0;
  for (let day = 0; day < days; day++) {
    if (day % 7 === 0) drift = 0.85 * drift + 0.13 * lifts.random.normal();
    const usage = (day % 7 >= 5 ? 0.2 : 1) * lifts.random.logNormal(0.15);
    const faults = Object.fromEntries(
      Object.entries(weekday.faults ?? {}).map(([code, perDay]) => [code, perDay * usage * Math.exp(drift)]),
    );
    lifts.days(lift, START + day * DAY, 1, {
      ...weekday,
      faults,
      runsPerDay: (weekday.runsPerDay ?? 240) * usage,
      doorCycles: (weekday.doorCycles ?? 0) * usage,
    });
  }
}

describe('each elevator against its own normal: healthy elevators', () => {
  it("a healthy busy elevator's normal rate opens nothing over a simulated year, visits and power cuts included", () => {
    const lifts = new Lifts(new Random(19));
    const lift = lifts.add('E1');
    for (let day = 0; day < YEAR_DAYS; day++) {
      const at = START + day * DAY;
      // A half-monthly visit with the technician's test faults, and a monthly power cut with faults
      // in it, in the day's last hour.
      const visit = day % 15 === 7;
      const powerCut = day % 30 === 20;
      const hours = visit || powerCut ? 23 : 24;
      lifts.days(lift, at, hours / 24, { faults: BUSY, runsPerDay: 600, doorCycles: 600, reopenChance: 0.1 });
      if (visit) lifts.visit(lift, at + 23 * HOUR + 60_000, 12);
      if (powerCut) {
        lifts.fault(lift, at + 23 * HOUR + 60_000, 41);
        for (let i = 0; i < 8; i++) lifts.fault(lift, at + 23 * HOUR + (i + 2) * 60_000, i % 2 === 0 ? 2 : 102);
        lifts.fault(lift, at + 23 * HOUR + 30 * 60_000, 40);
      }
    }
    expect(lifts.engine.stats().faultsEvaluated).toBeGreaterThan(YEAR_DAYS * 2);
    // repeat-after-maintenance judges the contractor, not the lift: a busy lift's door faults before and after a visit are its business.
    expect(lifts.hazards().map((t) => [t.openedAt, t.title])).toEqual([]);
  });

  it('false alarms of the rate tests come no more often than stated, on quiet and busy elevators alike', () => {
    // 30 elevator-years from quiet (a door fault a month) to very busy (two a day); at the stated
    // rate, one per 100 elevator-years and family, the 3 families here expect 0.9 false tickets.
    let falseTickets = 0;
    for (let e = 0; e < 30; e++) {
      const lifts = new Lifts(new Random(100 + e));
      const lift = lifts.add(`E${e}`);
      const perDay = 0.03 * 1.13 ** e;
      lifts.days(lift, START, YEAR_DAYS, { faults: { 2: perDay, 102: perDay / 2 }, doorCycles: 40 * perDay });
      falseTickets += lifts.hazards().filter((ticket) => RULES_OF_RATE_TESTS.includes(ticket.rule)).length;
    }
    // Poisson(0.9) exceeds 4 with probability 0.2 %.
    expect(falseTickets).toBeLessThanOrEqual(4);
  });

  it('a busy office lift whose days swing (empty weekends, each day its own, a wandering week) opens nothing over a simulated year', () => {
    // A thousand door cycles a weekday, a reopen in 30 of them; door faults and levelling errors
    // with the usage: counts that vary far more from day to day than a Poisson count does.
    const lifts = new Lifts(new Random(29));
    const lift = lifts.add('E1');
    swingingDays(lifts, lift, YEAR_DAYS, {
      faults: { 2: 1.5, 3: 0.5, 102: 0.6, 100: 0.03, 1: 0.02, 4: 0.02 },
      runsPerDay: 1000,
      doorCycles: 1000,
      reopenChance: 0.03,
    });
    expect(lifts.hazards().map((t) => [t.rule, t.openedAt, t.title])).toEqual([]);
  });

  it('false alarms come no more often than stated when the days swing too, on quiet and busy elevators alike', () => {
    // 20 elevator-years from a door fault every two weeks to three a weekday, their days swinging
    // as an office's do; at the stated rate the 3 families here expect 0.6 false tickets.
    let falseTickets = 0;
    for (let e = 0; e < 20; e++) {
      const lifts = new Lifts(new Random(300 + e));
      const lift = lifts.add(`E${e}`);
      const perDay = 0.07 * 1.22 ** e;
      swingingDays(lifts, lift, YEAR_DAYS, { faults: { 2: perDay, 102: perDay / 2 }, doorCycles: 40 * perDay });
      falseTickets += lifts.hazards().filter((ticket) => RULES_OF_RATE_TESTS.includes(ticket.rule)).length;
    }
    // Poisson(0.6) exceeds 3 with probability 0.3 %.
    expect(falseTickets).toBeLessThanOrEqual(3);
  });

  it('passengers abusing a healthy lift (bursts of door faults, the lock opened at one landing, within hours) open nothing', () => {
    const lifts = new Lifts(new Random(37));
    const lift = lifts.add('E1');
    const residential = { faults: { 2: 0.3, 3: 0.1, 102: 0.2, 100: 0.01 }, runsPerDay: 400, doorCycles: 400 };
    for (let day = 0; day < YEAR_DAYS; day++) {
      const at = START + day * DAY;
      lifts.days(lift, at, 1, residential);
      // Every 40 days from day 30: children or a resident moving house, 12 faults over 2 to 20 hours
      // of the evening (into the next day), the lock forced at one landing twice.
      if (day < 30 || day % 40 !== 30) continue;
      const hours = 2 + ((day / 40) % 4) * 6;
      for (let i = 0; i < 12; i++) {
        const code = [2, 2, 3, 2, 105, 100, 2, 104, 2, 100, 3, 2][i] as number;
        lifts.fault(lift, at + 20 * HOUR + (i * hours * HOUR) / 12 + 60_000, code, code === 100 ? 6 : 1 + (i % 9));
      }
    }
    expect(lifts.hazards().map((t) => [t.rule, t.openedAt, t.title])).toEqual([]);
  });
});

describe('each elevator against its own normal: a rise', () => {
  it("a doubling of a quiet elevator's rate opens a ticket within the expected number of events", () => {
    // A quiet lift: a door fault a week, learned for a year; then twice as many.
    const perDay = 1 / 7;
    const seeds = 20;
    const counts: number[] = [];
    const expected: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const lifts = new Lifts(new Random(900 + seed));
      const lift = lifts.add('E1');
      lifts.days(lift, START, YEAR_DAYS, { faults: { 2: perDay } });
      expect(lifts.tickets()).toEqual([]);
      // What the detector's own numbers say: events at 2 × perDay against its tested rate, per chart.
      const { tested } = lifts.engine.baselineOf(lift, 'door-faults') as { tested: number };
      const { rateRatios, falseAlarmYears } = doorFaultsRecurring.defaults;
      const rise = (2 * perDay) / tested;
      const perFalseAlarm = tested * 365.25 * falseAlarmYears * rateRatios.length;
      expected.push(Math.min(...rateRatios.map((k) => rise * runLength(k, thresholdFor(k, perFalseAlarm), rise))));
      const before = lifts.engine.stats().faultsEvaluated;
      for (let day = 0; day < 3 * YEAR_DAYS && lifts.tickets().length === 0; day++) {
        lifts.days(lift, START + (YEAR_DAYS + day) * DAY, 1, { faults: { 2: 2 * perDay } });
      }
      counts.push(lifts.tickets().length === 0 ? Infinity : lifts.engine.stats().faultsEvaluated - before);
    }
    const expectedEvents = expected.reduce((sum, value) => sum + value, 0) / seeds;
    const sorted = [...counts].sort((a, b) => a - b);
    // The run length is skewed (mostly short, a few long): its median within the expected number,
    // and three quarters within twice it.
    expect(sorted[seeds / 2 - 1]).toBeLessThanOrEqual(expectedEvents);
    expect(counts.filter((count) => count <= 2 * expectedEvents).length).toBeGreaterThanOrEqual((3 * seeds) / 4);
  });

  it('a wearing part on a busy lift: its symptoms, sparse then rising, open a warning days before the failure', () => {
    const lifts = new Lifts(new Random(7));
    const lift = lifts.add('E1');
    lifts.days(lift, START, 60, { faults: BUSY });
    const onset = START + 60 * DAY;
    const minorDays = 14;
    for (let day = 0; day < minorDays; day++) {
      const brake = 0.05 + (0.95 * (day + 0.5)) / minorDays;
      const levelling = 0.5 + (5.5 * (day + 0.5)) / minorDays;
      lifts.days(lift, onset + day * DAY, 1, {
        faults: { ...BUSY, 103: BUSY[103] + brake, 102: BUSY[102] + levelling },
      });
    }
    const [warning] = lifts.tickets();
    expect(warning).toMatchObject({ category: 'hazard', status: 'open' });
    expect(['brake-recurring', 'levelling-recurring']).toContain(warning?.rule);
    expect(onset + minorDays * DAY - Date.parse(warning?.openedAt as string)).toBeGreaterThan(5 * DAY);
  });
});

describe('each elevator against its own normal: judged by its use, not by the days', () => {
  /** A lift's days whose use (runs, door cycles, and the faults passengers make) is `use(day)` times its first. */
  function usedDays(lifts: Lifts, lift: Elevator, from: number, days: number, use: (day: number) => number) {
    for (let day = 0; day < days; day++) {
      const factor = use(day);
      lifts.days(lift, from + day * DAY, 1, {
        faults: { 2: 0.4 * factor, 102: 0.1 * factor },
        runsPerDay: 300 * factor,
        doorCycles: 300 * factor,
        reopenChance: 0.05,
      });
    }
  }

  it('a building filling up (three times the use over three weeks, faults with it) opens nothing; the same faults at the old use open a warning', () => {
    const ramp = (day: number) => (day < 60 ? 1 : 1 + 2 * Math.min(1, (day - 60) / 21));
    const filling = new Lifts(new Random(41));
    usedDays(filling, filling.add('E1'), START, 150, ramp);
    expect(filling.hazards().map((t) => [t.openedAt, t.title])).toEqual([]);
    // The same faults while its runs stay as they were: three times the faults a run.
    const worn = new Lifts(new Random(41));
    const lift = worn.add('E1');
    for (let day = 0; day < 150; day++) {
      const factor = ramp(day);
      worn.days(lift, START + day * DAY, 1, {
        faults: { 2: 0.4 * factor, 102: 0.1 * factor },
        runsPerDay: 300,
        doorCycles: 300,
        reopenChance: 0.05,
      });
    }
    expect(worn.tickets('door-faults-recurring')).toHaveLength(1);
  });

  it('a lift back in use after two idle months is judged as a new one: its first weeks of use are its normal', () => {
    const lifts = new Lifts(new Random(43));
    const lift = lifts.add('E1');
    // Idle: a run or two a day and no faults, for 60 days; then its use, and the faults its use makes.
    usedDays(lifts, lift, START, 60, () => 0.005);
    expect(lifts.engine.ownDaysOf(lift)).toBeLessThan(OWN_HISTORY_DAYS);
    usedDays(lifts, lift, START + 60 * DAY, 90, () => 1);
    expect(lifts.hazards().map((t) => [t.openedAt, t.title])).toEqual([]);
  });

  it('a lift whose runs counter comes each hour meets the exposure of its use between two readings, as one read each minute does', () => {
    const [minutely, hourly] = [1, 60].map((minutes) => {
      const lifts = new Lifts(new Random(47));
      const lift = lifts.add('E1');
      // 300 runs a day, evenly, read every `minutes`, for 10 days; what it gained from 10 to 50
      // minutes past an hour on the last day (faults there would meet it): the runs of 40 minutes.
      const hour = START + 9 * DAY + 12 * HOUR;
      let t = 0;
      const exposureAt = (at: number) => {
        for (; START + t < at; t += minutes * 60_000) {
          lifts.feed(lift, { type: 'mode', at: START + t, mode: 1, runs: Math.round((300 * t) / DAY) });
        }
        return lifts.engine.exposureOf(lift, at) ?? 0;
      };
      const exposure = [exposureAt(hour + 600_000), exposureAt(hour + 3_000_000)];
      return (exposure[1] as number) - (exposure[0] as number);
    });
    const runs = (300 * 40) / (24 * 60);
    expect(minutely).toBeGreaterThan(runs * 0.9);
    expect(minutely).toBeLessThan(runs * 1.1);
    expect(hourly).toBeGreaterThan(runs * 0.85);
    expect(hourly).toBeLessThan(runs * 1.15);
  });
});

describe('each elevator against its own normal: a sparse family', () => {
  it("a busy lift's safety circuit opening every other day, after one a year, opens a warning within two weeks", () => {
    const lifts = new Lifts(new Random(53));
    const lift = lifts.add('E1');
    lifts.days(lift, START, 150, { faults: { 2: 0.5, 1: 1 / 365 }, runsPerDay: 1500 });
    const from = START + 150 * DAY;
    for (let day = 0; day < 30 && lifts.tickets('safety-circuit-recurring').length === 0; day++) {
      lifts.days(lift, from + day * DAY, 1, { faults: { 2: 0.5, 1: 0.5 }, runsPerDay: 1500 });
    }
    const [warning] = lifts.tickets('safety-circuit-recurring');
    expect(warning).toMatchObject({ category: 'hazard' });
    expect(Date.parse(warning?.openedAt as string)).toBeLessThan(from + 14 * DAY);
  });
});

describe('each elevator against its own normal: what counts', () => {
  it('suppressed and external faults never count: not in visits, inspection or power cuts, not in the baseline', () => {
    const plain = new Lifts(new Random(5));
    const bursts = new Lifts(new Random(5));
    const a = plain.add('E1');
    const b = bursts.add('E1');
    for (let day = 0; day < 120; day++) {
      const at = START + day * DAY;
      const what = { faults: { 2: 0.2, 102: 0.1 }, doorCycles: 100, reopenChance: 0.05 };
      // Every tenth day, the bursts in its last hour.
      const hours = day % 10 === 9 ? 23 : 24;
      plain.days(a, at, hours / 24, what);
      bursts.days(b, at, hours / 24, what);
      if (hours === 24) continue;
      const late = at + 23 * HOUR + 60_000;
      // A maintenance visit: door faults, levelling errors, the lock twice at one landing, doors reopening.
      bursts.feed(b, { type: 'checkin', at: late });
      for (let i = 1; i <= 20; i++) bursts.fault(b, late + i * 1000, [2, 3, 102, 100][i % 4] as number, 3);
      for (let i = 1; i <= 30; i++) {
        bursts.feed(b, { type: 'door', at: late + i * 1500, seq: 0, floor: 3, closeMs: 9000, reopens: 3 });
      }
      bursts.feed(b, { type: 'checkout', at: late + 10 * 60_000 });
      // Inspection mode (telemetry mode 2), then inspection by fault 43 until 40.
      bursts.feed(b, { type: 'mode', at: late + 11 * 60_000, mode: 2 });
      for (let i = 1; i <= 10; i++) bursts.fault(b, late + 11 * 60_000 + i * 1000, 2);
      bursts.feed(b, { type: 'mode', at: late + 13 * 60_000, mode: 1 });
      bursts.fault(b, late + 14 * 60_000, 43);
      for (let i = 1; i <= 10; i++) bursts.fault(b, late + 14 * 60_000 + i * 1000, 102);
      bursts.fault(b, late + 16 * 60_000, 40);
      // A power cut: faults caused from outside.
      bursts.fault(b, late + 17 * 60_000, 41);
      for (let i = 1; i <= 10; i++) bursts.fault(b, late + 17 * 60_000 + i * 1000, i % 2 ? 2 : 100, 5);
      bursts.fault(b, late + 20 * 60_000, 40);
    }
    expect(bursts.hazards().map((t) => [t.openedAt, t.title])).toEqual([]);
    for (const family of ['door-faults', 'levelling', 'door-lock', 'door-timing']) {
      const without = plain.engine.baselineOf(a, family)?.mean as number;
      const withBursts = bursts.engine.baselineOf(b, family)?.mean as number;
      // The same rate: the bursts' minutes are not counted time either (about 0.1 % of it).
      expect(withBursts / without).toBeGreaterThan(0.99);
      expect(withBursts / without).toBeLessThan(1.01);
    }
  });
});

describe('each elevator against its own normal: boundaries', () => {
  const quietLift = (seed = 3, days = 60) => {
    const lifts = new Lifts(new Random(seed));
    const lift = lifts.add('E1');
    lifts.days(lift, START, days, { faults: { 2: 0.05 } });
    return { lifts, lift, at: START + days * DAY };
  };

  it.each([
    ['twice at one landing within 7 days: a warning of its own', [0, 6.9 * DAY], [3, 3], 1],
    ['exactly 7 days apart: none', [0, 7 * DAY], [3, 3], 0],
    ['at two landings: none', [0, DAY], [3, 4], 0],
    ['twice within hours (a burst: passengers, rain): none', [0, 2 * HOUR], [3, 3], 0],
    ['exactly 24 hours apart: a warning', [0, DAY], [3, 3], 1],
  ] as const)('door-lock circuit: %s', (_case, offsets, floors, tickets) => {
    const { lifts, lift, at } = quietLift();
    offsets.forEach((offset, i) => lifts.fault(lift, at + offset, 100, floors[i]));
    // The warning waits out the common-cause hold: no other lift shows the same, so it opens.
    expect(lifts.tickets('door-lock-recurring')).toEqual([]);
    lifts.pass();
    const found = lifts.tickets('door-lock-recurring');
    expect(found).toHaveLength(tickets);
    if (tickets === 0) return;
    expect(found[0]).toMatchObject({
      severity: 'major',
      category: 'hazard',
      openedAt: new Date(at + (offsets[1] as number)).toISOString(),
      createdAt: new Date(at + (offsets[1] as number) + HOLD).toISOString(),
      occurrenceCount: 2,
      evidence: { family: 'door-lock', test: 'landing-repeat', count: 2, windowDays: 7, floor: 3 },
    });
    expect(found[0]?.title).toMatch(
      /^Door-lock circuit openings 2 in the last 7 days at floor 3 against this elevator's usual /,
    );
  });

  it('door-lock circuit: an opening in a visit or a power cut does not make the pair', () => {
    const { lifts, lift, at } = quietLift();
    lifts.visit(lift, at, 1, 100);
    lifts.fault(lift, at + 2 * HOUR, 41);
    lifts.fault(lift, at + 2 * HOUR + 60_000, 100);
    lifts.fault(lift, at + 3 * HOUR, 40);
    lifts.fault(lift, at + DAY, 100);
    expect(lifts.hazards()).toEqual([]);
  });

  it("an elevator's first weeks learn: a rise on days 3 to 5 is its normal, the same rise on days 20 to 22 is a rise", () => {
    // Its first 7 days open nothing, and its first 14 learn what they show at once: a rise that
    // must show on 3 days (riseDays) is tested against days learned a week late from day 14 on.
    const young = quietLift(11, 3);
    const settled = quietLift(11, 20);
    for (const { lifts, lift, at } of [young, settled]) {
      for (let i = 0; i < 24; i++) lifts.fault(lift, at + i * 3 * HOUR, 2);
    }
    expect(young.lifts.hazards()).toEqual([]);
    expect(settled.lifts.tickets('door-faults-recurring')).toHaveLength(1);
  });

  it('a rise must show on riseDays days: a burst of 8 in a day opens nothing, 8 a day for 3 days opens a warning on the third', () => {
    const burst = quietLift(13, 30);
    for (let i = 0; i < 8; i++) burst.lifts.fault(burst.lift, burst.at + i * HOUR, 2);
    burst.lifts.days(burst.lift, burst.at + DAY, 30, { faults: { 2: 0.05 } });
    expect(burst.lifts.hazards()).toEqual([]);
    const rise = quietLift(13, 30);
    // The rise starts with one of the detector's days (its daily look's, epoch days: 08:00 in Shanghai).
    const from = Math.ceil(rise.at / DAY) * DAY;
    rise.lifts.days(rise.lift, rise.at, (from - rise.at) / DAY, {});
    for (let i = 0; i < 24 && rise.lifts.tickets().length === 0; i++) {
      rise.lifts.fault(rise.lift, from + i * 3 * HOUR, 2);
      // The lift's telemetry (its runs) goes on in between, as a live one's does.
      rise.lifts.days(rise.lift, from + i * 3 * HOUR, 3 / 24, {});
    }
    const [ticket] = rise.lifts.tickets('door-faults-recurring');
    expect(ticket).toMatchObject({ category: 'hazard' });
    expect(Date.parse(ticket?.openedAt as string)).toBeGreaterThanOrEqual(from + 2 * DAY);
    expect(Date.parse(ticket?.openedAt as string)).toBeLessThan(from + 3 * DAY);
  });

  it('a maintenance step that arrives after later messages takes back no counted time', () => {
    const lifts = new Lifts(new Random(23));
    const lift = lifts.add('E1');
    for (let day = 0; day < 120; day++) {
      const at = START + day * DAY;
      lifts.days(lift, at, 1, { faults: { 2: 0.5 }, doorCycles: 600, reopenChance: 0.1 });
      // The visit's messages come in after the rest of the day's (a terminal's buffer).
      if (day % 15 === 7) lifts.visit(lift, at + 22 * HOUR, 0);
    }
    expect(lifts.hazards()).toEqual([]);
  });
});

describe('each elevator against its own normal: explained, and resolving itself', () => {
  /** A lift with about 2.1 door faults a week for 120 days, then 4 a day until a warning opens. */
  function rise(seed: number) {
    const lifts = new Lifts(new Random(seed));
    const lift = lifts.add('E1');
    lifts.days(lift, START, 120, { faults: { 2: 0.3 } });
    const at = START + 120 * DAY;
    for (let i = 0; i < 40 && lifts.tickets('door-faults-recurring').length === 0; i++) {
      lifts.fault(lift, at + i * 6 * HOUR, i % 3 === 0 ? 3 : 2);
      lifts.pass();
    }
    return { lifts, lift, at };
  }

  it('says why in numbers an insurer can check: the count, the usual rate, the ratio, since when', () => {
    const { lifts, lift, at } = rise(31);
    const [ticket] = lifts.tickets('door-faults-recurring');
    const match =
      /^Door faults (\d+) in the last 7 days against this elevator's usual ([\d.]+) a week \(rate ratio ([\d.]+), rising since (\d+ \w{3})\)$/.exec(
        ticket?.title ?? '',
      );
    expect(match, ticket?.title).not.toBeNull();
    const [, count, usual, ratio, since] = match as RegExpExecArray;
    const opened = Date.parse(ticket?.openedAt as string);
    // The count: the counted door faults (2 and 3) in the 7 days up to the one that opened it.
    const detail = lifts.store.tickets.get(ticket?.id as string);
    expect(detail?.occurrences.length).toBe(Number(count));
    expect(detail?.occurrences.every((o) => Date.parse(o.at) > opened - 7 * DAY && Date.parse(o.at) <= opened)).toBe(
      true,
    );
    // Opened by the fault that made it; made once the common-cause hold after it was over.
    expect(detail?.occurrences.at(-1)?.at).toBe(ticket?.openedAt);
    expect(Date.parse(ticket?.createdAt as string)).toBe(opened + HOLD);
    // The usual: this elevator's baseline, a week of it; the ratio: the count over it.
    const baseline = lifts.engine.baselineOf(lift, 'door-faults');
    expect(Number(usual)).toBe(twoDigits((baseline?.mean as number) * 7));
    expect(Number(usual)).toBeGreaterThan(1.5);
    expect(Number(usual)).toBeLessThan(3);
    expect(Number(ratio)).toBe(twoDigits(Number(count) / Number(usual)));
    expect(since).toMatch(/^\d+ (Jan|Feb|Mar|Apr|May|Jun)$/);
    expect(ticket).toMatchObject({ category: 'hazard', severity: 'minor', rule: 'door-faults-recurring' });
    expect(ticket?.evidence).toMatchObject({
      family: 'door-faults',
      test: 'rate-rise',
      count: Number(count),
      windowDays: 7,
      usualPerWeek: Number(usual),
      rateRatio: Number(ratio),
      falseAlarmYears: 100,
      floor: null,
    });
    expect(rateRatio({ count: Number(count), days: 7, usualPerWeek: Number(usual) })).toBe(Number(ratio));
    const evidence = ticket?.evidence;
    expect(Date.parse(evidence?.risingSince as string)).toBeLessThan(opened);
    expect(Date.parse(evidence?.risingSince as string)).toBeGreaterThanOrEqual(at - 30 * DAY);
    expect(evidence?.statistic).toBeGreaterThanOrEqual(evidence?.threshold as number);
    expect(evidence?.testedRatio).toBeOneOf([2, 8, 50]);
  });

  it('a warning whose evidence faded, that nobody acted on, resolves itself; a later rise opens one of its own', () => {
    const { lifts, lift } = rise(31);
    const [first] = lifts.tickets('door-faults-recurring');
    const opened = Date.parse(first?.openedAt as string);
    lifts.days(lift, opened + HOUR, 13, { faults: { 2: 0.3 } });
    expect(lifts.store.tickets.get(first?.id as string)?.status).toBe('open');
    lifts.days(lift, opened + HOUR + 13 * DAY, 3, { faults: { 2: 0.3 } });
    const closed = lifts.store.tickets.get(first?.id as string);
    expect(closed).toMatchObject({ status: 'resolved', closed: { by: 'liftwatch' } });
    expect(closed?.closed.note).toMatch(
      /^No renewed rise in 14 days: Door faults \d+ in the last 7 days against this elevator's usual [\d.]+ a week/,
    );
    // A real rise later: a warning of its own, opened at its own event time.
    const later = opened + 40 * DAY;
    lifts.days(lift, opened + HOUR + 16 * DAY, 24, { faults: { 2: 0.3 } });
    for (let i = 0; i < 40 && lifts.tickets('door-faults-recurring').length === 1; i++) {
      lifts.fault(lift, later + i * 4 * HOUR, 2);
    }
    const tickets = lifts.tickets('door-faults-recurring');
    expect(tickets).toHaveLength(2);
    expect(tickets[1]).toMatchObject({ status: 'open', category: 'hazard' });
    expect(Date.parse(tickets[1]?.openedAt as string)).toBeGreaterThanOrEqual(later);
  });

  it("a warning held for a common cause stays its family's warning while the family goes on in the hold: it resolves itself once the evidence fades", () => {
    const lifts = new Lifts(new Random(31));
    const lift = lifts.add('E1');
    lifts.days(lift, START, 120, { faults: { 2: 0.3 } });
    const at = START + 120 * DAY;
    // Door faults every two hours: several come while the warning is held.
    for (let i = 0; i < 80 && lifts.tickets('door-faults-recurring').length === 0; i++) {
      lifts.fault(lift, at + i * 2 * HOUR, i % 3 === 0 ? 3 : 2);
    }
    const [first] = lifts.tickets('door-faults-recurring');
    expect(first).toMatchObject({ status: 'open', category: 'hazard' });
    expect(first?.occurrenceCount).toBeGreaterThan(1);
    lifts.days(lift, lifts.clock + HOUR, 17, { faults: { 2: 0.3 } });
    expect(lifts.store.tickets.get(first?.id as string)).toMatchObject({
      status: 'resolved',
      closed: { by: 'liftwatch' },
    });
  });

  it('a warning someone acknowledged stays for them to close', () => {
    const { lifts, lift } = rise(31);
    const [first] = lifts.tickets('door-faults-recurring');
    lifts.store.tickets.transition(first?.id as string, 'ack', 'insurer', null, new Date(lifts.clock));
    lifts.days(lift, Date.parse(first?.openedAt as string) + HOUR, 30, { faults: { 2: 0.3 } });
    expect(lifts.store.tickets.get(first?.id as string)?.status).toBe('acknowledged');
  });
});

describe('door timing (door-trend)', () => {
  it('a door operator slowing down, or its doors reopening more, opens a warning; the healthy one does not', () => {
    const outcome = (closeDrift: number, reopens: readonly [number, number]) => {
      const lifts = new Lifts(new Random(41));
      const lift = lifts.add('E1');
      lifts.days(lift, START, 60, { doorCycles: 120, reopenChance: 0.05 });
      const onset = START + 60 * DAY;
      for (let day = 0; day < 20; day++) {
        const progress = (day + 0.5) / 20;
        lifts.days(lift, onset + day * DAY, 1, {
          doorCycles: 120,
          closeMs: 3000 * (1 + closeDrift * progress),
          reopenChance: reopens[0] + (reopens[1] - reopens[0]) * progress,
        });
      }
      return { tickets: lifts.tickets('door-trend'), failure: onset + 20 * DAY };
    };
    expect(outcome(0, [0.05, 0.05]).tickets).toEqual([]);
    for (const [drift, reopens] of [
      [0.6, [0.05, 0.05]],
      [0, [0.08, 0.5]],
    ] as const) {
      const { tickets, failure } = outcome(drift, reopens);
      expect(tickets).toHaveLength(1);
      expect(failure - Date.parse(tickets[0]?.openedAt as string)).toBeGreaterThan(5 * DAY);
      expect(tickets[0]).toMatchObject({ category: 'hazard', evidence: { family: 'door-timing', test: 'rate-rise' } });
      expect(tickets[0]?.title).toMatch(
        /^Door cycles with a reopen or a slow close \d+ in the last [\d.]+ days? against this elevator's usual [\d.]+ a week/,
      );
    }
  });
});
