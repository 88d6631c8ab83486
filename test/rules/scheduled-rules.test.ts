import { describe, expect, it } from 'vitest';
import type { Series } from '../../influx/types.js';
import { maintenanceOverdue } from '../../rules/catalogue/maintenance-overdue.js';
import { terminalOffline } from '../../rules/catalogue/terminal-offline.js';
import { usageAboveNorm } from '../../rules/catalogue/usage-above-norm.js';
import type { ScheduledRule } from '../../rules/types.js';

const AS_OF = Date.parse('2026-11-25T07:00:00+08:00');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** One series per elevator with one row, as InfluxDB answers a GROUP BY elevator. */
const perElevator = (rows: Record<string, Record<string, unknown>>): Series[] =>
  Object.entries(rows).map(([elevator, row]) => ({ name: 'm', tags: { elevator }, rows: [row] }));

function findings<C>(
  rule: ScheduledRule<C>,
  answers: Record<string, Series[]>,
  config: Partial<C> = {},
  overrides: Record<string, Partial<C>> = {},
) {
  return rule
    .evaluate(answers, AS_OF, (elevator) => ({ ...rule.defaults, ...config, ...overrides[elevator] }))
    .map((finding) => [finding.elevator, finding.title]);
}

describe('maintenance-overdue (more than 15 days since the last check-out)', () => {
  it.each([
    [
      'checked out 16 days ago',
      { E1: { time: AS_OF - 16 * DAY } },
      { E1: { time: AS_OF - 30 * DAY } },
      [['E1', '16 days since the last maintenance (limit 15)']],
    ],
    ['checked out 14 days ago', { E1: { time: AS_OF - 14 * DAY } }, { E1: { time: AS_OF - 30 * DAY } }, []],
    [
      'never checked out, watched 20 days',
      {},
      { E1: { time: AS_OF - 20 * DAY } },
      [['E1', 'No maintenance in 20 days (limit 15)']],
    ],
    ['never checked out, watched 10 days', {}, { E1: { time: AS_OF - 10 * DAY } }, []],
  ])('%s', (_case, checkouts, watched, expected) => {
    expect(findings(maintenanceOverdue, { checkouts: perElevator(checkouts), watched: perElevator(watched) })).toEqual(
      expected,
    );
  });

  it('takes each elevator its own limit', () => {
    const answers = {
      checkouts: perElevator({ E1: { time: AS_OF - 12 * DAY } }),
      watched: perElevator({ E1: { time: AS_OF - 30 * DAY } }),
    };
    expect(findings(maintenanceOverdue, answers, {}, { E1: { maxDays: 10 } })).toHaveLength(1);
  });
});

describe('terminal-offline', () => {
  it('finds terminals silent longer than the threshold', () => {
    const lastSeen = perElevator({ E1: { time: AS_OF - 45 * MINUTE }, E2: { time: AS_OF - 10 * MINUTE } });
    expect(findings(terminalOffline, { lastSeen })).toEqual([['E1', 'No telemetry for 45 minutes']]);
  });
});

describe('usage-above-norm (runs per day since the check-out against the usual)', () => {
  const checkout = Date.parse('2026-11-18T12:00:00Z');
  const day = (n: number) => Date.parse('2026-11-01T00:00:00Z') + n * DAY;
  const daily = (before: number, after: number) => [
    {
      name: 'telemetry',
      tags: { elevator: 'E1' },
      rows: Array.from({ length: 24 }, (_, n) => ({ time: day(n), runs: day(n) + DAY <= checkout ? before : after })),
    },
  ];
  it.each([
    ['twice the usual: ask for a visit', 200, [['E1', '2.0× its usual runs per day since the last maintenance']]],
    ['one and a half times: nothing', 150, []],
  ] as const)('%s', (_case, after, expected) => {
    expect(
      findings(usageAboveNorm, { checkouts: perElevator({ E1: { time: checkout } }), daily: daily(100, after) }),
    ).toEqual(expected);
  });

  it('needs a check-out and a few days on each side', () => {
    expect(findings(usageAboveNorm, { checkouts: [], daily: daily(100, 300) })).toEqual([]);
    const late = perElevator({ E1: { time: Date.parse('2026-11-23T12:00:00Z') } });
    expect(findings(usageAboveNorm, { checkouts: late, daily: daily(100, 300) })).toEqual([]);
  });
});
