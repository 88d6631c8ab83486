import { describe, expect, it } from 'vitest';
import { DEGRADATIONS } from '../../simulators/degradations.js';
import { planElevator, type ElevatorPlan } from '../../simulators/model/plan.js';
import { loadScenario, type Scenario } from '../../simulators/scenario.js';
import type { TruthRecord } from '../../simulators/truth.js';
import {
  classify,
  counted,
  DAY_MS,
  faultsOf,
  mean,
  type Message,
  NO_CRITICAL,
  quantileOf,
  run,
  runModels,
  scenarioOf,
  WEEK_MS,
} from './run-model.js';

const DOOR_CODES = [2, 3, 104, 105] as const;
const FAMILIES = [
  'busy-residential',
  'quiet-offices',
  'old-mixed-fleet',
  'storm-season',
  'heterogeneous-city',
  'summer-heat',
  'vandalised-estates',
  'changing-use',
  'rainy-coast',
  'new-district',
  'two-makers',
  'winter-hills',
  'metro-malls',
  'care-homes',
] as const;

/** Expected faults of some codes per weekday on a healthy lift, as planned. */
const plannedPerDay = (plan: ElevatorPlan, codes: readonly number[]) =>
  plan.background.filter((entry) => codes.includes(entry.code)).reduce((sum, entry) => sum + entry.perDay, 0);

const plans = (scenario: Scenario) =>
  Array.from({ length: scenario.fleet.elevators }, (_, index) => planElevator(scenario, index));

describe('a fleet whose elevators each have their own normal', () => {
  it('gives door faults by usage and passengers: the busiest tenth has many times the quietest tenth, as planned and as run', () => {
    const scenario = scenarioOf({
      seed: 21,
      duration: '28d',
      critical: NO_CRITICAL,
      powerOffsPerYear: 0,
      fleet: { elevators: 300, profiles: { residential: 0.5, office: 0.3, hospital: 0.1, mall: 0.1 } },
    });
    const fleet = plans(scenario);
    const perWeek = fleet.map((plan) => plannedPerDay(plan, DOOR_CODES) * 7);
    expect(quantileOf(perWeek, 0.9)).toBeGreaterThan(10 * quantileOf(perWeek, 0.1));
    // Some busy residential lifts fault at their doors several times a week; a typical office lift about monthly.
    const residential = fleet
      .filter((plan) => plan.profile === 'residential')
      .map((p) => plannedPerDay(p, DOOR_CODES) * 7);
    const office = fleet.filter((plan) => plan.profile === 'office').map((p) => plannedPerDay(p, DOOR_CODES) * 7);
    expect(residential.filter((rate) => rate >= 3).length).toBeGreaterThanOrEqual(5);
    expect(quantileOf(office, 0.5)).toBeLessThan(0.6);
    expect(quantileOf(residential, 0.5)).toBeGreaterThan(2 * quantileOf(office, 0.5));

    const byRate = perWeek.map((rate, index) => ({ index, rate })).sort((a, b) => a.rate - b.rate);
    const quietest = byRate.slice(0, 6).map((entry) => entry.index);
    const busiest = byRate.slice(-6).map((entry) => entry.index);
    const weeks = scenario.duration / WEEK_MS;
    const ran = (indices: number[]) =>
      runModels(scenario, indices).map(({ messages }) => counted(messages, DOOR_CODES).length / weeks);
    const [busy, quiet] = [ran(busiest), ran(quietest)];
    expect(mean(busy)).toBeGreaterThan(2);
    expect(mean(busy)).toBeGreaterThan(8 * Math.max(mean(quiet), 0.05));
    const plannedBusy = mean(busiest.map((index) => perWeek[index] as number));
    expect(mean(busy)).toBeGreaterThan(plannedBusy / 2);
    expect(mean(busy)).toBeLessThan(plannedBusy * 2);
  });

  it('gives older lifts more levelling and position faults, and no two lifts the same rates', () => {
    const fleet = plans(scenarioOf({ seed: 4, fleet: { elevators: 400, ageYears: [1, 30] } }));
    const levelling = (plan: ElevatorPlan) => plannedPerDay(plan, [102, 4, 7]);
    const old = fleet.filter((plan) => plan.ageYears > 22).map(levelling);
    const young = fleet.filter((plan) => plan.ageYears < 8).map(levelling);
    expect(mean(old)).toBeGreaterThan(2.5 * mean(young));
    const ofOneProfile = fleet.filter((plan) => plan.profile === 'residential').map(levelling);
    expect(new Set(ofOneProfile).size).toBe(ofOneProfile.length);
    expect(quantileOf(ofOneProfile, 0.9)).toBeGreaterThan(3 * quantileOf(ofOneProfile, 0.1));
  });

  it('rides by its building, its weekday and its day: offices far quieter at weekends, no two days alike', () => {
    const { elevators } = run({
      seed: 8,
      duration: '14d',
      fleet: { elevators: 3, profiles: { office: 1 }, doorReports: 'anomalies' },
    });
    for (const { messages } of elevators) {
      const telemetry = messages.filter((m) => m.kind === 'telemetry');
      const perDay = new Map<number, number>();
      for (let i = 1; i < telemetry.length; i++) {
        const [before, after] = [telemetry[i - 1] as Message, telemetry[i] as Message];
        const day = Math.floor((after.at + 8 * 3_600_000) / DAY_MS);
        perDay.set(day, (perDay.get(day) ?? 0) + (after.payload.runs as number) - (before.payload.runs as number));
      }
      // Day 0 of the epoch was a Thursday: days 2 and 3 modulo 7 are Saturdays and Sundays.
      const days = [...perDay.entries()].map(([day, runs]) => ({ weekend: [2, 3].includes(day % 7), runs }));
      const weekdays = days.filter((d) => !d.weekend).map((d) => d.runs);
      const weekends = days.filter((d) => d.weekend).map((d) => d.runs);
      expect(mean(weekends)).toBeLessThan(0.5 * mean(weekdays));
      const spread = Math.sqrt(mean(weekdays.map((r) => (r - mean(weekdays)) ** 2))) / mean(weekdays);
      expect(spread).toBeGreaterThan(0.05);
    }
  });
});

describe('bursts the rules must be able to set aside', () => {
  it('come in power cuts (external), in maintenance visits and in inspection (suppressed), a lift of one building losing power with the others', () => {
    const { elevators } = run({
      seed: 12,
      duration: '30d',
      backgroundFaults: 0,
      critical: NO_CRITICAL,
      powerOffsPerYear: 40,
      offlinePerWeek: 0,
      fireTestsPerMonth: 0,
      noise: { powerCutFaults: 4, visitFaults: 3, inspectionsPerYear: 25 },
      fleet: { elevators: 8 },
    });
    let [cuts, inCuts, visits, inVisits, inspections, inInspections] = [0, 0, 0, 0, 0, 0];
    for (const { messages } of elevators) {
      const faults = classify(messages);
      const cutStarts = faultsOf(messages, [41]);
      cuts += cutStarts.length;
      inCuts += faults.filter((f) => f.external).length;
      const checkins = messages.filter((m) => m.kind === 'maintenance' && (m.payload.action as unknown) === 'checkin');
      visits += checkins.length;
      const checkouts = messages.filter(
        (m) => m.kind === 'maintenance' && (m.payload.action as unknown) === 'checkout',
      );
      const inVisit = (at: number) =>
        checkins.some((c) => c.at <= at && checkouts.some((o) => o.at > at && o.at - c.at < DAY_MS && at > c.at));
      inVisits += faults.filter((f) => f.suppressed && inVisit(f.at)).length;
      // Inspection without a check-in: 43 then 40, mode 2 in between.
      const alone = faultsOf(messages, [43]).filter(
        (m) => !checkins.some((c) => m.at - c.at >= 0 && m.at - c.at < 5000),
      );
      inspections += alone.length;
      for (const start of alone) {
        const end = faultsOf(messages, [40]).find((m) => m.at > start.at) as Message;
        const between = messages.filter((m) => m.at > start.at + 2000 && m.at < end.at);
        expect(between.filter((m) => m.kind === 'telemetry').every((m) => m.payload.mode === 2)).toBe(true);
        inInspections += faults.filter(
          (f) => f.at > start.at && f.at < end.at && f.suppressed && !inVisit(f.at),
        ).length;
      }
      // With no background and no wear, every fault is one of these bursts, and the rules can tell each.
      expect(faults.filter((f) => !f.external && !f.suppressed)).toEqual([]);
    }
    expect(cuts).toBeGreaterThanOrEqual(8);
    expect(inCuts).toBeGreaterThan(1.5 * cuts);
    expect(visits).toBeGreaterThanOrEqual(16);
    expect(inVisits).toBeGreaterThan(1.5 * visits);
    expect(inspections).toBeGreaterThanOrEqual(4);
    expect(inInspections).toBeGreaterThan(inspections);
    // Four elevators to a building: the building's power cuts are theirs together.
    const cutTimes = elevators.map(({ messages }) => faultsOf(messages, [41]).map((m) => Math.round(m.at / 60_000)));
    const shared = (cutTimes[0] ?? []).filter((minute) =>
      cutTimes.slice(1, 4).every((times) => times.includes(minute)),
    );
    expect(shared.length).toBeGreaterThan(0);
  });

  it('come on healthy lifts too (a day of passenger abuse, a storm’s damp), counted by the rules and recorded as nuisance, not wear', () => {
    const { elevators } = run({
      seed: 5,
      duration: '30d',
      critical: NO_CRITICAL,
      powerOffsPerYear: 0,
      noise: { passengers: 12, stormDaysPerMonth: 4 },
      fleet: { elevators: 16, profiles: { residential: 1 } },
    });
    const records = elevators.flatMap((e) => e.truth.filter((t) => t.category === 'nuisance'));
    const abuse = records.filter((t) => t.scenario === 'passenger-abuse');
    const damp = records.filter((t) => t.scenario === 'damp');
    expect(abuse.length).toBeGreaterThanOrEqual(3);
    expect(damp.length).toBeGreaterThanOrEqual(3);
    for (const { messages, truth } of elevators) {
      for (const record of truth.filter((t) => t.category === 'nuisance')) {
        const [from, to] = [Date.parse(record.onset), Date.parse(record.end as string)];
        expect(record).toMatchObject({ status: 'occurred', external: false, fixed: false });
        const within = counted(messages, record.codes).filter((f) => f.at >= from && f.at <= to);
        expect(within.length).toBeGreaterThanOrEqual(record.scenario === 'passenger-abuse' ? 3 : 1);
        if (record.scenario === 'damp') expect(record.codes.every((code) => [1, 100].includes(code))).toBe(true);
      }
    }
    // Storms are the city's: damp comes to several lifts on one day.
    const dampDays = damp.map((record) => Math.floor(Date.parse(record.onset) / DAY_MS));
    expect(Math.max(...dampDays.map((day) => dampDays.filter((d) => d === day).length))).toBeGreaterThanOrEqual(2);
  });
});

describe('degradations as they wear', () => {
  const contractors = [
    { id: 'MC-BLIND', share: 1, fixChance: 0, slipChance: 0, visitMinutes: [30, 40] as [number, number] },
  ];

  it('start with a few sparse symptoms and rise steeply: little in the first half, most in the last quarter, some with few in all', () => {
    const { elevators } = run({
      seed: 31,
      duration: '50d',
      contractors,
      backgroundFaults: 0,
      critical: NO_CRITICAL,
      powerOffsPerYear: 0,
      noise: { callOutChance: 0 },
      degradations: [
        { kind: 'door-operator-wear', share: 0.5, onsetDays: [0, 1], latentDays: [1, 2], minorDays: [30, 40] },
        { kind: 'brake-wear', share: 0.5, onsetDays: [0, 1], latentDays: [1, 2], minorDays: [30, 40] },
      ],
      fleet: { elevators: 10, doorReports: 'anomalies' },
    });
    let [firstHalf, lastQuarter, all] = [0, 0, 0];
    const totals: number[] = [];
    const reopens = { early: 0, late: 0 };
    for (const { messages, truth } of elevators) {
      for (const record of truth.filter((t) => t.category === 'degradation')) {
        expect(record.status).toBe('failed');
        const [start, failure] = [Date.parse(record.minorPhaseStart as string), Date.parse(record.failure as string)];
        const codes = DEGRADATIONS[record.scenario as keyof typeof DEGRADATIONS].symptoms.map((s) => s.code as number);
        const symptoms = counted(messages, codes).filter((f) => f.at >= start && f.at < failure);
        const progress = (at: number) => (at - start) / (failure - start);
        firstHalf += symptoms.filter((f) => progress(f.at) < 0.5).length;
        lastQuarter += symptoms.filter((f) => progress(f.at) >= 0.75).length;
        all += symptoms.length;
        totals.push(symptoms.length);
        if (record.scenario === 'door-operator-wear') {
          for (const m of messages.filter((d) => d.kind === 'doors' && d.at >= start && d.at < failure)) {
            if (progress(m.at) < 0.5) reopens.early += m.payload.reopens as number;
            else if (progress(m.at) >= 0.75) reopens.late += m.payload.reopens as number;
          }
        }
      }
    }
    expect(totals.length).toBeGreaterThanOrEqual(8);
    expect(firstHalf / all).toBeLessThan(0.2);
    expect(lastQuarter / all).toBeGreaterThan(0.5);
    expect(Math.max(...totals)).toBeGreaterThan(3 * Math.min(...totals));
    expect(reopens.late).toBeGreaterThan(2 * reopens.early);
  });

  it('are sometimes found and fixed before they fail, more often late than early, and then stop', () => {
    const { elevators } = run({
      seed: 17,
      duration: '40d',
      backgroundFaults: 0,
      critical: NO_CRITICAL,
      powerOffsPerYear: 0,
      noise: { callOutChance: 0.1 },
      contractors: [
        { id: 'MC-FAIR', share: 1, fixChance: 0.6, slipChance: 0, visitMinutes: [30, 50] as [number, number] },
      ],
      degradations: [{ kind: 'door-lock-wear', share: 1, onsetDays: [0, 5], latentDays: [1, 3], minorDays: [20, 30] }],
      fleet: { elevators: 16, doorReports: 'anomalies' },
    });
    const records = elevators.flatMap((e) => e.truth.filter((t) => t.category === 'degradation'));
    const fixed = records.filter((t) => t.status === 'fixed');
    expect(fixed.length).toBeGreaterThanOrEqual(3);
    expect(records.filter((t) => t.status === 'failed').length).toBeGreaterThanOrEqual(3);
    const progressAtFix = (t: TruthRecord) => {
      const [start, fixedAt, failure] = [t.minorPhaseStart, t.fixedAt, t.failure].map((iso) =>
        Date.parse(iso as string),
      );
      return ((fixedAt as number) - (start as number)) / ((failure as number) - (start as number));
    };
    expect(mean(fixed.map(progressAtFix))).toBeGreaterThan(0.6);
    for (const { messages, truth } of elevators) {
      const record = truth.find((t) => t.category === 'degradation' && t.status === 'fixed');
      if (!record) continue;
      expect(counted(messages, [100]).filter((f) => f.at > Date.parse(record.fixedAt as string))).toEqual([]);
    }
    // Some fixes came from a repair call the symptoms prompted, not from the half-monthly visit.
    const calls = elevators.flatMap(({ messages }) =>
      messages.filter((m) => m.kind === 'maintenance' && (m.payload.kind as unknown) === 'repair'),
    );
    expect(calls.length).toBeGreaterThan(0);
  });
});

describe('the scenario families', () => {
  const SEEDS = 10;
  const familyPlans = (name: string, seed: number) => {
    const scenario = { ...loadScenario(name, Date.parse('2026-06-01T00:00:00+08:00')), seed };
    return { scenario, plans: plans(scenario) };
  };

  it.each(FAMILIES)('%s: about 120 elevators for 90 days, 30 to 40 degradations a seed on average', (name) => {
    const counts: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { scenario, plans: fleet } = familyPlans(name, seed);
      expect(scenario.fleet.elevators).toBeGreaterThanOrEqual(100);
      expect(scenario.duration).toBe(90 * DAY_MS);
      const end = scenario.fromMs + scenario.duration;
      counts.push(fleet.flatMap((plan) => plan.degradations).filter((d) => d.onset < end).length);
    }
    expect(mean(counts)).toBeGreaterThanOrEqual(30);
    expect(mean(counts)).toBeLessThanOrEqual(40);
  });

  it('differ in their noise: busy residential doors against quiet offices, old lifts’ levelling, storms', () => {
    const median = (name: string, codes: readonly number[]) =>
      quantileOf(
        familyPlans(name, 1).plans.map((plan) => plannedPerDay(plan, codes) * 7),
        0.5,
      );
    expect(median('busy-residential', DOOR_CODES)).toBeGreaterThan(4 * median('quiet-offices', DOOR_CODES));
    expect(median('old-mixed-fleet', [102, 4, 7])).toBeGreaterThan(2.5 * median('quiet-offices', [102, 4, 7]));
    const storms = familyPlans('storm-season', 1).scenario;
    expect(storms.noise.stormDaysPerMonth).toBeGreaterThan(2);
    expect(storms.powerOffsPerYear).toBeGreaterThan(familyPlans('quiet-offices', 1).scenario.powerOffsPerYear);
  });

  it('give the same traffic and truth for the same seed', () => {
    const short = (seed: number) => {
      const scenario = { ...loadScenario('heterogeneous-city', Date.parse('2026-06-01T00:00:00+08:00')), seed };
      return runModels({ ...scenario, duration: 3 * DAY_MS }, [0, 1, 2, 3, 4, 5]);
    };
    const [a, b, c] = [short(3), short(3), short(4)];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c.map((e) => e.events))).not.toBe(JSON.stringify(a.map((e) => e.events)));
  });
});
