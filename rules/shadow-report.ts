import type { ShadowReport, ShadowRuleReport, Ticket } from '../contract/index.js';
import type { Page, Store } from '../store/types.js';
import { quantile, score, type ScoredTicket } from '../simulators/score.js';
import type { TruthRecord } from '../simulators/truth.js';
import { SYSTEM_ACTOR } from '../store/sqlite-tickets.js';
import { declaresShadow } from './config.js';
import { ALL_RULES } from './registry.js';

const HOUR_MS = 3_600_000;
/** Rows read from the store a page at a time. */
const PAGE = 1000;

/** What the comparison reads of a live ticket and of a shadow record. */
export type ShadowReportEntry = Pick<Ticket, 'id' | 'elevator' | 'rule' | 'category' | 'openedAt' | 'status'> & {
  readonly closed: { readonly at: string | null; readonly by: string | null };
};

export interface ShadowReportInput {
  readonly from: number;
  readonly to: number;
  /** The rules to report on (each rule in shadow); the records and tickets of others are left out. */
  readonly rules: readonly string[];
  /** Shadow records and live tickets active at some time in [from, to) (more is fine: they are filtered). */
  readonly shadows: readonly ShadowReportEntry[];
  readonly tickets: readonly ShadowReportEntry[];
  /** A simulation's ground truth, to score both sides as `liftwatch score` does. */
  readonly truth?: readonly TruthRecord[] | undefined;
}

/** When an entry was active: from its opening (event time) until it closed (or for good). */
const span = (entry: ShadowReportEntry): [number, number] => [
  Date.parse(entry.openedAt),
  entry.closed.at === null ? Infinity : Date.parse(entry.closed.at),
];
const overlap = (a: ShadowReportEntry, b: ShadowReportEntry) => {
  const [aStart, aEnd] = span(a);
  const [bStart, bEnd] = span(b);
  return aStart < bEnd && bStart < aEnd;
};

function outcomes(tickets: readonly ShadowReportEntry[]) {
  const real = tickets.filter((ticket) => ticket.status === 'resolved' && ticket.closed.by !== SYSTEM_ACTOR).length;
  const falseAlarm = tickets.filter((ticket) => ticket.status === 'false_alarm').length;
  return { real, falseAlarm, unconfirmed: tickets.length - real - falseAlarm };
}

function truthScore(truth: readonly TruthRecord[], tickets: readonly ScoredTicket[], from: number, to: number) {
  const {
    tickets: count,
    truePositives,
    falsePositives,
    recall,
    medianLeadHours,
  } = score(truth, tickets, { from, to });
  return { tickets: count, truePositives, falsePositives, recall, medianLeadHours };
}

/**
 * Each rule in shadow against the live tickets of the same elevator and rule: a shadow record and
 * a live ticket coincide when they were active at the same time. Counted are the shadow records
 * opened in [from, to) and the live tickets opened in it; either may coincide with one of the
 * other side opened earlier. The lead of a coinciding record is taken against the first live
 * ticket it coincides with. With the truth, both sides are scored as `liftwatch score` scores
 * tickets (simulators/score.ts), each rule's tickets alone.
 */
export function shadowReport(input: ShadowReportInput): ShadowReport {
  const { from, to } = input;
  const inPeriod = (entry: ShadowReportEntry) => {
    const opened = Date.parse(entry.openedAt);
    return opened >= from && opened < to;
  };
  const active = (entry: ShadowReportEntry) => span(entry)[0] < to && span(entry)[1] > from;
  const rules: ShadowRuleReport[] = [...new Set(input.rules)].sort().map((rule) => {
    const shadows = input.shadows.filter((entry) => entry.rule === rule && active(entry));
    const tickets = input.tickets.filter((entry) => entry.rule === rule && active(entry));
    const sameTime = (entry: ShadowReportEntry, others: readonly ShadowReportEntry[]) =>
      others
        .filter((other) => other.elevator === entry.elevator && overlap(entry, other))
        .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
    const opened = shadows.filter(inPeriod);
    const coinciding = opened.map((shadow) => ({ shadow, live: sameTime(shadow, tickets) }));
    const matched = coinciding.filter(({ live }) => live.length > 0);
    const liveOpened = tickets.filter(inPeriod);
    const liveOnly = liveOpened.filter((ticket) => sameTime(ticket, shadows).length === 0);
    const leads = matched.map(
      ({ shadow, live }) =>
        (Date.parse((live[0] as ShadowReportEntry).openedAt) - Date.parse(shadow.openedAt)) / HOUR_MS,
    );
    const median = quantile(leads, 0.5);
    const report: ShadowRuleReport = {
      rule,
      wouldOpen: opened.length,
      liveTickets: liveOpened.length,
      coinciding: matched.length,
      coincidingLive: outcomes([...new Set(matched.flatMap(({ live }) => live))]),
      shadowOnly: opened.length - matched.length,
      liveOnly: liveOnly.length,
      liveOnlyOutcomes: outcomes(liveOnly),
      medianLeadHours: median === null ? null : Number(median.toFixed(1)),
    };
    if (!input.truth) return report;
    return {
      ...report,
      truth: {
        shadow: truthScore(input.truth, opened, from, to),
        live: truthScore(input.truth, liveOpened, from, to),
      },
    };
  });
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), rules };
}

/** Where a report's records and tickets come from: the store (the API's route) or the API (the CLI). */
export interface ShadowSource {
  /** The rules an override runs in shadow (its mode, or a shadow config). */
  shadowedRules(): Promise<string[]>;
  /** Shadow records opened before `to`, of one rule or of all. */
  shadows(to: string, rule: string | undefined): Promise<ShadowReportEntry[]>;
  /** The live tickets of a rule. */
  tickets(rule: string): Promise<ShadowReportEntry[]>;
}

export interface ShadowReportRequest {
  readonly from: string;
  readonly to: string;
  /** One rule; else those an override runs in shadow and those with records in the period. */
  readonly rule?: string | undefined;
  readonly truth?: readonly TruthRecord[] | undefined;
}

/** The report over what `source` gives (see shadowReport). */
export async function shadowReportFrom(source: ShadowSource, request: ShadowReportRequest): Promise<ShadowReport> {
  const { from, to, rule, truth } = request;
  const shadows = await source.shadows(to, rule);
  const opened = shadows.filter((record) => Date.parse(record.openedAt) >= Date.parse(from));
  const rules =
    rule === undefined ? [...new Set([...(await source.shadowedRules()), ...opened.map((r) => r.rule)])] : [rule];
  const tickets = (await Promise.all(rules.map((one) => source.tickets(one)))).flat();
  return shadowReport({ from: Date.parse(from), to: Date.parse(to), rules, shadows, tickets, truth });
}

function allOf<T extends { id: string }>(page: (after: string | undefined) => Page<T>): T[] {
  const items: T[] = [];
  for (let after: string | undefined; ;) {
    const next = page(after);
    items.push(...next.items);
    if (next.next === null) return items;
    after = next.next;
  }
}

/** The store as a report's source (the API's route). */
export function storeShadowSource(store: Pick<Store, 'ruleConfigs' | 'shadows' | 'tickets'>): ShadowSource {
  return {
    shadowedRules: async () =>
      ALL_RULES.filter((rule) => store.ruleConfigs.current(rule.id).some((o) => declaresShadow(o.config))).map(
        (rule) => rule.id,
      ),
    shadows: async (to, rule) => allOf((after) => store.shadows.list({ to, rule, limit: PAGE, after })),
    tickets: async (rule) => allOf((after) => store.tickets.list({ rule, limit: PAGE, after })),
  };
}
