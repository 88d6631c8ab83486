import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRun } from '../../simulators/runs.js';
import type { ScoredTicket } from '../../simulators/score.js';
import type { TruthRecord } from '../../simulators/truth.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

const wear = (elevator: string): TruthRecord => ({
  elevator,
  scenario: 'door-operator-wear',
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
  rule: 'door-faults-recurring',
  category: 'hazard',
  openedAt: at(ms),
});

/** Two seeds of one 10-lift fleet over 36.525 days: one elevator-year each. */
function writeRuns(dir: string) {
  const meta = (seed: number) => ({
    scenario: 'busy-residential',
    seed,
    elevators: 10,
    from: at(0),
    to: at(36.525 * DAY),
  });
  writeRun(path.join(dir, 'busy-residential-1'), {
    meta: meta(1),
    truth: [wear('E1')],
    tickets: [warning('1', 'E1', 3 * DAY)],
  });
  writeRun(path.join(dir, 'busy-residential-2'), {
    meta: meta(2),
    truth: [wear('E2')],
    // E1 is healthy in this seed: its warning is false.
    tickets: [warning('1', 'E1', 3 * DAY), warning('2', 'E2', 4 * DAY)],
  });
}

async function finished(args: string[]) {
  const run = runCli(args);
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('liftwatch score --runs', () => {
  it('scores a directory of runs: each figure pooled and with its spread over the runs', async () => {
    const dir = tempDir();
    writeRuns(dir);
    const json = await finished(['score', '--runs', dir, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.runs.map((run: { name: string }) => run.name)).toEqual([
      'busy-residential seed 1',
      'busy-residential seed 2',
    ]);
    expect(result.spread.hazardPrecision).toEqual({ mean: 0.75, min: 0.5, max: 1, runs: 2 });
    expect(result.pooled.hazard).toMatchObject({ tickets: 3, truePositives: 2, falsePositives: 1 });
    expect(result.pooled.hazard.falsePerElevatorYear).toBe(0.5);

    const text = await finished(['score', '--runs', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2 runs, 2 degradations \(2 failed\), 3 tickets/);
    expect(text.stdout).toMatch(/hazard precision\s+pooled 0\.6667; mean 0\.75, 0\.5 to 1 over 2 runs/);
  });

  it('says what is wrong with a directory that holds no run, or --runs mixed with --truth', async () => {
    const empty = await finished(['score', '--runs', tempDir()]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/holds no run \(a directory with run\.json\)/);
    const mixed = await finished(['score', '--runs', tempDir(), '--truth', 'truth.jsonl']);
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(/leave out --truth and --tickets/);
  });
});
