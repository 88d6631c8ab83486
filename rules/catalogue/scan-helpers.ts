import { WITHIN, windowParams } from '../../influx/params.js';
import type { BoundQuery, Series } from '../../influx/types.js';

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** The first row of each series grouped by elevator, keyed by elevator id. */
export function byElevator(series: readonly Series[] | undefined): Map<string, Readonly<Record<string, unknown>>> {
  const rows = new Map<string, Readonly<Record<string, unknown>>>();
  for (const one of series ?? []) {
    const elevator = one.tags.elevator;
    const row = one.rows[0];
    if (elevator && row) rows.set(elevator, row);
  }
  return rows;
}

/** Each elevator's last maintenance check-out at or before `asOf`, looking back `days`. */
export const lastCheckoutQuery = (asOf: number, days: number): BoundQuery => ({
  influxql: `SELECT last("action") FROM maintenance WHERE "action" = 'checkout' AND ${WITHIN} GROUP BY elevator`,
  params: windowParams(asOf - days * DAY_MS, asOf),
});
