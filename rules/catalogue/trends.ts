import { z } from 'zod';
import type { ScheduledRule } from '../types.js';
import { WITHIN, windowParams } from '../../influx/params.js';
import type { BoundQuery } from '../../influx/types.js';
import { DAY_MS, byElevator } from './scan-helpers.js';

const WEEK_MS = 7 * DAY_MS;

const doorConfigSchema = z.strictObject({
  /** Mean close time of the recent days over the weeks before, in percent, that means the operator is wearing. */
  closeDriftPercent: z.number().positive().max(500),
  /** Reopens (or obstructions) per reported cycle in the recent days over the weeks before. */
  rateRatio: z.number().min(1).max(100),
  /** ...and at least this many per cycle in the recent days, so noise near zero does not count. */
  minRate: z.number().min(0).max(10),
  baselineWeeks: z.int().min(1).max(8),
  /**
   * The recent days compared with the baseline weeks before them. Three, not seven: backtests on
   * two ninety-day runs warned of door operator wear 14 to 24 h earlier for one false ticket more
   * in each; two days doubled the false tickets.
   */
  recentDays: z.int().min(1).max(14),
  /** Reported door cycles needed in each period for a comparison. */
  minCycles: z.int().min(1).max(100_000),
});
type DoorConfig = z.infer<typeof doorConfigSchema>;

interface DoorStats {
  readonly closeMs: number;
  readonly reopens: number;
  readonly obstructed: number;
  readonly cycles: number;
}

type Row = Readonly<Record<string, unknown>>;

function doorStats(row: Row | undefined, obstructed: Row | undefined): DoorStats | null {
  if (!row) return null;
  return {
    closeMs: Number(row.closeMs),
    reopens: Number(row.reopens),
    obstructed: Number(obstructed?.obstructed ?? 0),
    cycles: Number(row.cycles),
  };
}

const doorQuery = (from: number, to: number): BoundQuery => ({
  influxql: `SELECT mean(closeMs) AS closeMs, mean(reopens) AS reopens, count(closeMs) AS cycles FROM doors WHERE ${WITHIN} GROUP BY elevator`,
  params: windowParams(from, to),
});
const obstructedQuery = (from: number, to: number): BoundQuery => ({
  influxql: `SELECT count(closeMs) AS obstructed FROM doors WHERE obstructed = true AND ${WITHIN} GROUP BY elevator`,
  params: windowParams(from, to),
});

/**
 * Door system wearing, from the door cycles of the last few days against the weeks before:
 * the close time drifting up, or reopens or obstructions becoming more frequent.
 */
export const doorTrend = {
  id: 'door-trend',
  version: 2,
  kind: 'scheduled',
  description:
    'Door close time drifting up, or reopens/obstructions rising, the last days against the weeks before: door operator, belt or track',
  schedule: '0 6 * * *',
  configSchema: doorConfigSchema,
  defaults: { closeDriftPercent: 15, rateRatio: 2, minRate: 0.15, baselineWeeks: 3, recentDays: 3, minCycles: 20 },
  queries: (asOf, config) => {
    const recentFrom = asOf - config.recentDays * DAY_MS;
    const baselineFrom = recentFrom - config.baselineWeeks * WEEK_MS;
    return {
      recent: doorQuery(recentFrom, asOf),
      recentObstructed: obstructedQuery(recentFrom, asOf),
      baseline: doorQuery(baselineFrom, recentFrom),
      baselineObstructed: obstructedQuery(baselineFrom, recentFrom),
    };
  },
  evaluate(answers, _asOf, configOf) {
    const baseline = byElevator(answers.baseline);
    const recentObstructed = byElevator(answers.recentObstructed);
    const baselineObstructed = byElevator(answers.baselineObstructed);
    return [...byElevator(answers.recent)].flatMap(([elevator, row]) => {
      const config = configOf(elevator);
      const now = doorStats(row, recentObstructed.get(elevator));
      const before = doorStats(baseline.get(elevator), baselineObstructed.get(elevator));
      if (!now || !before || now.cycles < config.minCycles || before.cycles < config.minCycles) return [];
      // A baseline that does not cover its weeks (an elevator watched only a few days) is no baseline.
      const baselineShare = (config.baselineWeeks * WEEK_MS) / (config.recentDays * DAY_MS);
      if (before.cycles < (now.cycles * baselineShare) / 2) return [];
      const drift = ((now.closeMs - before.closeMs) / before.closeMs) * 100;
      const rate = (count: number, cycles: number) => count / cycles;
      const reopensUp = now.reopens >= config.minRate && now.reopens >= before.reopens * config.rateRatio;
      const obstructedNow = rate(now.obstructed, now.cycles);
      const obstructedUp =
        obstructedNow >= config.minRate && obstructedNow >= rate(before.obstructed, before.cycles) * config.rateRatio;
      const signs = [
        drift >= config.closeDriftPercent ? `close time up ${Math.round(drift)} %` : null,
        reopensUp ? `reopens ${now.reopens.toFixed(2)} per cycle (was ${before.reopens.toFixed(2)})` : null,
        obstructedUp ? `obstructions ${obstructedNow.toFixed(2)} per cycle` : null,
      ].filter((sign): sign is string => sign !== null);
      if (signs.length === 0) return [];
      return [
        {
          elevator,
          severity: 'minor',
          category: 'hazard',
          title: `Door system wearing: ${signs.join(', ')}`,
          external: false,
          deadlineMinutes: null,
        },
      ];
    });
  },
} satisfies ScheduledRule<DoorConfig>;

const levellingConfigSchema = z.strictObject({
  /** Levelling errors this week that, rising this much over last week, mean brake or rope wear. */
  minCount: z.int().min(1).max(1000),
  ratio: z.number().min(1).max(100),
});
type LevellingConfig = z.infer<typeof levellingConfigSchema>;

const levellingQuery = (from: number, to: number): BoundQuery => ({
  influxql: `SELECT count(seq) AS errors FROM faults WHERE code = '102' AND ${WITHIN} GROUP BY elevator`,
  params: windowParams(from, to),
});

/** Levelling errors (102) rising week on week: brake, rope or sheave wear. */
export const levellingTrend = {
  id: 'levelling-trend',
  version: 1,
  kind: 'scheduled',
  description: 'Levelling errors (102) rising week on week: brake, rope or sheave wear',
  schedule: '5 6 * * *',
  configSchema: levellingConfigSchema,
  defaults: { minCount: 3, ratio: 2 },
  queries: (asOf) => ({
    recent: levellingQuery(asOf - WEEK_MS, asOf),
    previous: levellingQuery(asOf - 2 * WEEK_MS, asOf - WEEK_MS),
  }),
  evaluate(answers, _asOf, configOf) {
    const previous = byElevator(answers.previous);
    return [...byElevator(answers.recent)].flatMap(([elevator, row]) => {
      const config = configOf(elevator);
      const now = Number(row.errors);
      const before = Number(previous.get(elevator)?.errors ?? 0);
      if (now < config.minCount || now < before * config.ratio || now === before) return [];
      return [
        {
          elevator,
          severity: 'minor',
          category: 'hazard',
          title: `Levelling errors rising: ${now} this week, ${before} the week before`,
          external: false,
          deadlineMinutes: null,
        },
      ];
    });
  },
} satisfies ScheduledRule<LevellingConfig>;
