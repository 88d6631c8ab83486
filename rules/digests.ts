import type { Digest, DigestKind, FaultSeverity } from '../contract/index.js';
import { timeParam } from '../influx/params.js';
import type { TelemetryStore } from '../influx/types.js';
import { shanghaiMidnight, shanghaiMonday, shanghaiMonthStart } from '../lib/shanghai.js';
import type { Store } from '../store/types.js';
import type { Job } from './scheduler.js';

const DAY_MS = 86_400_000;

/** When each digest is drafted (Asia/Shanghai): 08:00 daily, Monday 08:00, the 1st at 08:00. */
export const DIGEST_SCHEDULES: Readonly<Record<DigestKind, string>> = {
  daily: '0 8 * * *',
  weekly: '0 8 * * 1',
  monthly: '0 8 1 * *',
};

/** The last complete period before `at`, in Shanghai calendar terms: yesterday, last week (Mon-Sun), last month. */
export function periodBefore(kind: DigestKind, at: number): { start: number; end: number } {
  switch (kind) {
    case 'daily': {
      const end = shanghaiMidnight(at);
      return { start: end - DAY_MS, end };
    }
    case 'weekly': {
      const end = shanghaiMonday(at);
      return { start: end - 7 * DAY_MS, end };
    }
    case 'monthly':
      return { start: shanghaiMonthStart(at, 1), end: shanghaiMonthStart(at) };
  }
}

type BySeverity = Partial<Record<FaultSeverity, number>>;

/**
 * Drafts one digest per use unit for the period before `at`: its elevators, the tickets opened
 * in the period and active now by severity, faults by code, and which elevators are overdue
 * for maintenance or offline. Drafting a period again replaces its digests.
 */
export async function draftDigests(
  kind: DigestKind,
  at: number,
  { store, telemetry }: { store: Store; telemetry: TelemetryStore },
  now = new Date(),
): Promise<Digest[]> {
  const { start, end } = periodBefore(kind, at);
  const faultSeries = await telemetry.query(
    'SELECT count(seq) AS count FROM faults WHERE time >= $from AND time < $to GROUP BY use_unit, code',
    { from: timeParam(start), to: timeParam(end) },
  );
  const faults = new Map<string, Record<string, number>>();
  for (const series of faultSeries) {
    const { use_unit: useUnit, code } = series.tags;
    if (!useUnit || !code) continue;
    faults.set(useUnit, { ...faults.get(useUnit), [code]: Number(series.rows[0]?.count ?? 0) });
  }
  const opened = new Map<string, BySeverity>();
  const active = new Map<string, BySeverity>();
  for (const row of store.tickets.countsByUseUnit(start, end)) {
    if (row.opened > 0) opened.set(row.useUnit, { ...opened.get(row.useUnit), [row.severity]: row.opened });
    if (row.active > 0) active.set(row.useUnit, { ...active.get(row.useUnit), [row.severity]: row.active });
  }
  const elevatorsWith = (rule: string, useUnit: string) =>
    store.tickets
      .activeFor(rule)
      .filter((ticket) => ticket.useUnit === useUnit)
      .map((ticket) => ticket.elevator);

  return store.elevators.useUnits().map(({ useUnit, elevators }) =>
    store.digests.put({
      useUnit,
      kind,
      periodStart: new Date(start).toISOString(),
      periodEnd: new Date(end).toISOString(),
      createdAt: now.toISOString(),
      elevators: elevators.length,
      ticketsOpened: opened.get(useUnit) ?? {},
      ticketsOpen: active.get(useUnit) ?? {},
      faults: faults.get(useUnit) ?? {},
      maintenanceOverdue: elevatorsWith('maintenance-overdue', useUnit),
      offline: elevatorsWith('terminal-offline', useUnit),
    }),
  );
}

/** The three digests as scheduled jobs. */
export function digestJobs(context: { store: Store; telemetry: TelemetryStore }): Job[] {
  return (Object.keys(DIGEST_SCHEDULES) as DigestKind[]).map((kind) => ({
    name: `${kind} digest`,
    schedule: DIGEST_SCHEDULES[kind],
    run: (now: Date) => draftDigests(kind, now.getTime(), context, now),
  }));
}
