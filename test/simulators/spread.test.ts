import { describe, expect, it } from 'vitest';
import type { ScoredTicket } from '../../simulators/score.js';
import { scoreRuns, spreadOf } from '../../simulators/spread.js';
import type { TruthRecord } from '../../simulators/truth.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

const wear = (elevator: string, kind: string): TruthRecord => ({
  elevator,
  scenario: kind,
  category: 'degradation',
  onset: at(0),
  minorPhaseStart: at(DAY),
  failure: at(10 * DAY),
  end: null,
  fixed: false,
  fixedAt: null,
  status: 'failed',
  codes: [],
  external: false,
});
const warning = (id: string, elevator: string, ms: number): ScoredTicket => ({
  id,
  elevator,
  rule: 'door-rate',
  category: 'hazard',
  openedAt: at(ms),
});

describe('spreadOf', () => {
  it('gives the mean, the least and the greatest of the runs that have the figure', () => {
    expect(spreadOf([0.5, 1, null, 0.75])).toEqual({ mean: 0.75, min: 0.5, max: 1, runs: 3 });
    expect(spreadOf([null])).toEqual({ mean: null, min: null, max: null, runs: 0 });
  });
});

describe('scoreRuns', () => {
  // Two seeds of one fleet: the same elevator ids, different things happening to them.
  const runs = [
    { name: 'a', truth: [wear('E1', 'door-operator-wear')], tickets: [warning('1', 'E1', 3 * DAY)], elevatorYears: 1 },
    {
      name: 'b',
      truth: [wear('E2', 'door-operator-wear'), wear('E3', 'brake-wear')],
      // E1 is healthy in this run: its warning is false, though E1 wore out in run a.
      tickets: [warning('1', 'E1', 3 * DAY), warning('2', 'E2', 8 * DAY)],
      elevatorYears: 3,
    },
  ];

  it('scores each run, pools every run without mixing their elevators, and spreads each figure over the runs', () => {
    const result = scoreRuns(runs);
    expect(result.runs.map((run) => [run.name, run.score.hazard.precision, run.score.recall])).toEqual([
      ['a', 1, 1],
      ['b', 0.5, 0.5],
    ]);
    expect(result.pooled).toMatchObject({
      hazard: { tickets: 3, truePositives: 2, falsePositives: 1, precision: 0.6667, falsePerElevatorYear: 0.25 },
      recall: 0.6667,
      medianLeadHours: 108,
      elevatorYears: 4,
    });
    expect(result.degradations).toEqual({ count: 3, failed: 3 });
    expect(result.spread.hazardPrecision).toEqual({ mean: 0.75, min: 0.5, max: 1, runs: 2 });
    expect(result.spread.recall).toEqual({ mean: 0.75, min: 0.5, max: 1, runs: 2 });
    expect(result.spread.medianLeadHours).toEqual({ mean: 108, min: 48, max: 168, runs: 2 });
    expect(result.perKind['brake-wear']).toMatchObject({
      pooled: { failed: 1, ticketedInTime: 0, recall: 0 },
      recall: { mean: 0, runs: 1 },
    });
    expect(result.perRule['door-rate']).toMatchObject({
      pooled: { tickets: 3, truePositives: 2, falsePositives: 1 },
      falsePositives: { mean: 0.5, min: 0, max: 1, runs: 2 },
    });
  });

  it('leaves the pooled exposure unknown when a run does not give its own', () => {
    const [first, second] = runs;
    const result = scoreRuns([first!, { ...second!, elevatorYears: undefined }]);
    expect(result.pooled.elevatorYears).toBeNull();
    expect(result.spread.falseHazardPerElevatorYear).toEqual({ mean: 0, min: 0, max: 0, runs: 1 });
  });
});
