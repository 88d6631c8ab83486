import type { TicketEvidence } from '../../contract/index.js';
import type { SymptomFamily } from './families.js';
import type { Signal } from './rate.js';

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;
/** Asia/Shanghai is UTC+8 all year: "rising since 3 Nov" is the local date. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Two significant digits: what a person reads (2.1 a week, 0.034, 35), and what the ratio is computed from. */
export const twoDigits = (value: number) => Number(value.toPrecision(2));

/** "3 Nov": the Shanghai date. */
export function shortDate(epochMs: number): string {
  const local = new Date(epochMs + SHANGHAI_OFFSET_MS);
  return `${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]}`;
}

const capitalised = (text: string) => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

/** What a window shows: its count, its length, and the elevator's usual rate a week. */
export interface Window {
  readonly count: number;
  readonly days: number;
  readonly usualPerWeek: number;
}

/**
 * The ratio an insurer can check from the numbers shown: the count over what the usual rate
 * (as shown, two digits) gives in the window. Null when the usual rounds to nothing.
 */
export function rateRatio(window: Window): number | null {
  const expected = (twoDigits(window.usualPerWeek) * window.days) / WEEK_DAYS;
  return expected > 0 ? twoDigits(window.count / expected) : null;
}

/** "Door faults 9 in the last 7 days against this elevator's usual 2.1 a week (rate ratio 4.3, rising since 3 Nov)". */
export function titleOf(
  family: SymptomFamily,
  window: Window,
  risingSince: number | null,
  floor: number | null = null,
): string {
  const ratio = rateRatio(window);
  const details = [
    ratio === null ? null : `rate ratio ${ratio}`,
    risingSince === null ? null : `rising since ${shortDate(risingSince)}`,
  ].filter((part) => part !== null);
  const days = twoDigits(window.days);
  return (
    `${capitalised(family.what)} ${window.count} in the last ${days === 1 ? 'day' : `${days} days`}` +
    `${floor === null ? '' : ` at floor ${floor}`} against this elevator's usual ${twoDigits(window.usualPerWeek)} a week` +
    (details.length > 0 ? ` (${details.join(', ')})` : '')
  );
}

/** The evidence of a rate test's signal, over the window the ticket shows. */
export function rateEvidence(signal: Signal, window: Window, falseAlarmYears: number): TicketEvidence {
  return {
    family: signal.family.id,
    test: 'rate-rise',
    count: window.count,
    windowDays: twoDigits(window.days),
    usualPerWeek: twoDigits(window.usualPerWeek),
    rateRatio: rateRatio(window),
    risingSince: signal.risingSince === null ? null : new Date(signal.risingSince).toISOString(),
    floor: null,
    testedRatio: signal.ratio,
    statistic: twoDigits(signal.statistic),
    threshold: twoDigits(signal.threshold),
    falseAlarmYears,
    peerShare: twoDigits(signal.baseline.peerShare),
  };
}

/** The evidence of an absolute rule (the door-lock circuit at one landing). */
export function absoluteEvidence(
  family: SymptomFamily,
  window: Window,
  floor: number | null,
  peerShare: number,
): TicketEvidence {
  return {
    family: family.id,
    test: 'landing-repeat',
    count: window.count,
    windowDays: twoDigits(window.days),
    usualPerWeek: twoDigits(window.usualPerWeek),
    rateRatio: rateRatio(window),
    risingSince: null,
    floor,
    testedRatio: null,
    statistic: null,
    threshold: null,
    falseAlarmYears: null,
    peerShare: twoDigits(peerShare),
  };
}

/** Days from `from` to `to`, at least a minute's worth. */
export const daysBetween = (from: number, to: number) => Math.max(to - from, 60_000) / DAY_MS;
