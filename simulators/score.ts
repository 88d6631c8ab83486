import { z } from 'zod';
import type { TruthRecord } from './truth.js';

const HOUR_MS = 3_600_000;
const SECOND_MS = 1000;
/** A ticket within this long after a critical event is the answer to it. */
export const CRITICAL_MATCH_MS = HOUR_MS;
/** A ticket this long after a failure still explains that failure (it is not a false alarm), though it was late. */
export const AFTER_FAILURE_MATCH_MS = 24 * HOUR_MS;

/**
 * What scoring needs of a ticket. `openedAt` is the event time of the occurrence that opened
 * it (a payload `ts`), so an accelerated run scores in simulated time. Occurrences added after
 * that warned the insurer again, at their own event times.
 */
export const scoredTicketSchema = z.object({
  id: z.string(),
  elevator: z.string(),
  rule: z.string(),
  openedAt: z.iso.datetime({ offset: true }),
  occurrences: z.array(z.object({ at: z.iso.datetime({ offset: true }) })).optional(),
});
export type ScoredTicket = z.infer<typeof scoredTicketSchema>;

/** When a ticket told the insurer something: when it opened, and at each occurrence added later. */
function warnings(ticket: ScoredTicket): number[] {
  const opened = Date.parse(ticket.openedAt);
  const later = (ticket.occurrences ?? []).map((occurrence) => Date.parse(occurrence.at)).filter((at) => at > opened);
  return [opened, ...later];
}

export interface KindScore {
  readonly category: TruthRecord['category'];
  /** Truth records of this kind in the window. */
  readonly count: number;
  /** Degradations: those that reached their failure, and those ticketed before it. Others: those ticketed. */
  readonly failed?: number;
  readonly ticketedInTime: number;
  readonly recall: number | null;
  readonly medianLeadHours?: number | null;
  readonly medianSecondsToTicket?: number | null;
}

export interface Score {
  readonly tickets: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  /** Failed degradations with a ticket before the failure, over all failed degradations. */
  readonly recall: number | null;
  /** Tickets that match something in the ground truth, over all tickets. */
  readonly precision: number | null;
  readonly medianLeadHours: number | null;
  readonly p10LeadHours: number | null;
  readonly criticalEvents: number;
  readonly criticalMissed: number;
  readonly medianCriticalSecondsToTicket: number | null;
  readonly perKind: Readonly<Record<string, KindScore>>;
  /** For each rule: its tickets, and how many of them match the truth. */
  readonly perRule: Readonly<Record<string, { tickets: number; truePositives: number }>>;
}

/** The q-quantile with linear interpolation between closest ranks (q in [0, 1]); null for no values. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  return low + ((sorted[above] as number) - low) * (position - below);
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const time = (iso: string | null) => (iso === null ? null : Date.parse(iso));
const round = (value: number | null, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

/** The span of time in which a ticket for this truth record is right. */
function matchWindow(record: TruthRecord): [number, number] {
  const onset = Date.parse(record.onset);
  if (record.category === 'critical') return [onset, onset + CRITICAL_MATCH_MS];
  if (record.category === 'degradation') {
    const failure = time(record.failure) ?? Infinity;
    const end = record.status === 'fixed' ? (time(record.fixedAt) ?? failure) : failure + AFTER_FAILURE_MATCH_MS;
    return [onset, end];
  }
  return [onset, time(record.end) ?? onset];
}

export interface ScoreWindow {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/**
 * Compares tickets with the ground truth. Recall: degradations that reached their failure and
 * had a ticket before it. Lead time: failure minus the first such ticket. Precision: tickets
 * that fall in the window of something that truly happened to their elevator (a degradation
 * from onset to a day after its failure or to its fix, a critical event and the hour after it,
 * a power cut or an offline period). Critical missed: events with no ticket in the hour after.
 */
export function score(
  truth: readonly TruthRecord[],
  tickets: readonly ScoredTicket[],
  window: ScoreWindow = {},
): Score {
  const from = window.from ?? -Infinity;
  const to = window.to ?? Infinity;
  const records = truth.filter((record) => {
    const onset = Date.parse(record.onset);
    return onset >= from && onset <= to;
  });
  const inWindow = tickets.filter((ticket) => {
    const opened = Date.parse(ticket.openedAt);
    return opened >= from && opened <= to;
  });
  const warningsOf = new Map<string, number[]>();
  for (const ticket of inWindow) {
    const list = warningsOf.get(ticket.elevator) ?? [];
    list.push(...warnings(ticket).filter((at) => at >= from && at <= to));
    warningsOf.set(ticket.elevator, list);
  }

  const windows = records.map((record) => ({ record, span: matchWindow(record) }));
  const perRule: Record<string, { tickets: number; truePositives: number }> = {};
  let truePositives = 0;
  for (const ticket of inWindow) {
    const opened = Date.parse(ticket.openedAt);
    const right = windows.some(
      ({ record, span }) => record.elevator === ticket.elevator && opened >= span[0] && opened <= span[1],
    );
    const rule = (perRule[ticket.rule] ??= { tickets: 0, truePositives: 0 });
    rule.tickets++;
    if (right) {
      rule.truePositives++;
      truePositives++;
    }
  }

  const leads: number[] = [];
  const criticalDelays: number[] = [];
  const perKind: Record<
    string,
    {
      category: TruthRecord['category'];
      count: number;
      failed: number;
      ticketed: number;
      leads: number[];
      delays: number[];
    }
  > = {};
  for (const { record, span } of windows) {
    const kind = (perKind[record.scenario] ??= {
      category: record.category,
      count: 0,
      failed: 0,
      ticketed: 0,
      leads: [],
      delays: [],
    });
    kind.count++;
    const opened = (warningsOf.get(record.elevator) ?? [])
      .filter((t) => t >= span[0] && t <= span[1])
      .sort((a, b) => a - b);
    if (record.category === 'degradation') {
      if (record.status !== 'failed') continue;
      kind.failed++;
      const failure = Date.parse(record.failure as string);
      const first = opened.find((t) => t < failure);
      if (first === undefined) continue;
      kind.ticketed++;
      kind.leads.push((failure - first) / HOUR_MS);
      leads.push((failure - first) / HOUR_MS);
    } else if (opened[0] !== undefined) {
      kind.ticketed++;
      if (record.category === 'critical') {
        const delay = (opened[0] - span[0]) / SECOND_MS;
        kind.delays.push(delay);
        criticalDelays.push(delay);
      }
    }
  }

  const failed = Object.values(perKind).reduce((sum, kind) => sum + kind.failed, 0);
  const critical = Object.values(perKind).filter((kind) => kind.category === 'critical');
  const criticalEvents = critical.reduce((sum, kind) => sum + kind.count, 0);
  return {
    tickets: inWindow.length,
    truePositives,
    falsePositives: inWindow.length - truePositives,
    recall: round(ratio(leads.length, failed), 4),
    precision: round(ratio(truePositives, inWindow.length), 4),
    medianLeadHours: round(quantile(leads, 0.5)),
    p10LeadHours: round(quantile(leads, 0.1)),
    criticalEvents,
    criticalMissed: criticalEvents - critical.reduce((sum, kind) => sum + kind.ticketed, 0),
    medianCriticalSecondsToTicket: round(quantile(criticalDelays, 0.5), 0),
    perRule,
    perKind: Object.fromEntries(
      Object.entries(perKind).map(([name, kind]) => [
        name,
        kind.category === 'degradation'
          ? {
              category: kind.category,
              count: kind.count,
              failed: kind.failed,
              ticketedInTime: kind.ticketed,
              recall: round(ratio(kind.ticketed, kind.failed), 4),
              medianLeadHours: round(quantile(kind.leads, 0.5)),
            }
          : {
              category: kind.category,
              count: kind.count,
              ticketedInTime: kind.ticketed,
              recall: round(ratio(kind.ticketed, kind.count), 4),
              ...(kind.category === 'critical' ? { medianSecondsToTicket: round(quantile(kind.delays, 0.5), 0) } : {}),
            },
      ]),
    ),
  };
}
