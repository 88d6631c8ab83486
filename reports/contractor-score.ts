/**
 * The contractor league's composite score (docs/contractors.md): six terms, each from 0 (worst)
 * to 1 (best), weighted to sum to 100. Every term is a plain ratio of the table's own columns,
 * so a contractor can recompute its score from the row.
 */

export const SCORE_WEIGHTS = {
  punctuality: 30,
  repeats: 20,
  overdue: 15,
  entrapments: 15,
  response: 10,
  onSite: 10,
} as const;

/** Entrapments per 100 lifts at which the term reaches 0. */
export const ENTRAPMENTS_PER_100_AT_ZERO = 10;
/** Mean minutes to acknowledge at which the term reaches 0. */
export const RESPONSE_MINUTES_AT_ZERO = 30;
/** Mean minutes to arrive at which the term reaches 0: twice the 30-minute entrapment rescue limit. */
export const ON_SITE_MINUTES_AT_ZERO = 60;
const TENTHS = 10;

export interface ScoreInputs {
  readonly lifts: number;
  readonly visits: number;
  readonly visitsOnTime: number;
  readonly overdue: number;
  readonly repeatsAfterMaintenance: number;
  readonly entrapmentsPer100Lifts: number;
  readonly responseMinutes: number | null;
  readonly onSiteMinutes: number | null;
}

/** 1 - value / limit, kept within [0, 1]; nothing measured (null) costs nothing. */
const falling = (value: number | null, limit: number) => (value === null ? 1 : Math.max(0, 1 - value / limit));
/** A share of a total; with a total of 0, 1 when nothing counts against, else 0. */
const share = (part: number, total: number) => (total > 0 ? Math.min(1, part / total) : part > 0 ? 1 : 0);

export function scoreTerms(row: ScoreInputs): Record<keyof typeof SCORE_WEIGHTS, number> {
  return {
    punctuality: share(row.visitsOnTime, row.visits),
    repeats: 1 - share(row.repeatsAfterMaintenance, row.visits),
    overdue: 1 - share(row.overdue, row.lifts),
    entrapments: falling(row.entrapmentsPer100Lifts, ENTRAPMENTS_PER_100_AT_ZERO),
    response: falling(row.responseMinutes, RESPONSE_MINUTES_AT_ZERO),
    onSite: falling(row.onSiteMinutes, ON_SITE_MINUTES_AT_ZERO),
  };
}

/** The weighted sum of the terms, 0-100, to a tenth. */
export function compositeScore(row: ScoreInputs): number {
  const terms = scoreTerms(row);
  const sum = Object.entries(SCORE_WEIGHTS).reduce(
    (total, [term, weight]) => total + weight * terms[term as keyof typeof SCORE_WEIGHTS],
    0,
  );
  return Math.round(sum * TENTHS) / TENTHS;
}
