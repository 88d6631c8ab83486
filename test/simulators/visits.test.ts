import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../simulators/scenario.js';
import { DAY_MS, run, runModels, type Message } from './run-model.js';

const HOUR_MS = 3_600_000;
/** A visit still under way when the run ends may lack its check-out: a repair's longest, and the terminal's longest outage. */
const UNDER_WAY_AT_END_MS = 9 * HOUR_MS;

/** Each check-in with the check-out that closed it (null if none came), in the order the terminal sent them. */
function visitsOf(messages: readonly Message[]) {
  const visits: Array<{ checkIn: Message; checkOut: Message | null }> = [];
  for (const m of messages.filter((message) => message.kind === 'maintenance')) {
    const action = m.payload.action as unknown;
    const open = visits.at(-1);
    if (action === 'checkin') visits.push({ checkIn: m, checkOut: null });
    else if (open && open.checkOut === null) open.checkOut = m;
  }
  return visits;
}

/** The check-ins that no check-out followed before the next check-in, or before the run's end (unless still under way). */
function unclosed(messages: readonly Message[], runEnd: number) {
  return visitsOf(messages)
    .filter(({ checkIn, checkOut }) => checkOut === null && checkIn.at < runEnd - UNDER_WAY_AT_END_MS)
    .map(({ checkIn }) => new Date(checkIn.at).toISOString());
}

describe('maintenance visits on the terminal', () => {
  it('are always checked out, even when the terminal loses its network during the visit', () => {
    const { scenario, elevators } = run({
      seed: 11,
      duration: '60d',
      // Outages of up to 4 h, many a week: some fall across a visit's end.
      offlinePerWeek: 6,
      fleet: { elevators: 16 },
    });
    const end = scenario.fromMs + scenario.duration;
    const offlineAtCheckOut = elevators.flatMap(({ messages, truth }) =>
      visitsOf(messages).filter(({ checkOut }) =>
        truth.some(
          (t) =>
            t.scenario === 'offline' &&
            checkOut !== null &&
            Date.parse(t.onset) < checkOut.at &&
            checkOut.at <= Date.parse(t.end as string) + 60_000,
        ),
      ),
    );
    for (const { id, messages } of elevators) {
      expect({ id, unclosed: unclosed(messages, end) }).toEqual({ id, unclosed: [] });
      expect(visitsOf(messages).length).toBeGreaterThanOrEqual(3);
    }
    // The case arises: visits whose technician had to wait for the network to check out.
    expect(offlineAtCheckOut.length).toBeGreaterThanOrEqual(1);
  });

  it('are one at a time: a visit held up by a repair checks in after the repair’s check-out', () => {
    const { scenario, elevators } = run({
      seed: 4,
      duration: '60d',
      // Failures often: repairs (2 to 24 hours later, 1 to 4 hours long) often hold up a routine visit.
      critical: { entrapment: 0, 'bottom-overrun': 40, 'top-overrun': 0, 'unintended-movement': 0 },
      fleet: { elevators: 16 },
    });
    const end = scenario.fromMs + scenario.duration;
    const heldUp = elevators.flatMap(({ messages }) =>
      visitsOf(messages).filter(
        ({ checkIn }, i, visits) =>
          checkIn.payload.kind !== ('repair' as unknown) &&
          visits[i - 1]?.checkIn.payload.kind === ('repair' as unknown) &&
          checkIn.at - (visits[i - 1]?.checkOut?.at ?? -Infinity) < 60_000,
      ),
    );
    for (const { id, messages } of elevators) {
      expect({ id, unclosed: unclosed(messages, end) }).toEqual({ id, unclosed: [] });
    }
    expect(heldUp.length).toBeGreaterThanOrEqual(1);
  });

  it('check out the visit of 31 August on summer-heat seed 8301’s second lift, whose terminal went offline during it', () => {
    const scenario = {
      ...loadScenario('summer-heat', Date.parse('2026-06-01T00:00:00+08:00')),
      seed: 8301,
      fromMs: Date.parse('2026-08-01T00:00:00+08:00'),
    };
    const [lift] = runModels(scenario, [1]);
    const visit = visitsOf(lift?.messages ?? []).find(
      ({ checkIn }) => checkIn.at === Date.parse('2026-08-31T15:43:00+08:00'),
    );
    expect(visit?.checkIn.payload.kind).toBe('half-monthly');
    expect(visit?.checkOut?.at).toBeGreaterThan(visit?.checkIn.at as number);
    expect(visit?.checkOut?.at).toBeLessThan((visit?.checkIn.at as number) + DAY_MS);
    expect(unclosed(lift?.messages ?? [], scenario.fromMs + scenario.duration)).toEqual([]);
  });
});
