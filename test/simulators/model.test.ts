import { describe, expect, it } from 'vitest';
import { DEGRADATIONS, type DegradationName } from '../../simulators/degradations.js';
import { shanghaiClock } from '../../lib/shanghai.js';
import type { ScenarioInput } from '../../simulators/scenario.js';
import type { TruthRecord } from '../../simulators/truth.js';
import { counted, DAY_MS, faultsOf, FROM, run, type Message } from './run-model.js';

const allSymptoms = (name: DegradationName) => DEGRADATIONS[name].symptoms.map((symptom) => symptom.code);

describe('simulated elevators', () => {
  it('give the same traffic for the same seed, and other traffic for another', () => {
    const a = run({ seed: 5, duration: '3d', fleet: { elevators: 4 } });
    const b = run({ seed: 5, duration: '3d', fleet: { elevators: 4 } });
    const c = run({ seed: 6, duration: '3d', fleet: { elevators: 4 } });
    expect(JSON.stringify(b.elevators.map((e) => e.events))).toBe(JSON.stringify(a.elevators.map((e) => e.events)));
    expect(JSON.stringify(c.elevators.map((e) => e.events))).not.toBe(JSON.stringify(a.elevators.map((e) => e.events)));
  });

  it('send telemetry every simulated minute with counters that only grow, seq rising, time ordered', () => {
    const { elevators, scenario } = run({ duration: '5d', fleet: { elevators: 5 } });
    for (const { messages } of elevators) {
      const telemetry = messages.filter((m) => m.kind === 'telemetry');
      expect(telemetry.length).toBeGreaterThan(5 * 1440 * 0.95);
      for (let i = 1; i < telemetry.length; i++) {
        const [before, after] = [telemetry[i - 1]?.payload, telemetry[i]?.payload] as Array<Record<string, number>>;
        for (const counter of ['runs', 'runSeconds', 'doorCycles', 'ropeBends']) {
          expect(after?.[counter]).toBeGreaterThanOrEqual(before?.[counter] as number);
        }
      }
      const first = telemetry[0]?.payload.runs as number;
      expect(telemetry.at(-1)?.payload.runs).toBeGreaterThan(first);
      for (let i = 1; i < messages.length; i++) {
        expect(messages[i]?.payload.seq).toBe((messages[i - 1]?.payload.seq as number) + 1);
        expect(messages[i]?.at).toBeGreaterThanOrEqual(messages[i - 1]?.at as number);
        expect(messages[i]?.payload.ts).toBe(messages[i]?.at);
      }
      expect(messages[0]).toMatchObject({ kind: 'online', at: scenario.fromMs, payload: { online: 1 } });
    }
  });

  it('ride more in the rush hours of their building, in Asia/Shanghai time', () => {
    const { elevators } = run({
      duration: '7d',
      fleet: { elevators: 6, profiles: { residential: 1 }, doorReports: 'every-cycle' },
    });
    const perHour = new Array<number>(24).fill(0);
    for (const { messages } of elevators) {
      for (const m of messages) if (m.kind === 'doors') perHour[shanghaiClock(m.at).hour]! += 1;
    }
    expect(perHour[8]).toBeGreaterThan(5 * (perHour[3] as number));
    expect(perHour[19]).toBeGreaterThan(5 * (perHour[3] as number));
  });

  it('are maintained at least every 15 days by a contractor that does not slip, reporting inspection mode as the visit starts', () => {
    const contractors = [
      { id: 'MC-ON-TIME', share: 1, fixChance: 0.5, slipChance: 0, visitMinutes: [30, 40] as [number, number] },
    ];
    // Inspections without a check-in (43 alone) have their own test.
    const { elevators } = run({
      duration: '60d',
      contractors,
      noise: { inspectionsPerYear: 0 },
      fleet: { elevators: 5 },
    });
    for (const { messages } of elevators) {
      const checkouts = messages.filter(
        (m) => m.kind === 'maintenance' && m.payload.action === ('checkout' as unknown as number),
      );
      expect(checkouts.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < checkouts.length; i++) {
        expect((checkouts[i]?.at as number) - (checkouts[i - 1]?.at as number)).toBeLessThanOrEqual(
          15 * DAY_MS + 3_600_000,
        );
      }
      const checkin = messages.find((m) => m.kind === 'maintenance') as Message;
      const onModeChange = messages.find((m) => m.kind === 'telemetry' && m.at > checkin.at);
      expect(onModeChange?.payload.mode).toBe(2);
      expect((onModeChange?.at as number) - checkin.at).toBeLessThanOrEqual(5000);
      const checkins = messages.filter(
        (m) => m.kind === 'maintenance' && m.payload.action === ('checkin' as unknown as number),
      );
      expect(faultsOf(messages, [43]).length).toBe(checkins.length);
    }
  });

  it('record a late visit as overdue maintenance, from the 15th day after the last check-out to the check-in', () => {
    const contractors = [
      { id: 'MC-LATE', share: 1, fixChance: 0.5, slipChance: 1, visitMinutes: [30, 40] as [number, number] },
    ];
    const { elevators, scenario } = run({ duration: '60d', contractors, fleet: { elevators: 2 } });
    for (const { messages, truth } of elevators) {
      const overdue = truth.filter((record) => record.scenario === 'maintenance-overdue');
      expect(overdue.length).toBeGreaterThanOrEqual(1);
      for (const record of overdue) {
        const onset = Date.parse(record.onset);
        const lastCheckout = messages.filter((m) => m.kind === 'maintenance' && m.at < onset).at(-1);
        expect(lastCheckout?.payload.action).toBe('checkout' as unknown as number);
        expect(onset - (lastCheckout?.at as number)).toBe(15 * DAY_MS);
        const checkin = messages.find((m) => m.kind === 'maintenance' && m.at >= onset);
        // It ends at the late check-in, or with the run when none came.
        const end = checkin?.at ?? scenario.fromMs + scenario.duration;
        expect(Date.parse(record.end as string)).toBe(end);
      }
    }
  });

  it.each(Object.keys(DEGRADATIONS) as DegradationName[])(
    '%s: its minor faults come in the minor phase, before the failure, and the truth says so',
    (kind) => {
      const contractors = [
        { id: 'MC-POOR', share: 1, fixChance: 0, slipChance: 0, visitMinutes: [15, 20] as [number, number] },
      ];
      const { elevators } = run({
        duration: '40d',
        contractors,
        backgroundFaults: 0,
        critical: { entrapment: 0, 'bottom-overrun': 0, 'top-overrun': 0, 'unintended-movement': 0 },
        powerOffsPerYear: 0,
        offlinePerWeek: 0,
        // Intense enough that each shows a few symptoms: some degradations show few in all.
        degradations: [{ kind, share: 1, onsetDays: [0, 2], latentDays: [1, 3], minorDays: [10, 15], intensity: 2 }],
        fleet: { elevators: 3 },
      });
      for (const { messages, truth } of elevators) {
        const record = truth.find((t) => t.scenario === kind) as TruthRecord;
        expect(record).toMatchObject({ category: 'degradation', status: 'failed', fixed: false });
        const minorStart = Date.parse(record.minorPhaseStart as string);
        const failure = Date.parse(record.failure as string);
        // Its symptoms are the faults the rules count: a technician's tests in a visit are not.
        const symptoms = counted(messages, allSymptoms(kind));
        expect(symptoms.filter((m) => m.at < minorStart)).toEqual([]);
        expect(symptoms.filter((m) => m.at >= minorStart && m.at < failure).length).toBeGreaterThanOrEqual(3);
        const atFailure = messages.filter((m) => m.kind === 'faults' && m.at >= failure && m.at < failure + 10_000);
        expect(atFailure.map((m) => m.payload.code)).toEqual(expect.arrayContaining([...DEGRADATIONS[kind].failure]));
        for (const code of record.codes) expect(faultsOf(messages, [code]).length).toBeGreaterThan(0);
        const outOfService = messages.find((m) => m.kind === 'telemetry' && m.at > failure + 60_000);
        expect(outOfService?.payload.mode).toBe(0);
      }
    },
  );

  it('stop the symptoms when a good contractor fixes the degradation, and record the fix', () => {
    const contractors = [
      { id: 'MC-GOOD', share: 1, fixChance: 1, slipChance: 0, visitMinutes: [40, 50] as [number, number] },
    ];
    const { elevators } = run({
      duration: '40d',
      contractors,
      backgroundFaults: 0,
      degradations: [
        { kind: 'door-lock-wear', share: 1, onsetDays: [0, 1], latentDays: [0, 0.5], minorDays: [30, 35] },
      ],
      fleet: { elevators: 3 },
    });
    for (const { messages, truth } of elevators) {
      const record = truth.find((t) => t.scenario === 'door-lock-wear') as TruthRecord;
      expect(record).toMatchObject({ status: 'fixed', fixed: true });
      const fixedAt = Date.parse(record.fixedAt as string);
      // A technician opening landing doors in a later visit is not a symptom: the rules set those aside.
      expect(counted(messages, [100]).filter((f) => f.at > fixedAt)).toEqual([]);
      const landings = new Set(counted(messages, [100]).map((f) => f.floor));
      expect(landings.size).toBeLessThanOrEqual(1);
    }
  });

  it('report sudden critical events, power cuts and offline periods as the truth records them', () => {
    const { elevators } = run({
      duration: '30d',
      critical: { entrapment: 40, 'bottom-overrun': 5, 'top-overrun': 5, 'unintended-movement': 5 },
      powerOffsPerYear: 50,
      offlinePerWeek: 2,
      fleet: { elevators: 4 },
    });
    const truth = elevators.flatMap((e) => e.truth);
    expect(truth.filter((t) => t.category === 'critical').length).toBeGreaterThan(0);
    expect(truth.filter((t) => t.scenario === 'offline').length).toBeGreaterThan(0);
    expect(truth.filter((t) => t.scenario === 'power-off').length).toBeGreaterThan(0);
    for (const { messages, events, truth: records } of elevators) {
      for (const record of records) {
        const onset = Date.parse(record.onset);
        if (record.category === 'critical') {
          expect(faultsOf(messages, record.codes).some((m) => m.at === onset)).toBe(true);
        } else if (record.scenario === 'power-off') {
          expect(faultsOf(messages, [41]).some((m) => m.at === onset)).toBe(true);
        } else if (record.scenario === 'offline') {
          const end = Date.parse(record.end as string);
          expect(events).toContainEqual({ type: 'disconnect', at: onset });
          expect(events).toContainEqual({ type: 'reconnect', at: end });
          expect(messages.filter((m) => m.at >= onset && m.at < end)).toEqual([]);
          expect(messages.find((m) => m.at >= end)).toMatchObject({ kind: 'online', payload: { online: 1 } });
        }
      }
    }
  });

  it('have the incidents a scenario sets, at their time or as soon as the car runs normally, and nothing else changes', () => {
    const quiet = { critical: { entrapment: 0 }, powerOffsPerYear: 0, fireTestsPerMonth: 0 } as const;
    const incidents: ScenarioInput['incidents'] = [
      { kind: 'power-off', elevators: [1, 2, 9], atDays: 2.5, minutes: 90 },
      { kind: 'entrapment', elevators: [2], atDays: 4.25, minutes: 20 },
    ];
    const plain = run({ duration: '6d', ...quiet, fleet: { elevators: 3 } });
    const { elevators } = run({ duration: '6d', ...quiet, incidents, fleet: { elevators: 3 } });
    const cutAt = Date.parse(FROM) + 2.5 * DAY_MS;
    for (const { messages, truth } of elevators.slice(0, 2)) {
      const [cut] = faultsOf(messages, [41]);
      expect(cut?.at).toBeGreaterThanOrEqual(cutAt);
      const back = faultsOf(messages, [40]).find((m) => m.at > (cut?.at as number));
      expect(back?.at).toBe((cut?.at as number) + 90 * 60_000);
      expect(truth).toContainEqual(
        expect.objectContaining({
          scenario: 'power-off',
          category: 'external',
          onset: new Date(cut?.at as number).toISOString(),
        }),
      );
    }
    const [third] = elevators.slice(2);
    expect(faultsOf(third?.messages ?? [], [41])).toEqual([]);
    // Before the first incident every elevator sent what it sends without incidents.
    const until = (messages: Message[]) => JSON.stringify(messages.filter((m) => m.at < cutAt));
    expect(elevators.map((e) => until(e.messages))).toEqual(plain.elevators.map((e) => until(e.messages)));
    expect(JSON.stringify(elevators[2]?.messages)).toBe(JSON.stringify(plain.elevators[2]?.messages));

    const trapped = elevators[1] as (typeof elevators)[number];
    const [entrapment] = faultsOf(trapped.messages, [93]);
    expect(entrapment?.at).toBeGreaterThanOrEqual(Date.parse(FROM) + 4.25 * DAY_MS);
    expect(trapped.truth).toContainEqual(expect.objectContaining({ scenario: 'entrapment', category: 'critical' }));
    expect(faultsOf(trapped.messages, [40]).some((m) => m.at === (entrapment?.at as number) + 20 * 60_000)).toBe(true);
    expect(faultsOf(elevators[0]?.messages ?? [], [93])).toEqual([]);
  });
});
