import { z } from 'zod';
import { TICKET_CATEGORIES, type TicketCategory } from '../contract/index.js';
import type { TruthRecord } from './truth.js';

const HOUR_MS = 3_600_000;
const SECOND_MS = 1000;
const YEAR_MS = 365.25 * 24 * HOUR_MS;
/** A ticket within this long after a critical event is the answer to it. */
export const CRITICAL_MATCH_MS = HOUR_MS;
/** A ticket this long after a failure still explains that failure (it is not a false alarm), though it was late. */
export const AFTER_FAILURE_MATCH_MS = 24 * HOUR_MS;

/**
 * What scoring needs of a ticket. `openedAt` is the event time of the occurrence that opened
 * it (a payload `ts`; for a scheduled rule, the time its scan was as of), so an accelerated run
 * scores in simulated time. Occurrences added after that warned the insurer again, at their own
 * event times. `category` says what the ticket claims (a hazard, a critical event, ...); a
 * ticket without one (an older file) is judged against anything in the truth.
 */
export const scoredTicketSchema = z.object({
  id: z.string(),
  elevator: z.string(),
  rule: z.string(),
  category: z.enum(TICKET_CATEGORIES).optional(),
  openedAt: z.iso.datetime({ offset: true }),
  /**
   * When liftwatch made it, on the run's event clock, where that is known (the in-process
   * evaluation's engine runs on simulated time): a warning held for a common cause is made
   * hours after the occurrence that opened it, and warns only from then.
   */
  madeAt: z.iso.datetime({ offset: true }).optional(),
  occurrences: z.array(z.object({ at: z.iso.datetime({ offset: true }) })).optional(),
});
export type ScoredTicket = z.infer<typeof scoredTicketSchema>;

/** When the ticket first warned: when it was made where that is known, else its opening occurrence's time. */
const openedOf = (ticket: ScoredTicket) =>
  Math.max(Date.parse(ticket.openedAt), ticket.madeAt === undefined ? 0 : Date.parse(ticket.madeAt));

/**
 * The truth a ticket of each category is about: a hazard warning is about wear (a degradation,
 * from its onset to a day after its failure or to its fix), a critical ticket about a critical
 * event (the hour after it), and so on. A ticket without a category may match anything.
 */
export const TICKET_CLAIMS: Readonly<Record<TicketCategory, readonly TruthRecord['category'][]>> = {
  hazard: ['degradation'],
  critical: ['critical'],
  'maintenance-quality': ['degradation', 'maintenance'],
  maintenance: ['maintenance'],
  'data-quality': ['data-quality'],
};

const claims = (ticket: ScoredTicket, record: TruthRecord) =>
  ticket.category === undefined || TICKET_CLAIMS[ticket.category].includes(record.category);

/** When a ticket told the insurer something: when it opened, and at each occurrence added later. */
function warnings(ticket: ScoredTicket): number[] {
  const opened = openedOf(ticket);
  const later = (ticket.occurrences ?? []).map((occurrence) => Date.parse(occurrence.at)).filter((at) => at > opened);
  return [opened, ...later];
}

export interface KindScore {
  readonly category: TruthRecord['category'];
  /** Truth records of this kind in the window. */
  readonly count: number;
  /** Degradations: those that reached their failure, those a visit fixed first, and those ticketed before their failure. Others: those ticketed. */
  readonly failed?: number;
  readonly fixed?: number;
  readonly ticketedInTime: number;
  readonly recall: number | null;
  readonly medianLeadHours?: number | null;
  readonly medianSecondsToTicket?: number | null;
}

/** Hazard tickets (category `hazard`) and how many point at a real degradation of their elevator. */
export interface HazardScore {
  readonly tickets: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly precision: number | null;
  /** False hazard tickets per elevator-year of the run; null when its exposure is not known. */
  readonly falsePerElevatorYear: number | null;
}

export interface RuleScore {
  /** The category of the rule's tickets (its first ticket's); absent for tickets without one. */
  readonly category?: TicketCategory;
  readonly tickets: number;
  /** Tickets pointing at what their category claims (see TICKET_CLAIMS). */
  readonly truePositives: number;
  readonly falsePositives: number;
}

export interface Score {
  readonly tickets: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  /** Failed degradations warned of before their failure (a hazard ticket opened in them), over all failed degradations. */
  readonly recall: number | null;
  /** Tickets that point at what their category claims, over all tickets. */
  readonly precision: number | null;
  readonly medianLeadHours: number | null;
  readonly p10LeadHours: number | null;
  readonly criticalEvents: number;
  /** Critical events with no critical ticket opened or added to in the hour after. */
  readonly criticalMissed: number;
  /** Event time from a critical event to its ticket, in seconds to a tenth. */
  readonly medianCriticalSecondsToTicket: number | null;
  readonly maxCriticalSecondsToTicket: number | null;
  readonly hazard: HazardScore;
  /** The run's exposure, when given: elevators times its length in years. */
  readonly elevatorYears: number | null;
  readonly perKind: Readonly<Record<string, KindScore>>;
  readonly perRule: Readonly<Record<string, RuleScore>>;
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

/**
 * A failure may trap passengers (a degradation's `criticalWithFailure`): a critical ticket in the
 * hour after a degradation's failure is about a critical event that happened, though the truth
 * records it as the degradation's.
 */
function criticalAtFailure(ticket: ScoredTicket, record: TruthRecord, opened: number): boolean {
  const failure = record.category === 'degradation' && record.status === 'failed' ? time(record.failure) : null;
  return (
    ticket.category === 'critical' && failure !== null && opened >= failure && opened <= failure + CRITICAL_MATCH_MS
  );
}

function byElevator<T>(items: readonly T[], elevatorOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(elevatorOf(item));
    if (group) group.push(item);
    else groups.set(elevatorOf(item), [item]);
  }
  return groups;
}

export interface ScoreWindow {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface ScoreOptions extends ScoreWindow {
  /** Elevators times the run's length in years, for false tickets per elevator-year. */
  readonly elevatorYears?: number | undefined;
}

/** Elevator-years of a fleet over a span of epoch ms. */
export const elevatorYearsOf = (elevators: number, fromMs: number, toMs: number) =>
  (elevators * Math.max(0, toMs - fromMs)) / YEAR_MS;

/**
 * Compares tickets with the ground truth. A ticket is true when its `openedAt` lies in the window
 * of something of its elevator that its category claims (TICKET_CLAIMS): a hazard ticket in a
 * degradation from its onset to a day after its failure or to its fix (so a warning that led to
 * a repair is a hit), a critical ticket in the hour after a critical event or a degradation's failure. Recall: degradations
 * that reached their failure with a hazard ticket opened in them before it; an occurrence added
 * to a ticket opened earlier (on noise) is not a warning of the wear. Lead time: failure minus
 * the first such opening. Critical missed: events with no critical ticket opened or added to in
 * the hour after; its delay is in event time.
 */
export function score(
  truth: readonly TruthRecord[],
  tickets: readonly ScoredTicket[],
  options: ScoreOptions = {},
): Score {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const records = truth.filter((record) => {
    const onset = Date.parse(record.onset);
    return onset >= from && onset <= to;
  });
  const inWindow = tickets.filter((ticket) => {
    const opened = openedOf(ticket);
    return opened >= from && opened <= to;
  });
  const ticketsOf = byElevator(inWindow, (ticket) => ticket.elevator);
  const windows = records.map((record) => ({ record, span: matchWindow(record) }));
  const windowsOf = byElevator(windows, ({ record }) => record.elevator);
  const perRule: Record<string, { category?: TicketCategory; tickets: number; truePositives: number }> = {};
  let truePositives = 0;
  const hazard = { tickets: 0, truePositives: 0 };
  for (const ticket of inWindow) {
    const opened = openedOf(ticket);
    const right = (windowsOf.get(ticket.elevator) ?? []).some(
      ({ record, span }) =>
        (claims(ticket, record) && opened >= span[0] && opened <= span[1]) || criticalAtFailure(ticket, record, opened),
    );
    const rule = (perRule[ticket.rule] ??= {
      ...(ticket.category === undefined ? {} : { category: ticket.category }),
      tickets: 0,
      truePositives: 0,
    });
    rule.tickets++;
    if (ticket.category === 'hazard') hazard.tickets++;
    if (!right) continue;
    rule.truePositives++;
    truePositives++;
    if (ticket.category === 'hazard') hazard.truePositives++;
  }

  /** When the tickets that may speak of this record told the insurer of it. */
  const told = (record: TruthRecord, span: [number, number]) =>
    (ticketsOf.get(record.elevator) ?? [])
      .filter((ticket) => claims(ticket, record))
      // Wear is warned of by a ticket opening; a critical event also by an occurrence added at once.
      .flatMap((ticket) => (record.category === 'degradation' ? [openedOf(ticket)] : warnings(ticket)))
      .filter((t) => t >= span[0] && t <= span[1] && t >= from && t <= to)
      .sort((a, b) => a - b);

  const leads: number[] = [];
  const criticalDelays: number[] = [];
  const perKind: Record<
    string,
    {
      category: TruthRecord['category'];
      count: number;
      failed: number;
      fixed: number;
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
      fixed: 0,
      ticketed: 0,
      leads: [],
      delays: [],
    });
    kind.count++;
    const opened = told(record, span);
    if (record.category === 'degradation') {
      if (record.status === 'fixed') kind.fixed++;
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
  const elevatorYears = options.elevatorYears ?? null;
  const hazardFalse = hazard.tickets - hazard.truePositives;
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
    medianCriticalSecondsToTicket: round(quantile(criticalDelays, 0.5), 1),
    maxCriticalSecondsToTicket: round(quantile(criticalDelays, 1), 1),
    hazard: {
      tickets: hazard.tickets,
      truePositives: hazard.truePositives,
      falsePositives: hazardFalse,
      precision: round(ratio(hazard.truePositives, hazard.tickets), 4),
      falsePerElevatorYear: elevatorYears === null ? null : round(ratio(hazardFalse, elevatorYears), 3),
    },
    elevatorYears: round(elevatorYears, 3),
    perRule: Object.fromEntries(
      Object.entries(perRule).map(([rule, counts]) => [
        rule,
        { ...counts, falsePositives: counts.tickets - counts.truePositives },
      ]),
    ),
    perKind: Object.fromEntries(
      Object.entries(perKind).map(([name, kind]) => [
        name,
        kind.category === 'degradation'
          ? {
              category: kind.category,
              count: kind.count,
              failed: kind.failed,
              fixed: kind.fixed,
              ticketedInTime: kind.ticketed,
              recall: round(ratio(kind.ticketed, kind.failed), 4),
              medianLeadHours: round(quantile(kind.leads, 0.5)),
            }
          : {
              category: kind.category,
              count: kind.count,
              ticketedInTime: kind.ticketed,
              recall: round(ratio(kind.ticketed, kind.count), 4),
              ...(kind.category === 'critical' ? { medianSecondsToTicket: round(quantile(kind.delays, 0.5), 1) } : {}),
            },
      ]),
    ),
  };
}
